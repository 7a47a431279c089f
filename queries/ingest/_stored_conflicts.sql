-- Incoming rows that share (application_id, status_at) with a stored state but differ in a value.
select i.file, i.line, i.application_id
from incoming as i
join stored as s
  on s.application_id = i.application_id and s.status_at = i.status_at
where (i.program_id, i.submitted_at, i.applicant_role, i.principal_application_id, i.permit_type,
       i.citizenship, i.birth_country, i.us_state, i.intended_province, i.status, i.arrived_at)
   is distinct from
      (s.program_id, s.submitted_at, s.applicant_role, s.principal_application_id, s.permit_type,
       s.citizenship, s.birth_country, s.us_state, s.intended_province, s.status, s.arrived_at)
order by i.file, i.line
