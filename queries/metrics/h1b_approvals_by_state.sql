-- One row per employer state in fiscal year $fiscal_year, most initial approvals first: state (as
-- published), state_code, state_name, state_kind, initial_approvals, continuing_approvals,
-- initial_denials, continuing_denials, employer_rows, partial_release. Params: $fiscal_year.
select
    state,
    state_code,
    state_name,
    state_kind,
    initial_approvals,
    continuing_approvals,
    initial_denials,
    continuing_denials,
    employer_rows,
    partial_release
from h1b_state_summary
where fiscal_year = $fiscal_year
order by initial_approvals desc, state
