-- Every column type warehouse.frame converts itself, and some it hands to DuckDB's .df() (decimal, list,
-- hugeint), over $rows rows: with no null ($nulls = 0), a null in the second row (1) or only nulls (2).
with numbered as (
    select
        range,
        $nulls = 2 or ($nulls = 1 and range = 1) as is_null
    from range($rows)
)

select
    case when not is_null then range end as bigint_c,
    case when not is_null then range::integer end as integer_c,
    case when not is_null then range::smallint end as smallint_c,
    case when not is_null then range::utinyint end as utinyint_c,
    case when not is_null then range / 3 end as double_c,
    case when not is_null then (range / 3)::float end as float_c,
    case when not is_null then range % 2 = 0 end as boolean_c,
    case when not is_null then 'v' || range end as varchar_c,
    case when not is_null then to_timestamp(range * 86400 + 0.5) end as timestamptz_c,
    case when not is_null then to_timestamp(range)::timestamp end as timestamp_c,
    case when not is_null then date '2023-07-17' + range::integer end as date_c,
    case when not is_null then to_seconds(range) end as interval_c,
    case when not is_null then (range / 4)::decimal(18, 3) end as decimal_c,
    case when not is_null then [range, range] end as list_c,
    case when not is_null then range::hugeint end as hugeint_c,
    range as n
from numbered
