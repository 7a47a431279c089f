-- Test support: the current state of application $id.
select * from application_states where application_id = $id and valid_to = 'infinity'::timestamptz
