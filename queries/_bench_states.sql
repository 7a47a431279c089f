-- Benchmark support: every stored state with the columns the pandas baseline needs (bench/baseline.py).
select application_id, program_id, submitted_at, applicant_role, permit_type, citizenship, status,
       valid_from, valid_to
from application_states
