-- What the call hands over to the merge: the first copy of each valid row, in file order.
select * exclude (bad)
from staged
where not bad
  and seq not in (select seq from flagged)
  and seq not in (select seq from shared where not first)
order by seq
