-- Table macros every metric builds on: created as temp macros on each connection the Reader opens
-- (warehouse.Reader._connection), never stored in a snapshot.

-- The intake as it stood at $as_of: applications submitted by then, each with the state it had then.
create or replace temp macro states_as_of(program, as_of) as table
    select *
    from application_states
    where program_id = program
      and submitted_at <= as_of
      and valid_from <= as_of
      and valid_to > as_of;

-- The same, narrowed by the shared filters (a null list means "all").
create or replace temp macro filtered_states(program, as_of, start_at, end_at, countries, roles, permits, statuses) as table
    select *
    from states_as_of(program, as_of)
    where submitted_at >= start_at
      and submitted_at < end_at
      and (countries is null or list_contains(countries, citizenship))
      and (roles is null or list_contains(roles, applicant_role))
      and (permits is null or list_contains(permits, permit_type))
      and (statuses is null or list_contains(statuses, status));

-- The first top_n rows of a ranked table (a CTE or table named by `ranked`, with columns citizenship,
-- rank and counts), then one "all others" row (citizenship null) summing the rest; countries says how
-- many rows each output row groups.
create or replace temp macro top_and_others(ranked, top_n) as table
    select
        least(rank, top_n + 1) as rank,
        case when rank <= top_n then citizenship end as citizenship,
        count(*) as countries,
        sum(columns(* exclude (citizenship, rank)))::bigint
    from query_table(ranked)
    group by all;

-- Rows counted by every column but is_principal: principal (the principal applicants' applications) and
-- family (their spouses' and dependants'), one row per value of the other columns.
create or replace temp macro principal_and_family(arrivals) as table
    select
        columns(* exclude (is_principal)),
        count(*) filter (where is_principal) as principal,
        count(*) filter (where not is_principal) as family
    from query_table(arrivals)
    group by all;

-- Every interval of a range with its counts, 0 where it has none (never missing): `intervals` (key,
-- interval_start, interval_end) joined to `counts` (key, principal, family) on their first column, the
-- key, whatever it is named (an interval's number, a day).
create or replace temp macro every_interval(intervals, counts) as table
    select
        i.interval_start,
        i.interval_end,
        coalesce(c.principal, 0) as principal,
        coalesce(c.family, 0) as family
    from query_table(intervals) as i(interval_key, interval_start, interval_end)
    left join query_table(counts) as c(interval_key, principal, family) using (interval_key);

-- Every state the applications had by $as_of (their history up to then, the state held at $as_of
-- included): what "had reached the stage by then" questions read.
create or replace temp macro history_as_of(program, as_of) as table
    select *
    from application_states
    where program_id = program
      and submitted_at <= as_of
      and valid_from <= as_of;

-- Applications under the shared filters counted by intended province and US state (`unknown` where the
-- export gave none), principal applicants and family members apart: the places the maps draw.
create or replace temp macro applications_by_place(program, as_of, start_at, end_at, countries, roles, permits, statuses) as table
    select
        coalesce(nullif(intended_province, ''), 'unknown') as province,
        coalesce(nullif(us_state, ''), 'unknown') as state,
        count(*) filter (where applicant_role = 'principal') as principal,
        count(*) filter (where applicant_role <> 'principal') as family
    from filtered_states(program, as_of, start_at, end_at, countries, roles, permits, statuses)
    group by all;
