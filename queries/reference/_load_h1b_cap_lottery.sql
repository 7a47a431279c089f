-- H-1B cap registrations and selections per cap (fiscal) year, as published ($file, read as text).
create or replace table h1b_cap_lottery as
select
    fiscal_year::integer as fiscal_year,
    strptime(lottery_year_month, '%Y-%m')::date as lottery_month,
    eligible_registrations::bigint as eligible_registrations,
    selected_registrations::bigint as selected_registrations,
    i129_receipts_from_registrations::bigint as i129_receipts_from_registrations,
    source_id,
    note
from read_csv($file, header = true, all_varchar = true)
