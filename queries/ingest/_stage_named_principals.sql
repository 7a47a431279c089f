-- The principals that valid family rows name but no valid principal row of this call is.
select distinct principal_application_id as id
from staged
where not bad
  and seq not in (select seq from flagged)
  and principal_application_id is not null
  and principal_application_id not in (
      select application_id
      from staged
      where not bad and applicant_role = 'principal' and seq not in (select seq from flagged)
  )
order by id
