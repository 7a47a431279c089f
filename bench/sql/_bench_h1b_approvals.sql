-- Benchmark support: the USCIS approvals by country of birth h1b_representation reads, for the pandas baseline.
select iso3, fiscal_year, petition_scope, share_pct, approved_petitions
from h1b_approvals_by_birth
