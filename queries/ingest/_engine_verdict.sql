-- Whether the engine path can publish this call as it is: 0 rows flagged bad, no family row naming a
-- principal that is neither in the call nor stored. Anything else goes to the precise path, which
-- names each problem by file, line and column. A (application_id, status_at) seen twice and an
-- application under two programs are found by the merge's window, which sorts the rows by application
-- and status_at anyway (_merge_incoming.sql with $verify; here they were two more aggregates over every
-- row). The rows are read from engine_rows itself (the role as its code, _engine_prepare.sql), and each
-- principal named is looked for once, not once per family row naming it (10M rows: 2.4 -> 2.0 s CPU), as
-- anti joins, which DuckDB builds on the principals named (1.0M at 10M rows) and probes with the
-- principals' rows (5.6M), where `not in` built on the principals' rows: 1.6-1.9 -> 1.1 s CPU, and 367 ->
-- 47 MB spilled. (application_id is never null in either table, so `not in` and the anti join agree.)
-- One row: rows, bad, orphans (the principals named and not found: only whether there are any counts).
select
    (select count(*) from engine_rows) as rows,
    (select count(*) from engine_rows where bad) as bad,
    (
        select count(*)
        from (
            select distinct principal_application_id as named
            from engine_rows
            where principal_application_id is not null
        ) as n
        anti join (
            select application_id
            from engine_rows
            where applicant_role = list_position(getvariable('engine_roles'), 'principal')
        ) as p on p.application_id = n.named
        anti join (
            select application_id from application_states where applicant_role = 'principal'
        ) as s on s.application_id = n.named
    ) as orphans
