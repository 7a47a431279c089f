-- DOL LCA disclosure sample (FY2020 Q2, $file), every column as published, names lower-cased
-- (H-1B_DEPENDENT becomes h1b_dependent); codes and postal codes stay text. Added beside them: the
-- offered and prevailing wages as annual equivalents (2,080 hours, 52 weeks, 26 fortnights, 12 months
-- a year, the Department of Labor's convention) and the worksite's 5-digit ZIP code.
create or replace table h1b_lca_sample as
with lca as (
    select *
    from read_csv($file, header = true, normalize_names = true, types = {
        'SOC_CODE': 'VARCHAR', 'EMPLOYER_POSTAL_CODE': 'VARCHAR', 'WORKSITE_POSTAL_CODE': 'VARCHAR',
        'NAICS_CODE': 'VARCHAR', 'PW_OES_YEAR': 'VARCHAR', 'PW_OTHER_YEAR': 'VARCHAR'
    })
),

per_year as (
    select unit, factor
    from (values ('Year', 1), ('Month', 12), ('Bi-Weekly', 26), ('Week', 52), ('Hour', 2080)) as units(unit, factor)
),

annualised as (
    select
        lca.*,
        lca.wage_rate_of_pay_from * wage.factor as wage_annual,
        lca.prevailing_wage * pw.factor as prevailing_wage_annual,
        case when regexp_full_match(lca.worksite_postal_code, '\d{3,4}') then lpad(lca.worksite_postal_code, 5, '0')
             else left(lca.worksite_postal_code, 5) end as worksite_zip5
    from lca
    left join per_year as wage on wage.unit = lca.wage_unit_of_pay
    left join per_year as pw on pw.unit = lca.pw_unit_of_pay
)

select * from annualised
