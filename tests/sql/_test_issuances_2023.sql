-- Test support: calendar-2023 H-1B issuances for India and China - mainland, as loaded.
select nationality_std, sum(issuances) as issuances
from h1b_issuances
where visa_class = 'H1B' and year(month) = 2023 and nationality_std in ('India', 'China - mainland')
group by all
order by issuances desc
