-- What application_states' stored types are now (dashboard/ingest/stored.py): one row per stored type in
-- the database (kind 'type', its name, its values) and one per column of the table (kind 'column', its
-- name, [its type]); no column row when the table does not exist.
select 'type' as kind, type_name as name, labels as info
from duckdb_types()
where database_name = current_database() and schema_name = 'main' and starts_with(type_name, 'stored_')
union all
select 'column', column_name, [data_type]
from duckdb_columns()
where database_name = current_database() and schema_name = 'main' and table_name = 'application_states'
