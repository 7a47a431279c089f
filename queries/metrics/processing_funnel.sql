-- One row per stage (submitted, in_review, approved, refused, withdrawn, arrived): stage, principal,
-- family. The applications under the shared filters (as they stood at $as_of) that had reached the
-- stage by then: submitted counts every one; in_review those that were ever in review; approved,
-- refused and withdrawn the decision standing at $as_of (an application whose decision changed counts
-- once, under its latest), so approved + refused + withdrawn + still open = submitted; arrived those
-- whose arrival in Canada was recorded by then.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses.
with intake as (
    select application_id, applicant_role = 'principal' as is_principal, status
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
),

history as (
    select
        application_id,
        bool_or(status = 'in_review') as reviewed,
        bool_or(arrived_at <= $as_of) as arrived
    from history_as_of($program, $as_of)
    where application_id in (select application_id from intake)
    group by application_id
),

reached as (
    select
        i.is_principal,
        true as submitted,
        coalesce(h.reviewed, false) as in_review,
        i.status = 'approved' as approved,
        i.status = 'refused' as refused,
        i.status = 'withdrawn' as withdrawn,
        coalesce(h.arrived, false) as arrived
    from intake as i
    left join history as h using (application_id)
),

counts as (
    select
        is_principal,
        count(*) filter (where submitted) as submitted,
        count(*) filter (where in_review) as in_review,
        count(*) filter (where approved) as approved,
        count(*) filter (where refused) as refused,
        count(*) filter (where withdrawn) as withdrawn,
        count(*) filter (where arrived) as arrived
    from reached
    group by is_principal
),

by_stage as (
    unpivot counts
    on submitted, in_review, approved, refused, withdrawn, arrived
    into name stage value applications
),

stages as (
    select * from (values
        ('submitted', 1), ('in_review', 2), ('approved', 3), ('refused', 4), ('withdrawn', 5), ('arrived', 6)
    ) as s (stage, stage_order)
)

select
    s.stage,
    coalesce(sum(b.applications) filter (where b.is_principal), 0)::bigint as principal,
    coalesce(sum(b.applications) filter (where not b.is_principal), 0)::bigint as family
from stages as s
left join by_stage as b using (stage)
group by s.stage, s.stage_order
order by s.stage_order
