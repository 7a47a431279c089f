-- Benchmark support: the H-1B visa issuances h1b_representation reads, for the pandas baseline.
select iso3, year(month) as year, visa_class, issuances
from h1b_issuances
