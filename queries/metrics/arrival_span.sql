-- One row: first_at, last_at (UTC) of the applications that count toward the cap, under the shared
-- filters. Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $cap_roles.
select min(submitted_at) as first_at, max(submitted_at) as last_at
from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
where list_contains($cap_roles, applicant_role)
