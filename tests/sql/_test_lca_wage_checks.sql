-- Test support: hourly wages whose annual equivalent is not 2,080 hours' pay, and rows with no annual wage.
select
    count(*) filter (where wage_unit_of_pay = 'Hour' and wage_annual <> wage_rate_of_pay_from * 2080) as hourly_mismatch,
    count(*) filter (where wage_annual is null) as no_annual
from h1b_lca_sample
