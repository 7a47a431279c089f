-- A snapshot of text columns (_make_old) holding a citizenship outside the list of codes (tests/test_stored_types.py): no ingest
-- stores one, an earlier version's list might have had it.
update application_states set citizenship = 'ZZZ' where application_id = 'P3'
