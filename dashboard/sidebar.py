"""The shared filter widgets, bound to the URL query string; builds the session's Filters.

The URL is the source of truth when a session starts (a shared link reproduces the view); after that
the widgets are, and every rerun writes the URL back, so the address bar always reproduces the view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import streamlit as st

from dashboard import filters as fl
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import LANGS, N_, fmt_datetime, t
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, Program, programs

WIDGET_KEYS = ("f_program", "f_from", "f_to", "f_latest", "f_as_of", "f_country", "f_role", "f_permit", "f_status")
NOTICE_TEXT = {
    "program": N_("The link names a program that is not configured ({value}); showing {default} instead."),
    "from": N_("The start time in the link ({value}) is not a valid time; showing from the opening."),
    "to": N_("The end time in the link ({value}) is not a valid time after the start; showing to the latest."),
    "as_of": N_("The \"as of\" time in the link ({value}) is not a valid time; showing the latest data."),
    "country": N_("The link names an unknown country code ({value}); it was left out."),
    "role": N_("The link names an unknown applicant role ({value}); it was left out."),
    "permit": N_("The link names an unknown permit type ({value}); it was left out."),
    "status": N_("The link names an unknown status ({value}); it was left out."),
    "lang": N_("The link asks for an unknown language ({value}); showing English."),
}
# Labels for codes that the data model uses (the codes themselves stay stable in URLs and CSVs).
LABELS = {
    "principal": N_("Principal applicant"), "spouse": N_("Spouse"), "dependant": N_("Dependant"),
    "open_work_permit": N_("Open work permit"), "work_permit": N_("Work permit"), "study_permit": N_("Study permit"),
    "submitted": N_("Submitted"), "in_review": N_("In review"), "approved": N_("Approved"), "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}


def label(code: str) -> str:
    return t(LABELS.get(code, code))


def _naive_local(dt: datetime | None, program: Program) -> datetime | None:
    return dt.astimezone(program.tz).replace(tzinfo=None, second=0, microsecond=0) if dt else None


def _aware(dt: datetime | None, program: Program) -> datetime | None:
    return program.localize(dt) if dt else None


def _load_state(f: Filters, program: Program) -> None:
    """Put `f` into the widgets' session state."""
    ss = st.session_state
    ss["f_program"] = f.program_id
    ss["f_from"] = _naive_local(f.start, program)
    ss["f_to"] = _naive_local(f.end, program)
    ss["f_latest"] = f.as_of is None
    ss["f_as_of"] = _naive_local(f.as_of, program)
    ss["f_country"] = list(f.countries)
    ss["f_role"] = list(f.roles)
    ss["f_permit"] = list(f.permits)
    ss["f_status"] = list(f.statuses)


def _reset() -> None:
    ss = st.session_state
    _load_state(Filters(ss["f_program"]), programs()[ss["f_program"]])


def language_from_url() -> tuple[str, list[str]]:
    """The language: the URL's `lang`, else the browser's, else English; with a notice if unusable."""
    raw = st.query_params.get("lang")
    if raw is not None:
        if raw in LANGS:
            return raw, []
        return "en", [t(NOTICE_TEXT["lang"]).format(value=raw)]
    browser = (st.context.locale or "en").split("-")[0].lower()
    return (browser if browser in LANGS else "en"), []


