-- One row per calendar year with State Department H-1B issuances: year, months (published months
-- in that year; fewer than 12 = a partial year), issuances. Params: none.
select
    year(month) as year,
    count(distinct month) as months,
    sum(issuances)::bigint as issuances
from h1b_issuances
where visa_class = 'H1B'
group by all
order by year
