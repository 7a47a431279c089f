-- The size of the H-1B pool and of the annual cap, as published ($file, read as text): one row per fact.
create or replace table h1b_pool_facts as
select
    fact,
    value::bigint as value,
    as_of::date as as_of,
    source_id,
    note
from read_csv($file, header = true, all_varchar = true)
