-- One row per fiscal year of the hub summary by state: fiscal_year, partial_release,
-- initial_approvals, continuing_approvals (all states). No params.
select
    fiscal_year,
    bool_or(partial_release) as partial_release,
    sum(initial_approvals)::bigint as initial_approvals,
    sum(continuing_approvals)::bigint as continuing_approvals
from h1b_state_summary
group by fiscal_year
order by fiscal_year
