-- application_states' columns and their types (tests/test_stored_types.py).
select column_name, data_type
from duckdb_columns()
where schema_name = 'main' and table_name = 'application_states'
