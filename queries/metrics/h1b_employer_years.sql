-- One row per fiscal year of the Employer Data Hub files: fiscal_year, partial_release, source_file,
-- initial_approvals, continuing_approvals, initial_denials, continuing_denials, hub_rows,
-- flagged_rows (employer name blank or damaged by Excel). No params.
select
    fiscal_year,
    partial_release,
    source_file,
    sum(initial_approvals)::bigint as initial_approvals,
    sum(continuing_approvals)::bigint as continuing_approvals,
    sum(initial_denials)::bigint as initial_denials,
    sum(continuing_denials)::bigint as continuing_denials,
    count(*) as hub_rows,
    count(*) filter (where employer_flag is not null) as flagged_rows
from h1b_employers
group by all
order by fiscal_year
