-- Employer Data Hub approvals summed by fiscal year and state, as published ($file, read as text);
-- years in $partial_years are partial releases. state_code, state_name and state_kind come from the
-- registered us_states_df; '(blank)' and 'XX' get none.
create or replace table h1b_state_summary as
with summary as (
    select *
    from read_csv($file, header = true, all_varchar = true)
)

select
    summary.fiscal_year::integer as fiscal_year,
    summary.state,
    states.code as state_code,
    states.name as state_name,
    states.kind as state_kind,
    summary.initial_approvals::integer as initial_approvals,
    summary.initial_denials::integer as initial_denials,
    summary.continuing_approvals::integer as continuing_approvals,
    summary.continuing_denials::integer as continuing_denials,
    summary.employer_rows::integer as employer_rows,
    list_contains($partial_years, summary.fiscal_year::integer) as partial_release
from summary
left join us_states_df as states on states.code = upper(trim(summary.state))
