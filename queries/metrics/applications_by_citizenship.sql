-- One row per citizenship among the $top_n with the most principal applications under the shared
-- filters, then one "all others" row (citizenship null) for the rest: rank, citizenship, countries
-- (how many the row groups), principal, family, principal_share, family_share.
-- Shares are of every citizenship under the other filters, so a country keeps its share when the
-- citizenship filter picks it; that filter only decides which countries get a row.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $top_n.
with intake as (
    select citizenship, applicant_role = 'principal' as is_principal
    from filtered_states($program, $as_of, $start_at, $end_at, null, $roles, $permits, $statuses)
),

intake_totals as (
    select
        count(*) filter (where is_principal) as principal,
        count(*) filter (where not is_principal) as family
    from intake
),

by_citizenship as (
    select *
    from principal_and_family(intake)
    where $countries is null or list_contains($countries, citizenship)
),

ranked as (
    select
        *,
        row_number() over (order by principal desc, family desc, citizenship) as rank
    from by_citizenship
)

select
    countries_shown.rank,
    countries_shown.citizenship,
    countries_shown.countries,
    countries_shown.principal,
    countries_shown.family,
    countries_shown.principal / nullif(intake_totals.principal, 0) as principal_share,
    countries_shown.family / nullif(intake_totals.family, 0) as family_share
from top_and_others(ranked, $top_n) as countries_shown
cross join intake_totals
order by countries_shown.rank
