"""The address bar: the one module that reads and writes the URL's query string (st.query_params).

Every filter and page choice lives in the query string, so a link reproduces the view (filters.py holds
the model and its URL form; this module moves it between the address bar and the session). What comes
from the address is hostile until checked: the query string is capped (MAX_KEYS keys, MAX_VALUES values
per key, MAX_CHARS characters per value) before anything parses it, a value that is not used earns one
notice per parameter, and every value a notice names is echoed as plain text (ui.text.echo).

Why not `st.*(..., bind="query-params")` for the filters (Streamlit 1.67): a bound widget writes the
URL with history.replaceState, so a filter change makes no history entry and Back cannot undo it; it
writes an option's displayed label (translated, so a French link would carry French words) rather than
the code; it drops a bad value silently, where a person following a link must be told what was left
out; and its datetime inputs carry no UTC offset, so a wall-clock time that a daylight-saving change
repeats could not name one moment. Widgets whose value is its own URL form and needs none of that (the
years and the employer search of the US H-1B context page) are bound by Streamlit (`bind=url.BIND`).

History (Back and Forward). Streamlit 1.67's frontend writes each query-string change the script makes
with history.pushState (handlePageInfoChanged), except during a run that Back or Forward started, when it
uses replaceState; Back or Forward reruns the script with the restored address and
`is_history_navigation` set. So that one filter change is one history entry, a run's writes are staged
(`put`) and sent together in ONE message at the end of the run (`flush`, called by app.py). So that Back
restores the view, a run that Back or Forward started, whose address differs from the last one written,
is a *reload*: the sidebar and every page setting read their value from the address again (`entering`),
as on a shared link, instead of writing the newer view back over the restored address. (Streamlit itself
does the same for the widgets it binds.) A page switch is no reload: Streamlit strips the query string
when it changes page, and the session's filters are written back: that makes two entries, Streamlit's
bare one and ours, so Back right after a page switch lands on the bare one, which is then no reload
(the filters are written back over it) and a second Back returns to the previous page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state import get_session_state

from dashboard import filters as fl
from dashboard.filters import Filters
from dashboard.i18n import LANGS, N_, fmt_datetime, language, t
from dashboard.programs import Program, programs
from dashboard.ui.text import echo_list

MAX_KEYS = 64  # query keys read (the dashboard uses about a dozen)
MAX_VALUES = 300  # values of one key read (there are fewer than 300 country codes)
MAX_CHARS = 200  # characters of one value read: no usable value is longer, and a longer one is not used
BIND = "query-params"  # the bind= mode of widgets bound to the URL by Streamlit itself
PENDING = "url_pending"  # session key: this run's staged writes {key: [values] | None}
WRITTEN = "url_written"  # session key: the address as the last run left it
RELOAD = "url_reload"  # session key: this run was started by Back/Forward onto another address
PAGE = "url_page"  # session key: the page the last run showed
BARE = "url_bare"  # session key: (page, address) of the entry Streamlit pushed for a page switch, before ours

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
    "grain": N_("The link asks for an unknown interval ({value}); showing hours. Intervals: 1min, 15min, hour, day."),
    "pub": N_("The link's publication setting ({value}) is not 1 or 0; publication mode is off."),
    "metric": N_("The link names an unknown table ({value}); showing the application records."),
    "page": N_("There is no page at this address ({value}). The dashboard's pages are listed below and in the menu."),
}
# Times that parse but fall outside the program's dates (filters.time_window).
RANGE_TEXT = {
    "from": N_("The start time in the link ({value}) is outside the program's dates ({first} to {last}); "
               "showing from the opening."),
    "to": N_("The end time in the link ({value}) is outside the program's dates ({first} to {last}); "
             "showing to the latest."),
    "as_of": N_("The \"as of\" time in the link ({value}) is outside the program's dates ({first} to {last}); "
                "showing the latest data."),
}


# ---------------------------------------------------------------- reading

def _cut(value: str) -> str:
    return value if len(value) <= MAX_CHARS else value[:MAX_CHARS] + "…"


def _address() -> dict[str, list[str]]:
    """The address as this run has made it so far: the query string with the staged writes applied."""
    qp = st.query_params
    now = {key: qp.get_all(key) for key in qp}
    for key, values in st.session_state.get(PENDING, {}).items():
        if values is None:
            now.pop(key, None)
        else:
            now[key] = values
    return now


def params() -> dict[str, list[str]]:
    """The query string as {key: [values]}, capped (see the module's docstring)."""
    return {key: [_cut(v) for v in values[:MAX_VALUES]] for key, values in list(_address().items())[:MAX_KEYS]}


def overflow() -> dict[str, int]:
    """How many values past MAX_VALUES each key carried (they were not read)."""
    return {key: n - MAX_VALUES for key, values in list(_address().items())[:MAX_KEYS]
            if (n := len(values)) > MAX_VALUES}


def get(key: str) -> str | None:
    """The first value of `key` (capped), or None."""
    values = _address().get(key)
    return None if values is None else _cut(values[0] if values else "")


def has(key: str) -> bool:
    return key in _address()


# ---------------------------------------------------------------- history

def _snapshot() -> tuple:
    qp = st.query_params
    return tuple(sorted((key, tuple(qp.get_all(key))) for key in qp))


def begin_run() -> bool:
    """Called first in every run: whether Back or Forward brought the browser to an address other than
    the one the last run wrote (then the view is reloaded from the address; see the module's docstring)."""
    ss = st.session_state
    ctx = get_script_run_ctx()
    now = _snapshot()
    back = bool(ctx is not None and ctx.is_history_navigation) and ss.get(WRITTEN, now) != now
    if back and ss.get(BARE) == (page_path(st.context.url, st.get_option("server.baseUrlPath") or ""), now):
        back = False  # Streamlit's own entry for the last page switch: it stands for the view our entry shows
    ss[RELOAD] = back
    ss[PENDING] = {}
    return back


def reloading() -> bool:
    """Whether this run restores a view from the address (Back or Forward)."""
    return bool(st.session_state.get(RELOAD, False))


def entering(key: str) -> bool:
    """Whether the setting kept in session key `key` must be read from the address on this run: the page
    is entered (a shared link, a reload or a page switch), or Back or Forward restored an address."""
    return key not in st.session_state or reloading()


def flush(page: str | None = None) -> None:
    """Send this run's staged writes to the address in one message (one history entry), if any changed it.
    `page`: the url_path of the page this run showed (to recognise Streamlit's entry for a page switch)."""
    ss = st.session_state
    before = _snapshot()
    ctx = get_script_run_ctx()
    switched = page is not None and ss.get(PAGE, page) != page and not (ctx is not None and ctx.is_history_navigation)
    pending = ss.pop(PENDING, {}) or {}
    qp = st.query_params
    sets = {k: v if len(v) > 1 else v[0] for k, v in pending.items() if v is not None and qp.get_all(k) != v}
    drops = [k for k, v in pending.items() if v is None and k in qp]
    if sets or drops:
        if drops:
            with get_session_state().query_params() as raw:  # no message yet: `update` sends the one message
                for key in drops:
                    raw.discard_param_no_forward_msg(key)
        qp.update(sets)
        ss[BARE] = (page, before) if switched else None  # set by a switch that pushed a second entry, else cleared
    ss[WRITTEN] = _snapshot()
    if page is not None:
        ss[PAGE] = page


# ---------------------------------------------------------------- writing

def put(key: str, value: str | Sequence[str] | None) -> None:
    """Make the address carry `value` for `key` (None or empty: no `key`), at the end of the run (`flush`)."""
    empty = value is None or (not isinstance(value, str) and not value)
    wanted = None if empty else [value] if isinstance(value, str) else list(value)
    st.session_state.setdefault(PENDING, {})[key] = wanted


def put_choice(key: str, value: str, default: str) -> None:
    """A page choice in the address, left out when it is the default (links stay short)."""
    put(key, None if value == default else value)


def keep_only(keys: Iterable[str], among: Iterable[str]) -> None:
    """Drop every key of `among` that is not in `keys` (a page's parameters that no longer apply)."""
    keep = set(keys)
    for key in [k for k in _address() if k in set(among) and k not in keep]:
        put(key, None)


# ---------------------------------------------------------------- notices

def notice(key: str, values: Sequence[str], more: int = 0, **fields) -> str:
    """The sentence telling which value(s) of `key` the link named and were not used, in the current
    language, with the values echoed as plain text (one sentence for any number of values)."""
    return t(NOTICE_TEXT[key]).format(value=echo_list(list(values), more), **fields)


def notice_texts(notices: Sequence[fl.Notice], program: Program | None, more: Mapping[str, int] = {}) -> list[str]:
    """One sentence per parameter for the URL values that filters.parse_query did not use."""
    groups: dict[tuple[str, str], list[str]] = {}
    for n in notices:
        groups.setdefault((n.key, n.reason), []).append(n.value)
    texts = []
    for (key, reason), values in groups.items():
        if reason == "range" and program is not None:
            first, last = fl.time_window(program)
            texts.append(t(RANGE_TEXT[key]).format(
                value=echo_list(values), first=fmt_datetime(first, program.time_zone, kind="date"),
                last=fmt_datetime(last, program.time_zone, kind="date")))
        else:
            default = program.name(language()) if program is not None else ""
            texts.append(notice(key, values, more.get(key, 0), default=default))
    return texts


def warn(texts: Iterable[str]) -> None:
    for text in texts:
        st.warning(text, icon=":material/link_off:")


# ---------------------------------------------------------------- the shared keys

def language_choice() -> tuple[str, list[str]]:
    """The language: the URL's `lang`, else the browser's, else English; with a notice if unusable."""
    raw = get("lang")
    if raw is not None:
        if raw in LANGS:
            return raw, []
        return "en", [notice("lang", [raw])]
    browser = (st.context.locale or "en").split("-")[0].lower()
    return (browser if browser in LANGS else "en"), []


def write_language(lang: str) -> None:
    """`lang` in the address once it is not English or the address already named one."""
    if lang != "en" or has("lang"):
        put("lang", lang)


def read_filters(default_program: str) -> tuple[Filters, list[str]]:
    """The filters the address names, and a sentence per parameter whose values were not used."""
    progs = programs()
    parsed = fl.parse_query(params(), progs, default_program)
    return parsed, notice_texts(parsed.notices, progs[parsed.program_id], overflow())


def write_filters(f: Filters, default_program: str) -> None:
    """Make the address reproduce `f` (page-specific keys such as grain are left alone)."""
    wanted = fl.to_query(f, programs(), default_program)
    for key in ("program", "from", "to", "as_of", *fl.LIST_KEYS):
        put(key, wanted.get(key))


def read_flag(key: str) -> tuple[bool | None, list[str]]:
    """An on/off setting (`pub=1`): None when absent, off with a notice when unusable."""
    raw = get(key)
    if raw is None:
        return None, []
    if raw in ("1", "true"):
        return True, []
    return False, ([] if raw in ("0", "false") else [notice(key, [raw])])


def write_flag(key: str, on: bool) -> None:
    put(key, "1" if on else None)


def read_grain() -> tuple[str | None, list[str]]:
    """The Velocity page's grain the address names (None when it names none), with a notice if unusable."""
    if not has("grain"):
        return None, []
    grain, bad = fl.parse_grain(params())
    return grain, ([] if bad is None else [notice("grain", [bad.value])])


def link(page: str) -> str:
    """The address of this run's view on `page` (a url_path; "" the home page): the browser's scheme and host,
    the server's base path, and the query string as this run has staged it so far."""
    parts = urlsplit(st.context.url or "")
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    path = "/" + "/".join(p for p in (base, page) if p)
    query = urlencode([(key, v) for key, values in _address().items() for v in values], safe=":")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return origin + path + (f"?{query}" if query else "")


def page_path(url: str | None, base: str = "") -> str:
    """The page part of an address (`/velocity` -> "velocity", "" for the home page), under the
    server's base path `base`."""
    path = urlsplit(url or "").path.strip("/")
    base = base.strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].strip("/")
    return path


