-- One row per outcome (approved, refused, withdrawn) and role (principal, family), under the shared
-- filters at $as_of: outcome, role, applications (with that decision standing at $as_of), median_days,
-- p10_days, p90_days (days from submission to the decision, first reached; empty with no application).
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses.
with decided as (
    select
        application_id,
        status as outcome,
        case when applicant_role = 'principal' then 'principal' else 'family' end as role,
        submitted_at
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    where status in ('approved', 'refused', 'withdrawn')
),

-- A decision's time is the first state that held it: a later state with the same decision (an
-- arrival recorded on an approved application) does not move it.
decision_days as (
    select d.outcome, d.role, epoch(min(h.status_at) - any_value(d.submitted_at)) / 86400.0 as days
    from decided as d
    join history_as_of($program, $as_of) as h
      on h.application_id = d.application_id and h.status = d.outcome
    group by d.application_id, d.outcome, d.role
),

summary as (
    select
        outcome,
        role,
        count(*) as applications,
        quantile_cont(days, 0.5) as median_days,
        quantile_cont(days, 0.1) as p10_days,
        quantile_cont(days, 0.9) as p90_days
    from decision_days
    group by all
),

grid as (
    select *
    from (values ('approved', 1), ('refused', 2), ('withdrawn', 3)) as o (outcome, outcome_order)
    cross join (values ('principal', 1), ('family', 2)) as r (role, role_order)
)

select
    g.outcome,
    g.role,
    coalesce(s.applications, 0)::bigint as applications,
    s.median_days,
    s.p10_days,
    s.p90_days
from grid as g
left join summary as s using (outcome, role)
order by g.outcome_order, g.role_order
