-- One row per program that has application records: program_id, applications.
select program_id, count(distinct application_id) as applications
from application_states
group by all
order by program_id