def build_filters(loaded: list[str], countries_for: Callable[[str], list[str]],
                  latest_for: Callable[[str], datetime | None]) -> Filters:
    """Render the filter widgets in the sidebar and return the Filters they describe.

    `loaded` lists the programs with data (the first is the default); the callables give a program's
    citizenships present and its newest submission.
    """
    progs = programs()
    ss = st.session_state
    notices: list[str] = []
    default_program = loaded[0]
    if "filters_loaded" not in ss:
        parsed = fl.parse_query({k: st.query_params.get_all(k) for k in st.query_params}, progs, default_program)
        _load_state(parsed, progs[parsed.program_id])
        ss["filters_loaded"] = True
        for n in parsed.notices:
            text = t(NOTICE_TEXT[n.key]).format(value=n.value, default=progs[parsed.program_id].name(_lang()))
            notices.append(text)
        ss["url_notices"] = notices

    sb = st.sidebar
    if ss["f_program"] not in loaded:
        ss["f_program"] = default_program
    if len(loaded) > 1:
        sb.selectbox(t("Program"), loaded, key="f_program", format_func=lambda p: progs[p].name(_lang()))
    program = progs[ss["f_program"]]
    latest_moment = latest_for(program.id)
    countries_present = countries_for(program.id)
    sb.caption(t("Times are in {zone}.").format(zone=program.time_zone))
    sb.datetime_input(t("From"), key="f_from", step=timedelta(minutes=1),
                      format="YYYY-MM-DD", help=t("Submitted at or after this time. Empty: from the opening."))
    sb.datetime_input(t("To"), key="f_to", step=timedelta(minutes=1),
                      format="YYYY-MM-DD", help=t("Submitted before this time. Empty: up to the latest."))
    options = sorted(set(countries_present) | set(ss.get("f_country", [])), key=lambda c: country_name(c, _lang()))
    sb.multiselect(t("Citizenship"), options, key="f_country", format_func=lambda c: f"{country_name(c, _lang())} ({c})",
                   placeholder=t("All countries"))
    sb.multiselect(t("Applicant role"), list(ROLES), key="f_role", format_func=label, placeholder=t("All roles"))
    sb.multiselect(t("Permit type"), list(PERMIT_TYPES), key="f_permit", format_func=label,
                   placeholder=t("All permit types"))
    sb.multiselect(t("Status"), list(STATUSES), key="f_status", format_func=label, placeholder=t("All statuses"))
    sb.divider()
    sb.toggle(t("Latest data"), key="f_latest", help=t("Off: show the intake as it stood at a chosen moment."))
    if not ss["f_latest"]:
        if ss.get("f_as_of") is None:
            ss["f_as_of"] = _naive_local(latest_moment, program) if latest_moment else _naive_local(program.opens_at, program)
        sb.datetime_input(t("As of"), key="f_as_of", step=timedelta(minutes=1),
                          format="YYYY-MM-DD", help=t("Show only what had been submitted by then, with the status it had then."))

    def pin() -> None:
        if latest_moment is not None:
            ss["f_latest"] = False
            ss["f_as_of"] = _naive_local(latest_moment + timedelta(minutes=1), program)

    # One under the other: side by side, both labels were cut short ("Réinitialiser …").
    sb.button(t("Link to this moment"), on_click=pin, help=t("Pin the \"as of\" time in the address, so the link "
              "shows these figures even after later ingests."), width="stretch")
    sb.button(t("Reset filters"), on_click=_reset, width="stretch")

    start, end = _aware(ss["f_from"], program), _aware(ss["f_to"], program)
    if start and end and start >= end:
        notices.append(t("The end of the time range is before its start; the end was ignored."))
        end = None
    f = Filters(
        program_id=program.id, start=start, end=end,
        as_of=None if ss["f_latest"] else _aware(ss["f_as_of"], program),
        countries=tuple(sorted(ss["f_country"])),
        roles=tuple(r for r in ROLES if r in ss["f_role"]),
        permits=tuple(p for p in PERMIT_TYPES if p in ss["f_permit"]),
        statuses=tuple(s for s in STATUSES if s in ss["f_status"]),
    )
    for text in ss.get("url_notices", []) + notices:
        st.warning(text, icon=":material/link_off:")
    ss["url_notices"] = []
    write_url(f, default_program)
    return f


def _lang() -> str:
    from dashboard.i18n import language

    return language()


def write_url(f: Filters, default_program: str) -> None:
    """Make the address bar reproduce `f` (page-specific keys such as grain are left alone)."""
    wanted = fl.to_query(f, programs(), default_program)
    for key in ("program", "from", "to", "as_of", *fl.LIST_KEYS):
        if key in wanted:
            if st.query_params.get_all(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def summary_line(f: Filters, program: Program) -> str:
    """One line naming the active filters (every page shows it)."""
    lang = _lang()
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
    as_of = (t("as of {moment}").format(moment=fmt_datetime(f.as_of, program.time_zone)) if f.as_of
             else t("latest data"))
    if not parts:
        return t("Showing all applications, {as_of}.").format(as_of=as_of)
    return t("Filtered to {filters}; {as_of}.").format(filters="; ".join(parts), as_of=as_of)
