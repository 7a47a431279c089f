-- The engine path's merge of new applications in one sort (dashboard/ingest/publish.py, _merge_runs.sql):
-- an export lists each application's states together, oldest first, so a pass over engine_rows (all of
-- `new_states`, coded: _engine_prepare.sql) as it lies, the same scan as _merge_runs.sql's, comparing
-- each row with the one before (a streaming window, no sort), finds each application's run of rows. A
-- run starts where the application changes, or where the order breaks (a status_at not after the
-- previous one, or another program: a state twice, an unsorted file, two programs). An application with
-- one run needs no window; the few with more (split where DuckDB's parallel read interleaved its chunks,
-- or out of order in the file) take the window. Keyed by hash(application_id): an application's rows
-- all go one way, and two ids of one hash (one chance in 2^64) only take the window together or, counted
-- once in `apps`, fail the merge's check (the precise path then runs).
-- The table engine_split: the hashes of the applications with more than one run (engine_starts, every
-- application's, is dropped by _merge_runs.sql). One row: apps (one per hash), split.
-- The pass runs over the two halves of engine_rows by rowid, each streamed on its own (a window over ()
-- runs on one thread; two union branches run on both cores), and so does the merge's (_merge_runs.sql,
-- engine_stream): an application whose rows cross the halves' border has a run start in each, so it is
-- split and takes the window. The second half has no upper bound: every row is in one half.
set variable engine_half = (select coalesce(max(rowid) + 1, 0) // 2 from engine_rows);

-- The rows of engine_rows with lo <= rowid < hi as they lie, each with the application, status_at and
-- program of the rows before and after it in that stretch.
create or replace temp macro engine_stream(lo, hi) as table
select
    *,
    lag(application_id) over () as prev_id,
    status_at > lag(status_at) over () and program_id = lag(program_id) over () as in_order,
    lead(application_id) over () as next_id,
    lead(status_at) over () as next_at
from engine_rows
where rowid >= lo and rowid < hi;

create or replace temp macro engine_halves() as table
select * from engine_stream(0, getvariable('engine_half'))
union all
select * from engine_stream(getvariable('engine_half'), 9223372036854775807);

create or replace temp table engine_starts as
select hash(application_id) as id_hash, count(*) as starts
from engine_halves()
where prev_id is distinct from application_id or not coalesce(in_order, false)
group by id_hash;

create or replace temp table engine_split as
select id_hash from engine_starts where starts > 1;

select count(*) as apps, (select count(*) from engine_split) as split from engine_starts
