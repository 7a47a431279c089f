-- How many rows the checks across rows set aside.
select count(*) from flagged
