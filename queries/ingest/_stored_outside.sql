-- How many stored values of the fixed-list columns are outside their list (dashboard/ingest/stored.py):
-- a column is given its ENUM only when none is. Params: the lists, as in _stored_types.sql.
select count(*) filter (
    where not list_contains($roles::varchar[], applicant_role::varchar)
       or not list_contains($permits::varchar[], permit_type::varchar)
       or not list_contains($statuses::varchar[], status::varchar)
       or (us_state is not null and not list_contains($states::varchar[], us_state::varchar))
       or (intended_province is not null and not list_contains($provinces::varchar[], intended_province::varchar))
       or not list_contains($countries::varchar[], citizenship::varchar)
       or (birth_country is not null and not list_contains($countries::varchar[], birth_country::varchar))
)
from application_states
