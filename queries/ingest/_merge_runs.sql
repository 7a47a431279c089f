-- The engine path's merge when none of the incoming applications is stored (`new_states`, the view of
-- _new_states_fresh.sql, is all of engine_rows): one sort instead of two. _merge_incoming.sql sorts every
-- row by application and status_at for its window, then again for the clustered insert; here an
-- application with one run of rows in engine_rows (_engine_runs.sql) takes its validity intervals from
-- the rows next to it as they lie (a streaming window, no sort), and only the applications of
-- engine_split take the window. Same rows, same intervals, same clustered order as _merge_incoming.sql.
-- A row out of order in a run (a state twice, two programs: the pass of _engine_runs.sql put those in
-- engine_split, so only a scan in another order than that pass's meets one) stops the statement with
-- the same error, and the caller checks that each application got one current state (the `current`
-- returned against _engine_runs.sql's `apps`).
-- Returns one row: ingest_id, inserted, updated, current.
drop table engine_starts;

create temp table merge_counts as
select
    coalesce((select max(ingest_id) from ingests), 0) + 1 as ingest_id,
    count(*) as inserted,
    0 as updated
from new_states;

-- The rows are read from engine_rows, where the program, role, permit type, state, province and status are
-- one byte each and the two countries two (_engine_prepare.sql), and given their stored value (the
-- program's text, the others' ENUM of dashboard/ingest/stored.py) only after the sort: the sort carries a
-- narrower row (1M rows: the merge 1.7 -> 1.4 s CPU), and an ENUM is compressed as a number. The order by ends the statement's only subquery
-- and the select over it gives each row its values and the ingest id in the order sorted (the same
-- clustered order). The program's code is its place in the hash order of the programs, so sorting by the
-- code sorts as _merge_incoming.sql's hash of the text does, with no string hashed a row. The rows are
-- streamed in two halves (engine_halves, _engine_runs.sql) so both cores feed the sort.
insert into application_states by name
select
    * replace (
        getvariable('engine_programs')[program_id] as program_id,
        getvariable('stored_roles')[applicant_role] as applicant_role,
        getvariable('stored_permits')[permit_type] as permit_type,
        getvariable('stored_countries')[citizenship] as citizenship,
        getvariable('stored_countries')[birth_country] as birth_country,
        getvariable('stored_states')[us_state] as us_state,
        getvariable('stored_provinces')[intended_province] as intended_province,
        getvariable('stored_statuses')[status] as status
    ),
    (select ingest_id from merge_counts) as ingest_id
from (
with in_runs as (
    select
        * exclude (line, file, seq, bad, prev_id, in_order, next_id, next_at),
        case
            when prev_id is distinct from application_id then least(submitted_at, status_at)
            when in_order then status_at
            else error('engine-verify: a state twice or two programs')::timestamptz
        end as valid_from,
        case when next_id = application_id then next_at else 'infinity'::timestamptz end as valid_to
    from engine_halves()
    where hash(application_id) not in (select id_hash from engine_split)
),

split as (
    select
        *,
        case
            when lead(status_at) over w = status_at or lag(program_id) over w <> program_id
                then error('engine-verify: a state twice or two programs')::timestamptz
            when row_number() over w = 1 then least(submitted_at, status_at)
            else status_at
        end as valid_from,
        coalesce(lead(status_at) over w, 'infinity'::timestamptz) as valid_to
    from (
        -- the split rows by rowid: the scan that finds them reads only the ids, and the one that fetches
        -- them skips the rest (10M rows: 1.1 -> 0.6 s CPU)
        select * exclude (line, file, seq, bad) from engine_rows
        where rowid in (select rowid from engine_rows where hash(application_id) in (select id_hash from engine_split))
    )
    window w as (partition by application_id order by status_at)
)

select *
from (select * from in_runs union all by name select * from split)
order by program_id, valid_to = 'infinity'::timestamptz, submitted_at
);

select
    m.ingest_id,
    m.inserted,
    m.updated,
    (select count(*) from application_states as a where a.ingest_id = m.ingest_id and a.valid_to = 'infinity') as current
from merge_counts as m
