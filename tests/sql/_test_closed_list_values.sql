-- The distinct values stored in the columns the engine path holds as one byte (tests/test_ingest.py).
select
    list(distinct permit_type) as permit_types,
    list(distinct us_state) as us_states,
    list(distinct intended_province) as provinces,
    list(distinct status) as statuses
from application_states
