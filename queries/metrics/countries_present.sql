-- One row per citizenship present in the program's applications, in any of their states:
-- citizenship, applications (how many hold it in their current state; 0 when only earlier states did).
-- Params: $program.

-- Current states: one per application, so a count, not a distinct over every state.
with current_holders as (
    select citizenship, count(*) as applications
    from application_states
    where program_id = $program
      and valid_to = 'infinity'::timestamptz
    group by all
),

earlier_only as (
    select distinct citizenship, 0 as applications
    from application_states
    where program_id = $program
      and valid_to < 'infinity'::timestamptz
      and citizenship not in (select citizenship from current_holders)
),

present as (
    select citizenship, applications from current_holders
    union all
    select citizenship, applications from earlier_only
)

select citizenship, applications
from present
order by applications desc, citizenship
