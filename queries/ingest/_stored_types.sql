-- The stored types of application_states' fixed-list columns, made (again) with the lists of this
-- version (dashboard/ingest/stored.py; no column holds them while this runs). Params: roles, permits,
-- statuses, states, provinces, countries (each list in its order: an ENUM's value is its place in it).
drop type if exists stored_role;
drop type if exists stored_permit;
drop type if exists stored_status;
drop type if exists stored_state;
drop type if exists stored_province;
drop type if exists stored_country;
create type stored_role as enum (select unnest($roles::varchar[]));
create type stored_permit as enum (select unnest($permits::varchar[]));
create type stored_status as enum (select unnest($statuses::varchar[]));
create type stored_state as enum (select unnest($states::varchar[]));
create type stored_province as enum (select unnest($provinces::varchar[]));
create type stored_country as enum (select unnest($countries::varchar[]))
