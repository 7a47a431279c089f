-- Test support: the USCIS approvals by country of birth as stored, in file order of the columns.
select fiscal_year, country_of_birth, petition_scope, approved_petitions, share_pct, year_total_approved,
       source_id, note, iso3, non_country
from h1b_approvals_by_birth
order by fiscal_year, country_of_birth, petition_scope
