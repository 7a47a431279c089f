-- USCIS H-1B approved petitions by country of birth, compiled, as published (registered approvals_df).
-- Blank counts stay null: only the share was published for those rows.
create or replace table h1b_approvals_by_birth as
select
    fiscal_year::integer as fiscal_year,
    country_of_birth,
    iso3,
    non_country,
    petition_scope,
    approved_petitions::bigint as approved_petitions,
    share_pct::double as share_pct,
    year_total_approved::bigint as year_total_approved,
    source_id,
    note
from approvals_df
