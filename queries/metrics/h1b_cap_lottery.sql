-- One row per H-1B cap (fiscal) year: fiscal_year, lottery_month, eligible_registrations (FOIA count),
-- selected_registrations (announced after the March lottery; null when the file has none),
-- i129_receipts_from_registrations, source_id, note. No params.
select
    fiscal_year,
    lottery_month,
    eligible_registrations,
    selected_registrations,
    i129_receipts_from_registrations,
    source_id,
    note
from h1b_cap_lottery
order by fiscal_year
