-- One row per calendar year of State Department issuances: year, months (months present in the
-- file: fewer than 12 is an incomplete year), h1b, h4 (visas issued, all nationalities). No params.
select
    year(month) as year,
    count(distinct month) as months,
    coalesce(sum(issuances) filter (where visa_class = 'H1B'), 0)::bigint as h1b,
    coalesce(sum(issuances) filter (where visa_class = 'H4'), 0)::bigint as h4
from h1b_issuances
group by all
order by year
