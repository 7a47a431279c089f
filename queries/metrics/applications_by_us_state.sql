-- One row per US state in $states (with none: 0) and one `unknown` row (no state of residence given),
-- under the shared filters: state, principal, family, h1b_initial_approvals (USCIS initial H-1B
-- approvals for employers in the state, the fiscal year the caller chose: $approval_states and
-- $approvals, from the reference statistics; empty without them), per_1000 (principal applications
-- per 1,000 of those approvals). Most principal applications first, `unknown` last.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $states,
-- $approval_states, $approvals.
with counts as (
    select state, sum(principal) as principal, sum(family) as family
    from applications_by_place($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    group by state
),

approvals as (
    select
        unnest($approval_states::varchar[]) as state,
        unnest($approvals::bigint[]) as h1b_initial_approvals
)

select
    s.state,
    coalesce(c.principal, 0)::bigint as principal,
    coalesce(c.family, 0)::bigint as family,
    a.h1b_initial_approvals,
    1000.0 * coalesce(c.principal, 0) / nullif(a.h1b_initial_approvals, 0) as per_1000
from (select unnest($states::varchar[]) as state union select 'unknown' union select state from counts) as s
left join counts as c using (state)
left join approvals as a using (state)
order by s.state = 'unknown', principal desc, family desc, s.state
