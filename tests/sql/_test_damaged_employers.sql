-- Test support: employer rows flagged as blank or Excel-damaged.
select employer, employer_flag, employer_key, continuing_approvals
from h1b_employers
where employer_flag is not null
order by employer_flag, fiscal_year
