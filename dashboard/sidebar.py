"""The shared filter widgets, bound to the URL query string; builds the session's Filters.

The URL is the source of truth when a session starts (a shared link reproduces the view); after that
the widgets are, and every rerun writes the URL back (through ui.url, the one module that touches the
address), so the address bar always reproduces the view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

import streamlit as st

from dashboard import filters as fl
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import fmt_datetime, language, t, zone_label
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, Program, programs
from dashboard.ui import url
from dashboard.ui.state import COUNTRY_KEY
from dashboard.ui.text import label

TIME_WIDGETS = {"start": "f_from", "end": "f_to", "as_of": "f_as_of"}
# Every filter widget's key (the program picker's apart: it is drawn on every page).
LINK_SHOWN = "f_link_shown"  # session key: "Link to this moment" was pressed; show the link on this run
SECTION_KEYS = ("f_from", "f_to", COUNTRY_KEY, "f_role", "f_permit", "f_status")  # the filters section's widgets
FILTER_KEYS = (*SECTION_KEYS, "f_latest", "f_as_of")
FILTERS_OPEN = "f_open"  # session key: the filters section is open (its widgets are drawn)


def _naive_local(dt: datetime | None, program: Program) -> datetime | None:
    return dt.astimezone(program.tz).replace(tzinfo=None, second=0, microsecond=0) if dt else None


def _aware(key: str, program: Program) -> datetime | None:
    """The moment a time widget names. The widgets show minutes and lose which of a repeated hour is
    meant, so the exact moment a link named is kept while the widget still shows it."""
    ss = st.session_state
    naive = ss.get(key)
    if naive is None:
        return None
    exact = ss.get("f_exact", {}).get(key)
    if exact is not None and _naive_local(exact, program) == naive:
        return exact
    return program.localize(naive)


def _load_state(f: Filters, program: Program) -> None:
    """Put `f` into the widgets' session state."""
    ss = st.session_state
    ss["f_exact"] = {key: getattr(f, attr) for attr, key in TIME_WIDGETS.items()}
    ss["f_program"] = f.program_id
    ss["f_from"] = _naive_local(f.start, program)
    ss["f_to"] = _naive_local(f.end, program)
    ss["f_latest"] = f.as_of is None
    ss["f_as_of"] = _naive_local(f.as_of, program)
    ss[COUNTRY_KEY] = list(f.countries)
    ss["f_role"] = list(f.roles)
    ss["f_permit"] = list(f.permits)
    ss["f_status"] = list(f.statuses)


def _span_defaults(program: Program, latest: datetime | None) -> tuple[datetime, datetime]:
    """The From and To widgets' values when they set no limit: the opening and the minute after the newest
    submission. Shown rather than empty, so the calendars open on the program's dates (an empty one opens on
    today's month, years from a past intake's) and a time is changed by editing its hour, not typed whole.
    A To left at the newest submission follows the next ingest's newer one."""
    ss = st.session_state
    first = _naive_local(program.opens_at, program)
    last = _naive_local(latest + timedelta(minutes=1), program) if latest is not None else first
    if ss.get("f_from") is None:
        ss["f_from"] = first
    if ss.get("f_to") is None or ss.get("f_to") == ss.get("f_to_default"):
        ss["f_to"] = last
    ss["f_to_default"] = last
    return first, last


def _slid() -> None:
    """The "as of" slider moved: the precise entry takes its moment."""
    st.session_state["f_as_of"] = st.session_state["f_as_of_slide"]


def _reset() -> None:
    ss = st.session_state
    _load_state(Filters(ss["f_program"]), programs()[ss["f_program"]])


def _keep(keys: tuple[str, ...]) -> None:
    """Keep the values of widgets this run does not draw: Streamlit drops a widget's value from the session
    state when a run does not draw it, unless the run sets it itself."""
    ss = st.session_state
    for key in keys:
        if key in ss:
            ss[key] = ss[key]


def _bounds(program: Program) -> dict:
    """The date-and-time inputs' settings: the program's dates, to the minute; value=None: the session state
    holds the value, and the default (when cleared) is "no limit"."""
    lo, hi = (_naive_local(m, program) for m in fl.time_window(program))
    return {"value": None, "min_value": lo, "max_value": hi, "step": timedelta(minutes=1), "format": "YYYY-MM-DD"}


