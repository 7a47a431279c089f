-- Test support: the macros the connection sees, with the catalog each lives in ('temp' = this
-- connection's own, anything else = stored in the snapshot).
select database_name, function_name
from duckdb_functions()
where function_type in ('macro', 'table_macro') and not internal
order by database_name, function_name
