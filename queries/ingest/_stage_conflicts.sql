-- Distinct valid rows sharing (application_id, status_at) but differing in a value: each is set aside.
insert into flagged
select seq
from (
    select seq, count(*) over (partition by application_id, status_at) as n
    from shared
    where first and not bad
)
where n > 1;

select s.file, s.line
from staged as s
semi join flagged as f using (seq)
order by s.seq
