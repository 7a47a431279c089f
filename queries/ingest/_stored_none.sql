-- Whether none of the incoming applications is stored yet (the temp table `stored`, _stored_touched.sql).
select not exists (select 1 from stored)
