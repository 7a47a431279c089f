-- The valid rows naming a principal that is neither in the call nor stored ($ids): each is set aside.
create temp table orphans as
select seq
from staged
where not bad
  and seq not in (select seq from flagged)
  and principal_application_id in (select unnest($ids::varchar[]));

insert into flagged select seq from orphans;

select s.file, s.line
from staged as s
semi join orphans as o using (seq)
order by s.seq
