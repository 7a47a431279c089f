-- One row per nationality, the $top with the most H-1B visas issued in calendar year $year:
-- rank, nationality, iso3, h1b, h4, h4_per_h1b (H-4 family visas per H-1B visa, a proxy for family
-- size). Regions and "Unknown" are left out. Params: $year, $top.
with year_totals as (
    select
        nationality_std as nationality,
        any_value(iso3) as iso3,
        coalesce(sum(issuances) filter (where visa_class = 'H1B'), 0)::bigint as h1b,
        coalesce(sum(issuances) filter (where visa_class = 'H4'), 0)::bigint as h4
    from h1b_issuances
    where year(month) = $year
      and iso3 is not null
    group by nationality_std
),

ranked as (
    select row_number() over (order by h1b desc, nationality) as rank, *
    from year_totals
    where h1b > 0
)

select rank, nationality, iso3, h1b, h4, h4 / h1b as h4_per_h1b
from ranked
where rank <= $top
order by rank
