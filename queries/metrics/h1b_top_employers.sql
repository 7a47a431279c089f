-- One row per employer in fiscal year $fiscal_year, the $top with the most approvals of kind $rank_by
-- ('initial' or 'continuing'). Spellings that differ only in case or punctuation are one employer,
-- named by its spelling with the most approvals; blank and damaged names form one row per flag:
-- rank, employer, employer_flag, spellings, initial_approvals, continuing_approvals, initial_denials,
-- continuing_denials, hub_rows, states, partial_release. Params: $fiscal_year, $top, $rank_by.
with by_employer as (
    select
        arg_max(employer, initial_approvals + continuing_approvals) as employer,
        any_value(employer_flag) as employer_flag,
        count(distinct employer) as spellings,
        sum(initial_approvals)::bigint as initial_approvals,
        sum(continuing_approvals)::bigint as continuing_approvals,
        sum(initial_denials)::bigint as initial_denials,
        sum(continuing_denials)::bigint as continuing_denials,
        count(*) as hub_rows,
        count(distinct state_code) as states,
        bool_or(partial_release) as partial_release
    from h1b_employers
    where fiscal_year = $fiscal_year
    group by coalesce(employer_key, '(' || employer_flag || ')')
),

ranked as (
    select
        row_number() over (
            order by case when $rank_by = 'continuing' then continuing_approvals else initial_approvals end desc,
                     employer
        ) as rank,
        *
    from by_employer
)

select *
from ranked
where rank <= $top
order by rank
