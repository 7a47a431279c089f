-- With queries/ingest/_stored_text.sql run first, a snapshot as an earlier version wrote it
-- (tests/test_stored_types.py): the fixed-list columns text, and no stored type.
drop type stored_role;
drop type stored_permit;
drop type stored_status;
drop type stored_state;
drop type stored_province;
drop type stored_country
