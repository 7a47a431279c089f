-- application_states' fixed-list columns in their stored types (dashboard/ingest/stored.py, which checked
-- that every stored value is in its list): an empty table's at once, a fuller one's rewritten.
alter table application_states alter column applicant_role type stored_role;
alter table application_states alter column permit_type type stored_permit;
alter table application_states alter column status type stored_status;
alter table application_states alter column us_state type stored_state;
alter table application_states alter column intended_province type stored_province;
alter table application_states alter column citizenship type stored_country;
alter table application_states alter column birth_country type stored_country
