-- Test support: engine_time_checked (queries/ingest/_engine_prepare.sql) against the pattern alone
-- (engine_time_forms), with each of $values in each of a row's three places and $valid in the other two
-- (the third empty): the rows, the rows where they differ, the rows the pattern accepts, the values the
-- check is sure of without the pattern, and whether it is sure of every one of $exported.
with v(v) as (select unnest($values::varchar[])),
r(s, u, a) as (
    select v, $valid, '' from v
    union all select $valid, v, '' from v
    union all select $valid, $valid, v from v
)
select
    count(*) as total,
    count(*) filter (
        where engine_time_checked(s, u, a, engine_utc(s), engine_utc(u), engine_utc(a), a = '')
            is distinct from engine_time_forms(s, u, a)
    ) as differ,
    count(*) filter (where engine_time_forms(s, u, a)) as accepted,
    count(*) filter (where engine_time_sure(s, engine_utc(s)) and u = $valid and a = '') as sure,
    (select bool_and(engine_time_sure(e, engine_utc(e))) from unnest($exported::varchar[]) as x(e)) as exported_sure
from r
