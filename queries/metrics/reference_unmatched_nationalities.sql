-- One row per spelling in the reference statistics that names no country (iso3 null), so none is
-- dropped silently: source (h1b_issuances | h1b_approvals_by_birth), spelling (as printed),
-- non_country (unmatched on purpose: regions, "Unknown"), in_year (H-1B visas issued in calendar
-- $year, or approved petitions in fiscal $year), all_years (the same over every period loaded).
-- Params: $year.
with issuance_spellings as (
    select
        'h1b_issuances' as source,
        nationality as spelling,
        bool_and(non_country) as non_country,
        coalesce(sum(issuances) filter (where visa_class = 'H1B' and year(month) = $year), 0)::bigint as in_year,
        coalesce(sum(issuances) filter (where visa_class = 'H1B'), 0)::bigint as all_years
    from h1b_issuances
    where iso3 is null
    group by nationality
),

approval_spellings as (
    select
        'h1b_approvals_by_birth' as source,
        country_of_birth as spelling,
        bool_and(non_country) as non_country,
        coalesce(sum(approved_petitions) filter (where fiscal_year = $year and petition_scope = 'all'), 0)::bigint as in_year,
        coalesce(sum(approved_petitions) filter (where petition_scope = 'all'), 0)::bigint as all_years
    from h1b_approvals_by_birth
    where iso3 is null
    group by country_of_birth
),

spellings as (
    select * from issuance_spellings
    union all
    select * from approval_spellings
)

select source, spelling, non_country, in_year, all_years
from spellings
order by source, in_year desc, all_years desc, spelling
