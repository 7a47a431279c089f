-- State Department monthly H-1B and H-4 issuances by nationality, as published (registered issuances_df).
create or replace table h1b_issuances as
select
    strptime(month, '%Y-%m')::date as month,
    nationality,
    nationality_std,
    iso3,
    non_country,
    visa_class,
    issuances
from issuances_df
