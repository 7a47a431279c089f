-- One row per employer and fiscal year for the employers whose employer_key matches $pattern (a LIKE
-- pattern over lower-case letters, digits and single spaces), at most $limit employers, those with the
-- most approvals first. Spellings that differ only in case or punctuation are one employer, named by
-- its spelling with the most approvals over all years: rank (1 = most approvals over all years),
-- fiscal_year, partial_release, employer,
-- spellings, initial_approvals, continuing_approvals, initial_denials, continuing_denials, states
-- (state codes, comma-separated), hub_rows. Params: $pattern, $limit.
with matched as (
    select *
    from h1b_employers
    where employer_key like $pattern
),

largest as (
    select
        row_number() over (order by sum(initial_approvals + continuing_approvals) desc, employer_key) as rank,
        employer_key,
        arg_max(employer, initial_approvals + continuing_approvals) as employer
    from matched
    group by employer_key
    qualify rank <= $limit
),

per_year as (
    select
        largest.rank,
        matched.fiscal_year,
        matched.partial_release,
        largest.employer,
        count(distinct matched.employer) as spellings,
        sum(matched.initial_approvals)::bigint as initial_approvals,
        sum(matched.continuing_approvals)::bigint as continuing_approvals,
        sum(matched.initial_denials)::bigint as initial_denials,
        sum(matched.continuing_denials)::bigint as continuing_denials,
        string_agg(distinct matched.state_code, ', ' order by matched.state_code) as states,
        count(*) as hub_rows
    from matched
    join largest using (employer_key)
    group by all
)

select *
from per_year
order by rank, fiscal_year
