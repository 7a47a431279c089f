-- application_states' fixed-list columns back to text, so their types can be made again with new lists
-- (dashboard/ingest/stored.py).
alter table application_states alter column applicant_role type varchar;
alter table application_states alter column permit_type type varchar;
alter table application_states alter column status type varchar;
alter table application_states alter column us_state type varchar;
alter table application_states alter column intended_province type varchar;
alter table application_states alter column citizenship type varchar;
alter table application_states alter column birth_country type varchar