def _section(box, program: Program, countries_present: list[str], lang: str) -> None:
    """The filters section's widgets, in the open expander `box`."""
    ss = st.session_state
    # In words here rather than behind "?" icons: each icon is one more tab stop in the sidebar (issue 16).
    box.caption(t("Times are in {zone}. From and To left at the opening and the newest submission set no "
                  "limit.").format(zone=zone_label(program.time_zone)))
    bounds = _bounds(program)
    box.datetime_input(t("From"), key="f_from", **bounds)
    box.datetime_input(t("To"), key="f_to", **bounds)
    options = sorted(set(countries_present) | set(ss.get(COUNTRY_KEY, [])), key=lambda c: country_name(c, lang))
    # A name and Enter picks that country alone: options match by the start of their name (fuzzy matching
    # ranked "Indonesia" and "Saint Kitts and Nevis" beside "India") and there is no "Select N matches".
    box.multiselect(t("Citizenship"), options, key=COUNTRY_KEY, format_func=lambda c: f"{country_name(c, lang)} ({c})",
                    placeholder=t("All countries"), filter_mode="prefix", select_all=False)
    label_now = functools.partial(label, lang=lang)
    box.multiselect(t("Applicant role"), list(ROLES), key="f_role", format_func=label_now, placeholder=t("All roles"))
    box.multiselect(t("Permit type"), list(PERMIT_TYPES), key="f_permit", format_func=label_now,
                    placeholder=t("All permit types"))
    box.multiselect(t("Status"), list(STATUSES), key="f_status", format_func=label_now, placeholder=t("All statuses"))


def _filters(program: Program, first: datetime, last: datetime, notices: list[str]) -> Filters:
    """The Filters the session state describes (From and To at their defaults set no limit); a sentence is
    added to `notices` when the end was ignored."""
    ss = st.session_state
    start = None if ss["f_from"] == first else _aware("f_from", program)
    end = None if ss["f_to"] == last else _aware("f_to", program)
    if start and end and start >= end:
        notices.append(t("The end of the time range is before its start; the end was ignored."))
        end = None
    return Filters(
        program_id=program.id, start=start, end=end,
        as_of=None if ss["f_latest"] else _aware("f_as_of", program),
        countries=tuple(sorted(ss[COUNTRY_KEY])),
        roles=tuple(r for r in ROLES if r in ss["f_role"]),
        permits=tuple(p for p in PERMIT_TYPES if p in ss["f_permit"]),
        statuses=tuple(s for s in STATUSES if s in ss["f_status"]),
    )


