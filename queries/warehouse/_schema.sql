-- The warehouse schema, created in the first snapshot. Timestamps are UTC (timestamptz).

-- Every state an application has had, with the interval in which it held (valid_to is 'infinity'
-- for the current state), so "as of" questions are a plain range filter.
create table application_states (
    application_id varchar not null,
    program_id varchar not null,
    submitted_at timestamptz not null,
    applicant_role varchar not null,
    principal_application_id varchar,
    permit_type varchar not null,
    citizenship varchar not null,
    birth_country varchar,
    us_state varchar,
    intended_province varchar,
    status varchar not null,
    status_at timestamptz not null,
    valid_from timestamptz not null,
    valid_to timestamptz not null,
    ingest_id integer not null,
    -- first entry to Canada on this permit (border records), when known; last so that an earlier
    -- version's table gains it in the same place (_macros.sql)
    arrived_at timestamptz
);

-- One row per ingest: the data version that extracts cite.
create table ingests (
    ingest_id integer primary key,
    finished_at timestamptz not null,
    files varchar not null,
    file_hash varchar not null,
    rows_read bigint not null,
    inserted bigint not null,
    updated bigint not null,
    unchanged bigint not null,
    rejected bigint not null,
    origin varchar  -- 'demo': written by the demo build (synthetic records); 'export': a real export
);
