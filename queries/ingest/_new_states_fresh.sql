-- The incoming states not stored yet when none of the incoming applications is stored (`stored` is
-- empty): every incoming state, read where it is rather than copied (a copy of 10M rows spilled past
-- the memory limit and cost about an eighth of the merge at 1M).
create temp view new_states as
select i.* exclude (line, file, seq, bad)
from incoming as i
