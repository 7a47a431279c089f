-- Test support: a snapshot as an earlier version wrote it, with the query macros stored in it (that
-- version had no top_and_others, and this states_as_of is deliberately wrong: it must not be used).
create or replace macro states_as_of(program, as_of) as table
    select *
    from application_states
    where false;

create or replace macro filtered_states(program, as_of, start_at, end_at, countries, roles, permits, statuses) as table
    select *
    from states_as_of(program, as_of)
    where submitted_at >= start_at
      and submitted_at < end_at
