-- Merge the incoming states into the history and recompute each touched application's validity
-- intervals. Returns one row: ingest_id, inserted (rows of new applications), updated (new rows of
-- stored applications). Rows already stored identically change nothing. Needs the temp table
-- `stored` (_stored_touched.sql): the stored states of the incoming applications, and `new_states`
-- (_new_states.sql or _new_states_fresh.sql): the incoming ones not stored yet. The ingest hands
-- over at most one row per (application_id, status_at): identical rows are sent once and differing
-- ones are rejected as conflicts.
create temp table merge_counts as
select
    coalesce((select max(ingest_id) from ingests), 0) + 1 as ingest_id,
    count(*) filter (where s.application_id is null) as inserted,
    count(*) filter (where s.application_id is not null) as updated
from new_states as n
left join (select distinct application_id from stored) as s using (application_id);

delete from application_states
where application_id in (select application_id from new_states);

-- Before its first recorded status an application holds that status from its submission. Rows go
-- in clustered by program, closed-before-current and submission time, so the zone maps of a scan
-- skip the row groups a filter cannot match (the latest data reads only current states).
-- Both sorts lead with a hash of their text key: ids and program ids share their first 12
-- characters ('h1b-owp-2023'), which is all of the text a sort key holds, so sorting on the text
-- first compared whole strings row against row (1M rows: 3.9 s of CPU for the merge, 3.4 s so).
-- A program's rows stay together (two programs' ids of one hash, one chance in 2^64, would share a
-- stretch: the same rows, less clustered); the programs' order among themselves is the hash's.
-- By name: a warehouse that gained a column later (arrived_at) holds it in another place.
insert into application_states by name
with touched as (
    select * exclude (valid_from, valid_to, ingest_id), ingest_id
    from stored
    where application_id in (select application_id from new_states)
    union all by name
    select *, (select ingest_id from merge_counts) as ingest_id
    from new_states
)

-- With $verify (the engine path, whose verdict left these checks to this window, sorted already), a
-- status_at twice for one application or an application under two programs stops the statement with an
-- error naming no row (dashboard/ingest/publish.py: the precise path then names them). In valid_from:
-- DuckDB does not sort by an alias whose expression can raise.
select
    * exclude (ingest_id),
    case
        when $verify and (lead(status_at) over w = status_at or lag(program_id) over w <> program_id)
            then error('engine-verify: a state twice or two programs')::timestamptz
        when row_number() over w = 1 then least(submitted_at, status_at)
        else status_at
    end as valid_from,
    coalesce(lead(status_at) over w, 'infinity'::timestamptz) as valid_to,
    ingest_id
from touched
window w as (partition by hash(application_id), application_id order by status_at)
order by hash(program_id), valid_to = 'infinity'::timestamptz, submitted_at;

select ingest_id, inserted, updated from merge_counts