def build_filters(loaded: list[str], countries_for: Callable[[str], list[str]],
                  latest_for: Callable[[str], datetime | None], applies: bool = True, page: str = "") -> Filters:
    """Render the filter widgets in the sidebar and return the Filters they describe.

    `loaded` lists the programs with data (the first is the default); the callables give a program's
    citizenships present and its newest submission. `applies` False: the page shown does not use the
    filters, so they are not drawn (their values are kept for the next page) and a note says so. `page`: the
    url_path of the page shown (for the link "Link to this moment" gives).
    """
    progs = programs()
    ss = st.session_state
    notices: list[str] = []
    default_program = loaded[0]
    if url.entering("filters_loaded"):  # a new session, or Back/Forward restored an address
        parsed, ss["url_notices"] = url.read_filters(default_program)
        _load_state(parsed, progs[parsed.program_id])
        ss["filters_loaded"] = True

    sb = st.sidebar
    lang = language()  # held by each format_func: Streamlit (and AppTest) may call one outside this run
    if ss["f_program"] not in loaded:
        ss["f_program"] = default_program
    if len(loaded) > 1:
        sb.selectbox(t("Program"), loaded, key="f_program", format_func=lambda p: progs[p].short_name(lang))
    program = progs[ss["f_program"]]
    latest_moment = latest_for(program.id)
    countries_present = countries_for(program.id)
    first, last = _span_defaults(program, latest_moment)
    if not applies:
        # Not drawn on this page, and kept for the next (drawn disabled, their greyed labels failed the
        # contrast check)
        _keep((*FILTER_KEYS, FILTERS_OPEN))
        sb.info(t("The filters do not change this page; the ones chosen are kept for the intake's pages."),
                icon=":material/info:")
    else:
        # The time range and the lists in a section, with what they filter said in one line above it: a closed
        # section's widgets are not drawn (on_change="rerun": opening it reruns and draws them), so a fresh page
        # does not lay out two date-and-time inputs and four multiselects before its charts (issue 17), and it
        # stays in its place in the tab order (a popover's body is put at the end of the document). Their values
        # live in the session state and the address, as when a page does not draw them (above). The section's
        # label stays the same when a filter changes: Streamlit identifies an expander by its label, and a new
        # one is mounted anew, which took the keyboard focus out of the field just used (to the page's start).
        scope_slot = sb.empty()  # "Filters: ..." above the section, once the run's Filters are known (below)
        ss[FILTERS_OPEN] = bool(ss.get(FILTERS_OPEN, False))  # kept when the language renames the section
        section = sb.expander(t("Choose filters"), key=FILTERS_OPEN, on_change="rerun", icon=":material/filter_alt:")
        if not section.open:
            _keep(SECTION_KEYS)
        else:
            _section(section, program, countries_present, lang)
        sb.toggle(t("Latest data"), key="f_latest")
        if ss["f_latest"] and latest_moment is not None:  # the moment shown, without opening anything
            sb.caption(t("As of the newest submission, {moment}. Off: the intake as it stood at a moment you "
                         "choose.").format(moment=fmt_datetime(latest_moment, program.time_zone)))
        if not ss["f_latest"]:
            if ss.get("f_as_of") is None:
                ss["f_as_of"] = _naive_local(latest_moment, program) if latest_moment else _naive_local(program.opens_at, program)
            # A time slider over the intake's span (by the hour over its first days, then by the day), and
            # under it the precise entry, to the minute, for analysts; each follows the other.
            steps = fl.as_of_steps(first, last)
            ss["f_as_of_slide"] = fl.snap(steps, ss["f_as_of"])
            tz = program.time_zone
            sb.select_slider(t("As of"), steps, key="f_as_of_slide", on_change=_slid,
                             format_func=lambda m: fmt_datetime(program.localize(m), tz, lang=lang),
                             help=t("Show only what had been submitted by then, with the status it had then."))
            sb.datetime_input(t("As of, to the minute"), key="f_as_of", **_bounds(program))

        def pin() -> None:
            if latest_moment is not None:
                ss["f_latest"] = False
                ss["f_as_of"] = _naive_local(latest_moment + timedelta(minutes=1), program)
            ss[LINK_SHOWN] = True

        # One under the other: side by side, the sidebar's width cut "Link to this moment" short.
        sb.button(t("Link to this moment"), on_click=pin, help=t("Pin the \"as of\" time in the address, so the link "
                  "shows these figures even after later ingests."), width="stretch", icon=":material/push_pin:")
        link_slot = sb.empty()  # the link, under its button, once the run has staged the whole address
        sb.button(t("Reset filters"), on_click=_reset, width="stretch", icon=":material/filter_alt_off:")

    f = _filters(program, first, last, notices)
    if applies:
        scope_slot.caption(t("Filters: {scope}").format(scope=scope_line(f, program)))
    url.warn(ss.get("url_notices", []) + notices)
    ss["url_notices"] = []
    url.write_filters(f, default_program)
    if applies and ss.pop(LINK_SHOWN, False):
        _show_link(link_slot, page)
    return f


def _show_link(slot, page: str) -> None:
    """The view's address (its as-of moment pinned) in a code box, whose button copies it, and a toast saying
    so: the server cannot write to the reader's clipboard, and the address bar changes only at the run's end."""
    slot.code(url.link(page), language=None, wrap_lines=True)
    st.toast(t("Link to this moment ready: copy it with the button beside it, under \"Link to this moment\"."),
             icon=":material/link:")


def _parts(f: Filters, program: Program) -> list[str]:
    """The active filters in words, one part per filter (the as-of moment apart)."""
    lang = language()
    parts = []
    if f.start or f.end:
        parts.append(t("submitted {start} to {end}").format(
            start=fmt_datetime(f.start, program.time_zone) if f.start else t("the opening"),
            end=fmt_datetime(f.end, program.time_zone) if f.end else t("the latest")))
    if f.countries:
        names = [country_name(c, lang) for c in f.countries]
        parts.append(", ".join(names[:3]) + (t(" and {n} more").format(n=len(names) - 3) if len(names) > 3 else ""))
    for values in (f.roles, f.permits, f.statuses):
        if values:
            parts.append(", ".join(label(v) for v in values))
    return parts


def scope_line(f: Filters, program: Program) -> str:
    """What the filters section's filters keep, in a few words (the line above it): "all applications", or the
    active ones. The as-of moment is said beside "Latest data", outside the section."""
    return "; ".join(_parts(f, program)) or t("all applications")


def summary_line(f: Filters, program: Program) -> str:
    """One line naming the active filters (every page shows it)."""
    parts = _parts(f, program)
    as_of = (t("as of {moment}").format(moment=fmt_datetime(f.as_of, program.time_zone)) if f.as_of
             else t("latest data"))
    if not parts:
        return t("Showing all applications, {as_of}.").format(as_of=as_of)
    return t("Filtered to {filters}; {as_of}.").format(filters="; ".join(parts), as_of=as_of)
