-- Stored principal applications among $ids (ingest checks family rows against them).
select distinct application_id
from application_states
where applicant_role = 'principal'
  and application_id in (select unnest($ids))
