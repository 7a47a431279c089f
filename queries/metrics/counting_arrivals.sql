-- One row per application of a role that counts toward the cap, program-wide at $as_of (the other
-- shared filters do not narrow it): application_id, submitted_at (UTC), in submission order (ties by
-- application_id, as the cap rule breaks them). Params: $program, $as_of, $cap_roles.
with counting as (
    select application_id, submitted_at
    from states_as_of($program, $as_of)
    where list_contains($cap_roles, applicant_role)
)

select application_id, submitted_at
from counting
order by submitted_at, application_id
