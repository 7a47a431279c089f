-- The first incoming row (file order) of program $program: where a message about it points.
select file, line
from incoming
where program_id = $program
order by seq
limit 1
