-- The submission time of each application of a role that counts toward the cap, program-wide at $as_of
-- (the other shared filters do not narrow it), in order: submitted_at (UTC). What the time-to-cap page
-- forecasts from: the times alone, without the ids of counting_arrivals, cost a tenth as much to fetch
-- (2.3 million rows: 50 ms against 560 ms), and the k-th time is the same whatever breaks a tie.
-- Params: $program, $as_of, $cap_roles.
select submitted_at
from states_as_of($program, $as_of)
where list_contains($cap_roles, applicant_role)
order by submitted_at
