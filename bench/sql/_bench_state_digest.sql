-- Benchmark support: a digest of what a snapshot holds (every application state, every recorded
-- ingest), summed in DuckDB so that a warehouse of 10M states is never read into Python. Order-free:
-- the same rows give the same sums whatever their order, and whatever type stores the fixed-list columns
-- (text, or the ENUMs of dashboard/ingest/stored.py: each is hashed as its text).
select
    (select count(*) from application_states) as states,
    (
        select coalesce(sum(hash(application_id, program_id, submitted_at, applicant_role::varchar,
                                 principal_application_id, permit_type::varchar, citizenship::varchar,
                                 birth_country::varchar, us_state::varchar, intended_province::varchar,
                                 status::varchar, status_at, valid_from, valid_to, arrived_at)), 0)
        from application_states
    ) as states_sum,
    (select count(*) from ingests) as ingests,
    (
        select coalesce(sum(hash(ingest_id, files, file_hash, rows_read, inserted, updated, unchanged, rejected)), 0)
        from ingests
    ) as ingests_sum
