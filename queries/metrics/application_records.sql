-- One row per application under the shared filters, as it stood at $as_of: the stored columns of
-- the export (no direct identifiers are ever stored), with the status it had then and when it was set.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses.
with records as (
    select application_id, program_id, submitted_at, applicant_role, principal_application_id, permit_type,
           citizenship, birth_country, us_state, intended_province, status, status_at
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
)

select *
from records
order by submitted_at, application_id
