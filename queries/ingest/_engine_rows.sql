-- The joins as written, each building on its small table (programs, country spellings): estimating
-- the file's rows, DuckDB built on the file's million rows instead.
set disabled_optimizers = 'join_order,build_side_probe_side';

-- One file's rows (the relation engine_source: the format's columns as text) typed into engine_rows
-- (the view `incoming` gives them as the format's values, _engine_prepare.sql), each flagged bad unless every value is of the forms this path reads exactly like the precise one
-- and passes every check of data/README.md. Params: $file (the file's place in the call), $latest
-- (now and the tolerance: later is in the future), $roles, $permits, $statuses, $states, $provinces; $plain and $untrimmed when the
-- file's bytes showed already that no value holds a control character or needs trimming.
insert into engine_rows by name
with text as (
    select
        engine_trim(application_id, $untrimmed) as application_id,
        engine_trim(program_id, $untrimmed) as program_id,
        engine_trim(submitted_at, $untrimmed) as submitted_at,
        lower(engine_trim(applicant_role, $untrimmed)) as applicant_role,
        engine_trim(principal_application_id, $untrimmed) as principal_application_id,
        lower(engine_trim(permit_type, $untrimmed)) as permit_type,
        engine_trim(citizenship, $untrimmed) as citizenship,
        engine_trim(birth_country, $untrimmed) as birth_country,
        upper(engine_trim(us_state, $untrimmed)) as us_state,
        upper(engine_trim(intended_province, $untrimmed)) as intended_province,
        lower(engine_trim(status, $untrimmed)) as status,
        engine_trim(status_at, $untrimmed) as status_at,
        engine_trim(arrived_at, $untrimmed) as arrived_at,
        -- printable ASCII only: no control, invisible or compatibility character to name or normalise
        $plain or regexp_full_match(
            concat(application_id, program_id, submitted_at, applicant_role, principal_application_id,
                   permit_type, citizenship, birth_country, us_state, intended_province, status, status_at,
                   arrived_at),
            '[ -~]*'
        ) as plain
    from engine_source
),

typed as (
    select
        t.* exclude (submitted_at, status_at, arrived_at, citizenship, birth_country),
        t.submitted_at as submitted_text,
        t.status_at as status_text,
        t.arrived_at as arrived_text,
        engine_utc(t.submitted_at) as submitted_at,
        engine_utc(t.status_at) as status_at,
        engine_utc(t.arrived_at) as arrived_at,
        t.arrived_at = '' as no_arrival,
        c.place as citizenship,
        b.place as birth_country,
        t.birth_country = '' as no_birth_country,
        p.earliest,
        p.code as program_code,
        list_position($roles::varchar[], t.applicant_role)::utinyint as role_code,
        list_position($permits::varchar[], t.permit_type)::utinyint as permit_code,
        list_position($statuses::varchar[], t.status)::utinyint as status_code,
        list_position($states::varchar[], t.us_state)::utinyint as state_code,
        list_position($provinces::varchar[], t.intended_province)::utinyint as province_code
    from text as t
    left join engine_programs as p on p.program_id = t.program_id
    left join engine_countries as c on c.name = t.citizenship
    left join engine_countries as b on b.name = t.birth_country
)

select
    application_id,
    program_code as program_id,
    submitted_at,
    role_code as applicant_role,
    nullif(principal_application_id, '') as principal_application_id,
    permit_code as permit_type,
    citizenship,
    birth_country,
    state_code as us_state,
    province_code as intended_province,
    status_code as status,
    status_at,
    arrived_at,
    null::utinyint as line,
    $file as file,
    null::utinyint as seq,
    not coalesce(
        plain and engine_time_checked(submitted_text, status_text, arrived_text, submitted_at, status_at, arrived_at, no_arrival)
        and application_id <> '' and strlen(application_id) <= 200
        and program_code is not null
        and role_code is not null
        and permit_code is not null
        and status_code is not null
        and citizenship is not null
        and (no_birth_country or birth_country is not null)
        and (us_state = '' or state_code is not null)
        and (intended_province = '' or province_code is not null)
        and submitted_at is not null and submitted_at <= $latest and submitted_at >= earliest
        and status_at is not null and status_at <= $latest and status_at >= submitted_at
        and (no_arrival or (arrived_at is not null and arrived_at <= $latest and arrived_at >= submitted_at))
        and (applicant_role = 'principal') = (principal_application_id = ''),
        false
    ) as bad
from typed;

reset disabled_optimizers
