-- Reference statistics, as published (registered data frames issuances_df, sources_df).
create or replace table h1b_issuances as
select
    strptime(month, '%Y-%m')::date as month,
    nationality,
    nationality_std,
    iso3,
    non_country,
    visa_class,
    issuances
from issuances_df;

create or replace table ref_sources as
select * from sources_df
