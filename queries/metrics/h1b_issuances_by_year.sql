-- One row per calendar year and nationality, for the $top nationalities with the most H-1B visas over
-- the whole period, plus one row per year (nationality null, rank null) for all other issuances:
-- year, months (present in the file), rank, nationality, iso3, h1b, h4. Params: $top.
with yearly as (
    select
        year(month) as year,
        nationality_std as nationality,
        any_value(iso3) as iso3,
        coalesce(sum(issuances) filter (where visa_class = 'H1B'), 0) as h1b,
        coalesce(sum(issuances) filter (where visa_class = 'H4'), 0) as h4
    from h1b_issuances
    group by all
),

leaders as (
    select nationality, row_number() over (order by sum(h1b) desc, nationality) as rank
    from yearly
    where iso3 is not null
    group by nationality
    qualify rank <= $top
),

months_per_year as (
    select year(month) as year, count(distinct month) as months
    from h1b_issuances
    group by all
),

grouped as (
    select
        yearly.year,
        leaders.rank,
        case when leaders.rank is not null then yearly.nationality end as nationality,
        case when leaders.rank is not null then yearly.iso3 end as iso3,
        sum(yearly.h1b) as h1b,
        sum(yearly.h4) as h4
    from yearly
    left join leaders using (nationality)
    group by all
)

select grouped.year, months_per_year.months, grouped.rank, grouped.nationality, grouped.iso3,
       grouped.h1b::bigint as h1b, grouped.h4::bigint as h4
from grouped
join months_per_year using (year)
order by grouped.year, grouped.rank nulls last
