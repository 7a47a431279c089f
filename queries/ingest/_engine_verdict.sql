-- Whether the engine path can publish this call as it is: 0 rows flagged bad, no family row naming a
-- principal that is neither in the call nor stored. Anything else goes to the precise path, which
-- names each problem by file, line and column. A (application_id, status_at) seen twice and an
-- application under two programs are found by the merge's window, which sorts the rows by application
-- and status_at anyway (_merge_incoming.sql with $verify; here they were two more aggregates over every
-- row). One row: rows, bad, orphans.
select
    (select count(*) from incoming) as rows,
    (select count(*) from incoming where bad) as bad,
    (
        select count(*)
        from incoming as i
        where i.principal_application_id is not null
          and i.principal_application_id not in (
              select application_id from incoming where applicant_role = 'principal'
          )
          and i.principal_application_id not in (
              select application_id from application_states where applicant_role = 'principal'
          )
    ) as orphans
