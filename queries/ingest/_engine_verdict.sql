-- Whether the engine path can publish this call as it is: 0 rows flagged bad, no (application_id,
-- status_at) twice (identical or not), no application under two programs, no family row naming a
-- principal that is neither in the call nor stored. Anything else goes to the precise path, which
-- names each problem by file, line and column. One row: rows, bad, shared, orphans.
select
    (select count(*) from incoming) as rows,
    (select count(*) from incoming where bad) as bad,
    -- pairs seen twice, then applications under two programs: two plain aggregates (one with a
    -- count distinct per application cost three times as much)
    (select count(*) from incoming) - (select count(*) from (select distinct application_id, status_at from incoming))
    + (
        select count(*)
        from (
            select application_id
            from incoming
            group by application_id
            having min(program_id) <> max(program_id)
        )
    ) as shared,
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
