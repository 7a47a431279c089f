-- One row per Canadian province or territory in $provinces (with none: 0) and one `unknown` row
-- (no intended province given), under the shared filters: province, principal, family. Most
-- principal applications first, `unknown` last.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $provinces.
with counts as (
    select province, sum(principal) as principal, sum(family) as family
    from applications_by_place($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    group by province
),

places as (
    select unnest($provinces::varchar[]) as province
    union
    select 'unknown'
    union
    select province from counts
)

select
    p.province,
    coalesce(c.principal, 0)::bigint as principal,
    coalesce(c.family, 0)::bigint as family
from places as p
left join counts as c using (province)
order by p.province = 'unknown', principal desc, family desc, p.province
