-- One row: how many application states a snapshot holds (0 rows of work for an empty first snapshot).
select count(*) as states from application_states
