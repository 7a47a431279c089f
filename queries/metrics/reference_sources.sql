-- One row per reference file in the warehouse: table_name, file, publisher, period, caveat. No params.
select "table" as table_name, file, publisher, period, caveat
from ref_sources
order by table_name, file
