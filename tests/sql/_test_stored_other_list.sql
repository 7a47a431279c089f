-- A snapshot whose status type has another list (tests/test_stored_types.py: as if a later version's
-- lists differed): the statuses in the reverse order, one more at the end.
alter table application_states alter column status type varchar;
drop type stored_status;
create type stored_status as enum ('withdrawn', 'refused', 'approved', 'in_review', 'submitted', 'retired');
alter table application_states alter column status type stored_status
