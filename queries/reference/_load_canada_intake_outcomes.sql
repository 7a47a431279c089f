-- Published figures on capped Canadian intakes and what became of the 2023 H-1B permit, as published
-- ($file, read as text): one row per figure (program, stream, cap, opening, measure, value, source).
create or replace table canada_intake_outcomes as
select
    program,
    stream,
    cap::bigint as cap,
    opened_local,
    time_zone,
    filled_local,
    filled_precision,
    measure,
    value::bigint as value,
    source_id,
    note
from read_csv($file, header = true, all_varchar = true)
