-- The valid rows of an application_id that appears under two programs: each is set aside.
create temp table two_programs as
with valid as (
    select seq, application_id, program_id
    from staged
    where not bad and seq not in (select seq from flagged)
),

multi as (
    select application_id
    from valid
    group by application_id
    having count(distinct program_id) > 1
)

select v.seq
from valid as v
semi join multi as m using (application_id);

insert into flagged select seq from two_programs;

select s.file, s.line
from staged as s
semi join two_programs as t using (seq)
order by s.seq
