-- Remove one program's applications, for a replay of it from the start (dashboard/replay.py).
-- Params: $program.
delete from application_states
where program_id = $program
