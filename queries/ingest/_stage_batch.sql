-- One checked batch (the registered Arrow table batch_df) into the staging table.
insert into staged by name select * from batch_df
