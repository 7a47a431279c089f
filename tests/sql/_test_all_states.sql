-- Test support: every stored state in the export's columns, one row per application_id and status_at.
select
    application_id, program_id, submitted_at, applicant_role, principal_application_id, permit_type,
    citizenship, birth_country, us_state, intended_province, status, status_at
from application_states
order by application_id, status_at
