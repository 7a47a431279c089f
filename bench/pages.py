"""What each page asks the warehouse for when a filter changes, declared in one place.

A page is a list of metric calls, made exactly as its view makes them (same function, same keyword
arguments). Adding a page to the benchmark is one line in PAGES. The frame's own queries (program
list, countries present, data freshness) take no page filter, so Streamlit's cache answers them after
the first visit; they are timed once, as the cost of the first visit after an ingest.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dashboard.filters import Filters
from dashboard.programs import Program

# page -> the metric calls one filter change runs on it: (metric name, keyword arguments)
# (the views' defaults: the hour grain, ten countries, the program's opening year, the first 200 records).
# The US H-1B context page is not here: its tables take no sidebar filter, so after its first visit
# (timed with the frame) a filter change runs no query on it. The Data loads and Admin pages read logs.
PAGES: dict[str, list[tuple[str, dict]]] = {
    "overview": [("cap_status", {}), ("cumulative_principals", {}), ("applications_by_role_status", {})],
    "velocity": [("arrivals_by_interval", {"minutes": 60}), ("arrival_rate", {}), ("cap_status", {}),
                 ("milestones", {})],
    "countries": [("applications_by_citizenship", {"top_n": 10}), ("h1b_representation", {"year": 2023, "top_n": 10})],
    # program-wide: only an as-of change runs it (views/time_to_cap.py keys it on program and as-of)
    "time_to_cap": [("counting_times", {})],
    "extracts": [("preview:application_records", {"limit": 200})],
}

# The frame (dashboard/app.py, ui.freshness): same filters whatever the page, so cached after one visit.
FRAME: list[tuple[str, str]] = [("programs_loaded", "none"), ("countries_present", "program"),
                                ("data_freshness", "program")]


def frame_filters(kind: str, program_id: str) -> Filters:
    return Filters("") if kind == "none" else Filters(program_id)


def filter_settings(program: Program, countries: list[str]) -> list[Filters]:
    """Twenty-four distinct filter settings a user could reach from the sidebar (or a shared link).

    `countries` are the program's citizenships, most frequent first.
    """
    top = countries[:8] + ["IND", "CHN", "KOR", "PHL", "CAN"]
    o = program.opens_at
    base = Filters(program.id)
    out = [
        base,
        replace(base, countries=(top[0],)),
        replace(base, countries=tuple(sorted({top[1], top[2]}))),
        replace(base, countries=tuple(sorted(set(top[3:8])))),
        replace(base, roles=("principal",)),
        replace(base, roles=("spouse", "dependant")),
        replace(base, statuses=("approved",)),
        replace(base, statuses=("refused", "withdrawn")),
        replace(base, permits=("work_permit", "study_permit")),
        replace(base, start=o + timedelta(hours=2), end=o + timedelta(hours=14)),
        replace(base, start=o + timedelta(days=1)),
        replace(base, end=o + timedelta(hours=6)),
        replace(base, as_of=o + timedelta(hours=3)),
        replace(base, as_of=o + timedelta(hours=30)),
        replace(base, as_of=o + timedelta(days=20)),
        replace(base, as_of=o + timedelta(days=90)),
        replace(base, countries=(top[0],), statuses=("in_review",)),
        replace(base, countries=(top[1],), roles=("principal",), as_of=o + timedelta(days=45)),
        replace(base, roles=("principal",), statuses=("approved", "refused"), start=o + timedelta(hours=1)),
        replace(base, permits=("open_work_permit",), as_of=o + timedelta(hours=12)),
        replace(base, countries=tuple(sorted(set(top[:3]))), start=o, end=o + timedelta(days=2)),
        replace(base, statuses=("submitted",), as_of=o + timedelta(days=10)),
        replace(base, roles=("dependant",), permits=("study_permit",)),
        replace(base, countries=(top[2],), as_of=o + timedelta(days=200)),
    ]
    assert len(set(out)) == len(out), "filter settings must differ"
    return out
