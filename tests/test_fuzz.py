"""Fuzzing the filters and URL parameters (hypothesis): no exception reaches the user, and every value
is compared as a value (a bound parameter), never read as SQL.

FUZZ_EXAMPLES sets how many examples the AppTest fuzzers try (few in `make test`, many in
`make reliability`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard import filters as fl
from dashboard import metrics, sidebar
from dashboard.filters import Filters
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, load_programs

APP = str(ROOT / "dashboard" / "app.py")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
APP_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
                        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GENERIC_ERROR = "Something went wrong"
PROGRAMS = load_programs(ROOT / "tests" / "fixtures" / "programs.toml")

NASTY = ["", " ", "'", '"', "' or '1'='1", "IND'); drop table application_states; --", "$program", "NULL",
         "%", "_", "\\", "\x00", "\u202e", "🛂", "é" * 300, "x" * 5000, "<script>alert(1)</script>", "=cmd|'/C calc'!A0",
         "-1", "1e309", "nan", "inf", "0", "99999999999999999999"]
TIMES = ["2023-07-16T09:00", "2023-07-16T09:00:00-04:00", "2023-07-16T13:00Z", "0001-01-01T00:00",
         "9999-12-31T23:59:59", "0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "2024-03-10T02:30",
         "2023-11-05T01:30", "2023-02-30T10:00", "2023-07-16T24:00", "2023-07-16T23:59:60", "1900-01-01",
         "2023-07-16", "20230716T0900", "2023-W29-1", "2023-07-16T09:00:00.123456789", "T", "--"]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
codes = st.one_of(st.sampled_from(["IND", "CHN", "KOR", "ind", "XKX", "ZZZ", *ROLES, *PERMIT_TYPES, *STATUSES]), text)
values = {
    "program": st.one_of(st.sampled_from(["test-intake", "second-intake", "h1b-owp-2023"]), text),
    "from": st.one_of(st.sampled_from(TIMES), text), "to": st.one_of(st.sampled_from(TIMES), text),
    "as_of": st.one_of(st.sampled_from(TIMES), text),
    "country": st.lists(codes, max_size=6), "role": st.lists(codes, max_size=4),
    "permit": st.lists(codes, max_size=4), "status": st.lists(codes, max_size=6),
    "lang": st.one_of(st.sampled_from(["en", "fr", "FR", "de"]), text),
    "grain": text, "page": text,
}
query = st.one_of(
    st.fixed_dictionaries({}, optional=values),
    st.dictionaries(st.one_of(st.sampled_from(sorted(values)), text), st.one_of(text, st.lists(text, max_size=3)),
                    max_size=6),
)


def assert_no_error_reaches_the_user(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if GENERIC_ERROR in e.value]


def plain(params: dict) -> dict:
    """AppTest query parameters cannot hold NUL (a browser would send %00; Streamlit decodes it alike)."""
    clean = {}
    for k, v in params.items():
        k = k.replace("\x00", "")
        clean[k] = [x.replace("\x00", "") for x in v] if isinstance(v, list) else v.replace("\x00", "")
    return clean


@APP_SETTINGS
@given(params=query, page=st.sampled_from(["views/overview.py", "views/about.py", None]))
def test_fuzzed_url_parameters_never_reach_the_user_as_an_error(shared_basic_warehouse, params, page):
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in plain(params).items():
        at.query_params[k] = v
    at.run()
    assert_no_error_reaches_the_user(at)
    assert at.title, "the page drew its title"
    if page:
        at.switch_page(page).run()
        assert_no_error_reaches_the_user(at)


moments = st.one_of(st.none(), st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
                    st.datetimes(min_value=datetime(2023, 7, 16), max_value=datetime(2023, 7, 18)))
widget_changes = st.lists(st.one_of(
    st.tuples(st.just("multiselect"), st.integers(0, 3), st.lists(st.integers(0, 200), max_size=5)),
    st.tuples(st.just("datetime"), st.sampled_from(["f_from", "f_to", "f_as_of"]), moments),
    st.tuples(st.just("toggle"), st.just("f_latest"), st.booleans()),
    st.tuples(st.just("button"), st.sampled_from(["Link to this moment", "Reset filters"]), st.none()),
    st.tuples(st.just("section"), st.just(sidebar.FILTERS_OPEN), st.booleans()),  # the filters section
), min_size=1, max_size=4)


@APP_SETTINGS
@given(changes=widget_changes)
def test_fuzzed_filter_widgets_never_reach_the_user_as_an_error(shared_basic_warehouse, changes):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[sidebar.FILTERS_OPEN] = True  # the filters section open: its widgets are fuzzed
    at.run()
    for kind, which, value in changes:
        if kind == "multiselect":
            if len(at.sidebar.multiselect) <= which:  # the section was closed
                continue
            box = at.sidebar.multiselect[which]
            box.set_value(sorted({box.options[i % len(box.options)] for i in value}) if box.options else [])
        elif kind == "datetime":
            found = [w for w in at.sidebar.datetime_input if w.key == which]
            if not found:
                continue
            found[0].set_value(value)
        elif kind == "section":
            at.session_state[which] = value
        elif kind == "toggle":
            at.sidebar.toggle(key=which).set_value(value)
        else:
            [b for b in at.sidebar.button if b.label == which][0].click()
        at.run()
        assert_no_error_reaches_the_user(at)


@settings(max_examples=300, deadline=None)
@given(params=query)
def test_parse_query_never_raises_and_round_trips(params):
    f = fl.parse_query(params, PROGRAMS, "test-intake")
    assert f.program_id in PROGRAMS
    for moment in (f.start, f.end, f.as_of):
        assert moment is None or fl.FAR_PAST < moment < fl.FAR_FUTURE
    assert f.start is None or f.end is None or f.start < f.end
    again = fl.parse_query(fl.to_query(f, PROGRAMS, "test-intake"), PROGRAMS, "test-intake")
    assert (again, again.notices) == (f, ())


# ------------------------------------------------------------------ values are bound, never SQL

aware = st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(text, min_size=1, max_size=4), start=st.one_of(st.none(), aware),
       length=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=3650)),
       as_of=st.one_of(st.none(), aware))
def test_metric_values_are_compared_as_values(shared_basic_warehouse, junk, start, length, as_of):
    """Any text in a list filter matches only rows holding exactly that text: a payload such as
    "IND' or '1'='1" matches nothing, and adding junk beside a real code changes nothing."""
    base = Filters("test-intake", start=start, end=start + length if start else None, as_of=as_of)
    for field, real in (("countries", "IND"), ("roles", "principal"), ("permits", "open_work_permit"),
                        ("statuses", "submitted")):
        clean = [j for j in junk if j != real]
        only_junk = metrics.applications_by_role_status(Filters(**{**vars(base), field: tuple(clean)})) \
            if clean else None
        assert only_junk is None or only_junk.empty
        with_real = metrics.applications_by_role_status(Filters(**{**vars(base), field: (real, *clean)}))
        alone = metrics.applications_by_role_status(Filters(**{**vars(base), field: (real,)}))
        assert with_real.equals(alone)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=1, max_value=10**7))
def test_the_time_grain_is_a_bound_parameter_of_any_size(shared_basic_warehouse, minutes):
    """Whatever the grain, the intervals hold the same 7 principal arrivals (BASIC_ROWS)."""
    curve = metrics.cumulative_principals(Filters("test-intake"), minutes=minutes)
    assert int(curve["arrivals"].sum()) == 7
    assert int(curve["cumulative"].iloc[-1]) == 7
