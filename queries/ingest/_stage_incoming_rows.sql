-- What the call hands over to the merge: the first copy of each valid row, in file order (bad is
-- false for each: the engine path's incoming table has the same columns).
select *
from staged
where not bad
  and seq not in (select seq from flagged)
  and seq not in (select seq from shared where not first)
order by seq
