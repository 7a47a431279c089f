-- One row per citizenship among the $top_n with the most principal applications under the shared
-- filters (then the most US H-1B visas issued), then one "all others" row (citizenship null), set
-- against the US H-1B population: rank, citizenship, countries, applications, applicant_share,
-- h1b_issuances and h1b_share (State Department, H-1B visas issued in calendar $year),
-- ratio (applicant_share / h1b_share: above 1 over-represented), per_1000 (applications per 1,000
-- H-1B visas issued), uscis_share and uscis_approved (USCIS approvals by country of birth, fiscal
-- $year, all petitions; null where not published).
-- Applicant shares are of principal applications of every citizenship under the other filters;
-- H-1B shares are of the visas attributed to a country (the rest are listed by
-- reference_unmatched_nationalities). The citizenship filter only decides which countries get a row.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $year, $top_n.
with principals as (
    select citizenship
    from filtered_states($program, $as_of, $start_at, $end_at, null, $roles, $permits, $statuses)
    where applicant_role = 'principal'
),

applications as (
    select citizenship, count(*) as applications
    from principals
    group by citizenship
),

issuances as (
    select iso3 as citizenship, sum(issuances)::bigint as h1b_issuances
    from h1b_issuances
    where visa_class = 'H1B'
      and year(month) = $year
      and iso3 is not null
    group by iso3
),

approvals as (
    select iso3 as citizenship, share_pct / 100 as uscis_share, approved_petitions as uscis_approved
    from h1b_approvals_by_birth
    where fiscal_year = $year
      and petition_scope = 'all'
      and iso3 is not null
),

totals as (
    select
        (select count(*) from principals) as applications,
        (select sum(h1b_issuances) from issuances) as h1b_issuances
),

by_citizenship as (
    select
        citizenship,
        coalesce(applications.applications, 0) as applications,
        coalesce(issuances.h1b_issuances, 0) as h1b_issuances
    from applications
    full join issuances using (citizenship)
    where $countries is null or list_contains($countries, citizenship)
),

ranked as (
    select
        *,
        row_number() over (order by applications desc, h1b_issuances desc, citizenship) as rank
    from by_citizenship
),

shares as (
    select
        countries_shown.*,
        countries_shown.applications / nullif(totals.applications, 0) as applicant_share,
        countries_shown.h1b_issuances / nullif(totals.h1b_issuances, 0) as h1b_share
    from top_and_others(ranked, $top_n) as countries_shown
    cross join totals
)

select
    shares.rank,
    shares.citizenship,
    shares.countries,
    shares.applications,
    shares.applicant_share,
    shares.h1b_issuances,
    shares.h1b_share,
    shares.applicant_share / nullif(shares.h1b_share, 0) as ratio,
    1000 * shares.applications / nullif(shares.h1b_issuances, 0) as per_1000,
    approvals.uscis_share,
    approvals.uscis_approved
from shares
left join approvals on approvals.citizenship = shares.citizenship
order by shares.rank
