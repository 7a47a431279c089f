-- One row per published fact on the size of the H-1B pool and the US annual cap: fact, value, as_of,
-- source_id, note. No params.
select fact, value, as_of, source_id, note
from h1b_pool_facts
order by fact
