-- Test support: the columns of application_states.
select column_name from information_schema.columns where table_name = 'application_states'
