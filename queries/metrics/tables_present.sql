-- One row per table in the snapshot: table_name. Pages use it to say which statistics are loaded.
-- Params: none.
select table_name
from duckdb_tables()
where schema_name = 'main'
order by table_name
