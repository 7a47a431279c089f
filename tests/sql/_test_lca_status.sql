-- Test support: LCA sample rows by case status.
select case_status, count(*) as cases from h1b_lca_sample group by all
