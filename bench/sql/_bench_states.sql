-- Benchmark support: every stored state with the columns the pandas baseline needs (bench/baseline.py).
select application_id, program_id, submitted_at, applicant_role, principal_application_id, permit_type,
       citizenship, birth_country, us_state, intended_province, status, status_at, valid_from, valid_to
from application_states
