-- The distinct values stored in the columns the engine path holds as one byte (tests/test_ingest.py), as
-- text: a list of an ENUM (dashboard/ingest/stored.py) reaches pandas as the values' places.
select
    list(distinct permit_type::varchar) as permit_types,
    list(distinct us_state::varchar) as us_states,
    list(distinct intended_province::varchar) as provinces,
    list(distinct status::varchar) as statuses
from application_states
