-- USCIS H-1B Employer Data Hub files ($files, read as text; those in $partial_files are partial
-- releases), one row per employer, state, city and ZIP, every published column kept. Added beside
-- them, never instead: employer_flag ('blank', or 'excel_error' for names such as #NAME?);
-- employer_key (lower-case letters and digits, single spaces; null when flagged), because USCIS drops
-- punctuation inconsistently ("AMAZON.COM SERVICES LLC" and "AMAZON COM SERVICES LLC") and names are
-- grouped and searched by it; state_code (a known US code from the registered us_states_df, else
-- null); zip5 (the leading zeros Excel dropped put back); partial_release; source_file.
create or replace table h1b_employers as
with hub as (
    select
        *,
        coalesce("Employer", '') as name_as_published,
        parse_filename(filename) as source_file
    from read_csv($files, header = true, all_varchar = true, filename = true)
),

-- Names repeat across rows and years (88,000 distinct in 154,000 rows): normalise each one once.
names as (
    select name_as_published, nullif(trim(name_as_published), '') as trimmed
    from hub
    group by name_as_published
),

flagged_names as (
    select
        *,
        case
            when trimmed is null then 'blank'
            when regexp_full_match(trimmed, '#(NAME\?|VALUE!|REF!|DIV/0!|N/A|NUM!|NULL!)') then 'excel_error'
        end as employer_flag
    from names
),

keyed_names as (
    select
        *,
        case when employer_flag is null
             then nullif(trim(regexp_replace(lower(trimmed), '[^a-z0-9]+', ' ', 'g')), '')
        end as employer_key
    from flagged_names
),

normalised as (
    select
        hub."Fiscal Year"::integer as fiscal_year,
        hub."Employer" as employer,
        keyed_names.employer_flag,
        keyed_names.employer_key,
        hub."Initial Approvals"::integer as initial_approvals,
        hub."Initial Denials"::integer as initial_denials,
        hub."Continuing Approvals"::integer as continuing_approvals,
        hub."Continuing Denials"::integer as continuing_denials,
        hub."NAICS" as naics,
        hub."Tax ID" as tax_id,
        hub."State" as state,
        states.code as state_code,
        hub."City" as city,
        hub."ZIP" as zip,
        case
            when regexp_full_match(hub."ZIP", '\d{3,4}') then lpad(hub."ZIP", 5, '0')
            when regexp_matches(hub."ZIP", '^\d{5}') then left(hub."ZIP", 5)
        end as zip5,
        list_contains($partial_files, hub.source_file) as partial_release,
        hub.source_file
    from hub
    join keyed_names using (name_as_published)
    left join us_states_df as states on states.code = upper(trim(hub."State"))
)

select * from normalised
