-- The table macros this database defines, with their definitions as DuckDB stores them: compared with
-- those of queries/_macros.sql to tell a warehouse written by an earlier version (build --if-missing).
select function_name, macro_definition
from duckdb_functions()
where function_type in ('macro', 'table_macro') and not internal
order by function_name
