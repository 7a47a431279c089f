-- One row per calendar day in the zone $tz and role (principal, family), every day from the first
-- submission, decision or arrival to the last (or to $last_day), under the shared filters at $as_of:
-- interval_start, interval_end (UTC: local midnight to the next), role, approved, refused, withdrawn
-- (decisions made that day), arrived (first entries to Canada that day), open (applications submitted
-- and not decided at the day's end: the backlog). At most $max_intervals + 1 days.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $tz,
-- $last_day, $max_intervals.
with intake as (
    select application_id, applicant_role = 'principal' as is_principal
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
),

steps as (
    select
        h.application_id,
        i.is_principal,
        h.status,
        h.valid_from,
        h.arrived_at,
        h.status in ('submitted', 'in_review') as is_open,
        lag(h.status in ('submitted', 'in_review')) over w as was_open,
        lag(h.status) over w as previous_status
    from history_as_of($program, $as_of) as h
    join intake as i using (application_id)
    window w as (partition by h.application_id order by h.valid_from)
),

-- A decision is made when a state holds one the state before did not (an application's first state
-- may be its decision); the backlog grows when an application opens and shrinks when it is decided.
changes as (
    select
        is_principal,
        timezone($tz, valid_from)::date as day,
        (status = 'approved' and previous_status is distinct from 'approved')::integer as approved,
        (status = 'refused' and previous_status is distinct from 'refused')::integer as refused,
        (status = 'withdrawn' and previous_status is distinct from 'withdrawn')::integer as withdrawn,
        0 as arrived,
        case
            when is_open and not coalesce(was_open, false) then 1
            when not is_open and coalesce(was_open, false) then -1
            else 0
        end as opened
    from steps
    union all
    select is_principal, timezone($tz, min(arrived_at))::date, 0, 0, 0, 1, 0
    from steps
    where arrived_at <= $as_of
    group by application_id, is_principal
),

per_day as (
    select
        is_principal,
        day,
        sum(approved) as approved,
        sum(refused) as refused,
        sum(withdrawn) as withdrawn,
        sum(arrived) as arrived,
        sum(opened) as opened
    from changes
    group by all
),

range_bounds as (
    select min(day) as first_day, greatest(max(day), $last_day::date) as last_day
    from per_day
),

days as (
    select unnest(generate_series(
        first_day, least(last_day, first_day + $max_intervals::integer), interval 1 day
    ))::date as day
    from range_bounds
),

grid as (
    select d.day, r.role, r.is_principal
    from days as d
    cross join (values ('principal', true), ('family', false)) as r (role, is_principal)
),

filled as (
    select
        g.day,
        g.role,
        coalesce(p.approved, 0)::bigint as approved,
        coalesce(p.refused, 0)::bigint as refused,
        coalesce(p.withdrawn, 0)::bigint as withdrawn,
        coalesce(p.arrived, 0)::bigint as arrived,
        sum(coalesce(p.opened, 0)) over (partition by g.role order by g.day)::bigint as open
    from grid as g
    left join per_day as p using (day, is_principal)
)

select
    timezone($tz, day::timestamp) as interval_start,
    timezone($tz, (day + interval 1 day)::timestamp) as interval_end,
    role,
    approved,
    refused,
    withdrawn,
    arrived,
    open
from filled
order by interval_start, role = 'family'