def unknown_page(known: Iterable[str]) -> str | None:
    """The page address the browser asked for when no page has it (Streamlit then shows the default page
    without a word), else None."""
    path = page_path(st.context.url, st.get_option("server.baseUrlPath") or "")
    return path if path and path not in set(known) else None


def read_choice(key: str, options: Iterable[str]) -> str | None:
    """A page choice by its code (`?view=share`), None when absent or not one of `options`."""
    raw = get(key)
    return raw if raw in set(options) else None


def coded_choice(key: str, label: str, options: Mapping[str, str]) -> str:
    """A page setting drawn as a segmented control over `options` ({code: label msgid}), kept in the URL under
    `key` by its code (the first option is the default, left out): a Streamlit binding would write the
    translated label, and a link must not depend on the language. Entering the page (a shared link, a reload,
    a page switch, or Back/Forward) reads the URL; after a page switch the last choice comes back."""
    ss = st.session_state
    default = next(iter(options))
    if entering(key):
        wanted = read_choice(key, options)
        ss[key] = wanted or (default if reloading() else ss.get(f"{key}_kept", default))
    lang = language()  # held by the format_func: Streamlit (and AppTest) may call it outside this run
    st.segmented_control(label, list(options), key=key, required=True, format_func=lambda c: t(options[c], lang))
    value = ss[key] or default
    ss[f"{key}_kept"] = value
    put_choice(key, value, default)
    return value
