-- One row per citizenship present in the program's applications: citizenship, applications.
-- Params: $program.
select citizenship, count(distinct application_id) as applications
from application_states
where program_id = $program
group by all
order by applications desc, citizenship
