-- Provenance of every reference table (registered sources_df): table, file, publisher, period, caveat.
create or replace table ref_sources as
select * from sources_df
