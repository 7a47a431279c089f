-- One row per table in the current snapshot: table_name (the page checks the reference tables it needs).
-- No params.
select table_name
from duckdb_tables()
where schema_name = 'main'
order by table_name
