-- The staging database of one ingest (a DuckDB of its own, spilling to a temp folder): every row read,
-- typed by the checks, flagged bad when a check refused it, in file order (seq). Python holds one
-- batch at a time; the checks across rows run here, over the whole call.
set enable_progress_bar = false;
set TimeZone = 'UTC';
create table staged (
    application_id varchar, program_id varchar, submitted_at timestamptz, applicant_role varchar,
    principal_application_id varchar, permit_type varchar, citizenship varchar, birth_country varchar,
    us_state varchar, intended_province varchar, status varchar, status_at timestamptz,
    arrived_at timestamptz, line bigint, file varchar, bad boolean, seq bigint
);
-- Rows set aside by the checks across rows (conflicts, two programs, orphans).
create table flagged (seq bigint)
