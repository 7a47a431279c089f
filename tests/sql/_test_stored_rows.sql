-- Every stored row, each value as text, in one order (tests/test_stored_types.py).
select columns(*)::varchar
from application_states
order by all
