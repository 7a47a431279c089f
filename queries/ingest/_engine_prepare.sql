-- The engine path of one ingest (dashboard/ingest/engine.py), in the writer's session: the tables its
-- checks join (programs, country spellings) and the incoming rows the merge reads. Params: programs,
-- earliest (a time before it is a wrong year), roles, permits, statuses, states and provinces (the values
-- the format allows), names and codes (every country spelling the format accepts as it is written, with
-- its ISO 3166 alpha-3 code).
set preserve_insertion_order = false;

-- The call's rows are held uncompressed, spilling past the memory limit, and every later step scans
-- them: so they are kept narrow (engine_rows) and `incoming` is a view giving them in the format's
-- types. `file` is the file's place in the call, not its path (a path on every row was a third of the
-- table), and `line` and `seq`, which only the precise path fills, are always empty (one byte a row,
-- not eight). The program, role, permit type, US state, province and status are each held as their place
-- (1-based) in the list of the values the format allows, one byte a row instead of a 16-byte string
-- (1M rows: 164 -> 80 MB; at 10M the table spills past the 512MB default), and the citizenship and birth
-- country as their ISO 3166 code's place in the list of codes (two bytes, not sixteen); a value outside
-- its list is a row flagged bad, which is never merged (the precise path reads the call again).
create temp table engine_rows (
    application_id varchar, program_id usmallint, submitted_at timestamptz, applicant_role utinyint,
    principal_application_id varchar, permit_type utinyint, citizenship usmallint, birth_country usmallint,
    us_state utinyint, intended_province utinyint, status utinyint, status_at timestamptz,
    arrived_at timestamptz, line utinyint, file usmallint, seq utinyint, bad boolean
);

-- A program is held as its place in the list of the programs in the order of hash(program_id), the order
-- the merge clusters them in (_merge_incoming.sql): _merge_runs.sql sorts by the code itself.
create temp table engine_programs as
select
    program_id,
    earliest,
    row_number() over (order by hash(program_id), program_id)::usmallint as code
from (select unnest($programs::varchar[]) as program_id, unnest($earliest::timestamptz[]) as earliest);

set variable engine_programs = (select list(program_id order by code) from engine_programs);
set variable engine_roles = $roles::varchar[];
set variable engine_permits = $permits::varchar[];
set variable engine_statuses = $statuses::varchar[];
set variable engine_states = $states::varchar[];
set variable engine_provinces = $provinces::varchar[];
-- The same lists in application_states' stored types (dashboard/ingest/stored.py, which the caller ran
-- first): the merge gives a coded column its stored value by its place, with no text made and cast.
set variable stored_roles = $roles::stored_role[];
set variable stored_permits = $permits::stored_permit[];
set variable stored_statuses = $statuses::stored_status[];
set variable stored_states = $states::stored_state[];
set variable stored_provinces = $provinces::stored_province[];

create temp view incoming as
select
    application_id,
    getvariable('engine_programs')[program_id] as program_id,
    submitted_at,
    getvariable('engine_roles')[applicant_role] as applicant_role,
    principal_application_id,
    getvariable('engine_permits')[permit_type] as permit_type,
    getvariable('engine_countries')[citizenship] as citizenship,
    getvariable('engine_countries')[birth_country] as birth_country,
    getvariable('engine_states')[us_state] as us_state,
    getvariable('engine_provinces')[intended_province] as intended_province,
    getvariable('engine_statuses')[status] as status,
    status_at,
    arrived_at,
    line,
    file,
    seq,
    bad
from engine_rows;

-- A value ('' for none) without the spaces around it, unless the file's bytes showed that none has any.
create temp macro engine_trim(v, untrimmed) as
    case when untrimmed then coalesce(v, '') else trim(coalesce(v, '')) end;

-- Every country spelling the format accepts, with the place of its ISO 3166 code in the list of codes
-- (engine_countries, 250 of them), which `incoming` and the merge give the code back from.
set variable engine_countries = (select list(distinct code order by code) from unnest($codes::varchar[]) as c(code));
set variable stored_countries = getvariable('engine_countries')::stored_country[];

create temp table engine_countries as
select name, list_position(getvariable('engine_countries'), code)::usmallint as place
from (select unnest($names::varchar[]) as name, unnest($codes::varchar[]) as code);

-- The forms of ISO 8601 both this path and the precise one read alike (hours 00-23, at most six
-- decimals, a Z or numeric offset): the three times of a row joined by '|', the last one possibly
-- empty (one pattern match a row, not three). Any other form goes to the precise path, and so does
-- a local time without its offset: its zone's daylight-saving changes are the precise path's to
-- resolve (DuckDB would evaluate a zone conversion for every row, offset or not).
create temp macro engine_time_forms(submitted, status, arrived) as
    regexp_full_match(
        concat_ws('|', submitted, status, arrived),
        '(\d{4}-\d\d-\d\d[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)\|){2}'
        '(\d{4}-\d\d-\d\d[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?))?'
    );

-- A time value surely of the forms above, told without the pattern (which costs 0.23-0.29 s CPU per 1M
-- rows, the read's largest piece; this about 0.06 a value): `utc` is the value's engine_utc. Sure only of
-- the shapes the exports write (a 'T', seconds, no fraction, a +hhmm/-hhmm offset with an hour 00-19, or
-- Z): the GLOBs fix the separators and the characters DuckDB's timestamptz cast reads leniently (a year's
-- first: a space or a sign; an hour's first: a space; the seconds' last: a '.'; an offset's hour: any two
-- digits; its minutes' first: 6-9), and the cast, not null, reads each other position as a digit and
-- checks its range, but takes an hour 24 (hence no 'T24'). tests/test_ingest.py compares this with the
-- pattern on near misses of every form. Whatever it is not sure of, the pattern decides (engine_time_checked).
create temp macro engine_time_sure(v, utc) as
    (v glob '[0-9]???-??-??T[0-2]?:??:?[0-9][+-][01]?[0-5]?' or v glob '[0-9]???-??-??T[0-2]?:??:?[0-9]Z')
    and utc is not null and not contains(v, 'T24');

-- engine_time_forms of a row's three times, the pattern only where engine_time_sure is not sure of each
-- (a CASE, so the pattern runs on those rows only); `no_arrival` when the third is empty.
create temp macro engine_time_checked(submitted, status, arrived, submitted_utc, status_utc, arrived_utc, no_arrival) as
    case
        when engine_time_sure(submitted, submitted_utc) and engine_time_sure(status, status_utc)
            and (no_arrival or engine_time_sure(arrived, arrived_utc)) then true
        else engine_time_forms(submitted, status, arrived)
    end;

-- A time value as UTC: exact for the forms above, which carry their offset (a row with another form
-- is flagged by engine_time_forms, whatever this gives for it).
create temp macro engine_utc(v) as try_cast(v as timestamptz)
