-- The validated rows of this ingest (the registered data frame incoming_df), as a temp table.
create temp table incoming as select * from incoming_df
