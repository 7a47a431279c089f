"""Every page of the app's navigation, in English and in French, through AppTest: each chart comes with its
summary and its numbers, speaks the page's language, and tells its traces apart by more than colour; the
French pages show no English sentence and no English number or time format.

Pages are read from dashboard/app.py (conftest.app_pages), so a page merged later is checked too.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ROOT, app_pages, open_numbers
from streamlit.testing.v1 import AppTest

from dashboard import i18n, sidebar

APP = str(ROOT / "dashboard" / "app.py")
PAGES = app_pages()
LANGS = ("en", "fr")
# Whole English function words: none of them is a French word, so one in a French page is a string that
# did not go through t() (or a catalogue entry copied untranslated).
ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|from|by|to|is|are|this|these|for|was|were|has|have|than)\b", re.I)
# English number and time formats: 10,000 / 3.5 / 14:05 (ISO timestamps and code spans are left alone).
ENGLISH_FORMATS = re.compile(r"\d,\d{3}(?!\d)|\d\.\d|(?<![\dT:])\d{1,2}:\d{2}(?![\d:])")


_FRENCH: dict[tuple[str, str], AppTest] = {}


def render(page: dict, lang: str) -> AppTest:
    """The page in `lang`, its numbers opened. A French page is run once for the tests that each check it
    (charts, English words, the loops' own check): they only read the finished run, on the one shared
    warehouse, so every further run would be the same."""
    key = (os.environ["DASHBOARD_WAREHOUSE"], page["file"])
    if lang == "fr" and key in _FRENCH:
        return _FRENCH[key]
    at = _render(page, lang)
    if lang == "fr":
        _FRENCH[key] = at
    return at


def _render(page: dict, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.session_state[sidebar.FILTERS_OPEN] = True  # the filters section's widgets are checked too
    at.run()
    if not page["default"]:
        at.switch_page(page["file"])
        at.run()
    return open_numbers(at)  # every table behind a chart is checked too, as a click shows it


def walk(node):
    """Every element under `node`, depth first, with its parent block."""
    for child in getattr(node, "children", {}).values():
        yield child, node
        yield from walk(child)


def texts(at: AppTest) -> list[str]:
    """The words a person sees: element values and labels, widget help and options, chart texts."""
    out: list[str] = []
    for root in (at.sidebar, at.main):
        for el, _ in walk(root):
            for attr in ("value", "label", "help", "placeholder", "body"):
                try:
                    v = getattr(el, attr, None)
                except Exception:  # noqa: BLE001 - some elements compute attributes from absent state
                    v = None
                if isinstance(v, str):
                    out.append(v)
            for attr in ("options",):
                v = getattr(el, attr, None)
                if isinstance(v, list | tuple):
                    out.extend(str(o) for o in v)
            if getattr(el, "type", None) == "plotly_chart":
                out.extend(figure_texts(json.loads(el.proto.spec)))
    return out


def figure_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = [layout.get("title", {}).get("text") or ""]
    for name, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*", name) and isinstance(axis, dict):
            out.append((axis.get("title") or {}).get("text") or "")
    out += [a.get("text") or "" for a in layout.get("annotations", [])]
    out += [tr.get("name") or "" for tr in spec.get("data", [])]
    return [t for t in out if t]


def prose(text: str) -> str:
    """`text` without code spans, URLs and file paths (identifiers, not language), nor titles cited in
    their own language, which are set in italics (*Characteristics of H-1B Specialty Occupation Workers*
    in Markdown; <i>...</i> in a figure's text, plotly's markup for the same italics)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"(?<!\*)\*(?!\*)[^*]+(?<!\*)\*(?!\*)", " ", text)
    text = re.sub(r"<i>.*?</i>", " ", text, flags=re.S)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"\S+/\S+\.\w+", " ", text)


def charts(at: AppTest) -> list[tuple]:
    """(chart element, its parent block) for every plotly chart on the page."""
    return [(el, parent) for root in (at.sidebar, at.main) for el, parent in walk(root)
            if getattr(el, "type", None) == "plotly_chart"]


def distinguishing(trace: dict) -> tuple:
    """What tells a trace apart without colour: its pattern, dash, symbol and mode."""
    marker, line = trace.get("marker", {}), trace.get("line", {})
    return tuple(tuple(v) if isinstance(v, list) else v  # plotly takes a symbol (or pattern) per point too
                 for v in (trace.get("type", "scatter"), (marker.get("pattern") or {}).get("shape"), line.get("dash"),
                           marker.get("symbol"), trace.get("mode")))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES, ids=[p["url_path"] for p in PAGES])
def test_every_chart_has_its_summary_numbers_language_and_more_than_colour(shared_reference_warehouse, page, lang):
    at = render(page, lang)
    assert not at.exception
    for chart, parent in charts(at):
        siblings = list(parent.children.values())
        i = siblings.index(chart)
        before = siblings[i - 1] if i else None
        after = siblings[i + 1] if i + 1 < len(siblings) else None
        where = f"{page['file']} ({lang}), chart {chart.proto.id}"
        assert getattr(before, "type", None) == "markdown" and before.value.strip(), f"{where}: no summary above"
        assert getattr(after, "type", None) == "expander", f"{where}: no numbers block below (use ui.chart_block)"
        inside = [getattr(el, "type", None) for el, _ in walk(after)]
        assert "arrow_data_frame" in inside or "dataframe" in inside, f"{where}: no table in the numbers block"
        assert "download_button" in inside, f"{where}: no CSV download in the numbers block"
        assert chart.proto.alt.strip(), f"{where}: no accessible name (alt)"
        config = json.loads(chart.proto.config)
        code = i18n.plotly_locale_code(lang)
        assert config.get("locale") == code and code in config.get("locales", {}), f"{where}: no plotly locale"
        spec = json.loads(chart.proto.spec)
        assert spec["layout"].get("separators") == i18n.plotly_separators(lang), f"{where}: separators"
        shown = [tr for tr in spec["data"] if tr.get("showlegend", True) is not False]
        kinds = [distinguishing(tr) for tr in shown]
        assert len(set(kinds)) == len(kinds), f"{where}: traces told apart by colour alone: {kinds}"


@pytest.mark.parametrize("page", PAGES, ids=[p["url_path"] for p in PAGES])
def test_french_pages_show_no_english(shared_reference_warehouse, page):
    at = render(page, "fr")
    assert not at.exception
    english = [t for t in texts(at) if ENGLISH_WORDS.search(prose(t))]
    assert english == [], f"{page['file']}: English in the French page (missing t() or translation)"
    formats = [t for t in texts(at) if ENGLISH_FORMATS.search(prose(t))]
    assert formats == [], f"{page['file']}: numbers or times not formatted for French (use i18n.fmt_*)"
    headers = untranslated_headers(at)
    assert headers == [], (f"{page['file']}: table columns shown by their CSV identifier; add them to "
                           "ui.COLUMN_LABELS or pass labels={...: N_(...)} to ui.chart_block")


def untranslated_headers(at: AppTest) -> list[str]:
    """Columns of the page's tables whose header is still the CSV identifier (tables show headers in the
    page's language; the CSV keeps the identifiers). An identifier is lower-case snake_case, with the
    zone of a time column after it ("submitted_at (America/Toronto)"); a table built with translated
    headers ("Pays", "Demandes principales") has nothing to relabel."""
    out = []
    for root in (at.sidebar, at.main):
        for el, _ in walk(root):
            if getattr(el, "type", None) in ("dataframe", "arrow_data_frame"):
                config = json.loads(el.proto.columns or "{}")
                out += [str(c) for c in el.value.columns
                        if config.get(str(c), {}).get("label", str(c)) == str(c) and IDENTIFIER.fullmatch(str(c))]
    return out


IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(?: \(.+\))?")


def test_the_checks_see_every_page_and_chart(shared_reference_warehouse):
    """The loops above are not vacuous: they find the Overview's two charts and its words."""
    assert {"views/overview.py", "views/about.py"} <= {p["file"] for p in PAGES}
    at = render(PAGES[0], "fr")
    assert len(charts(at)) == 2
    words = texts(at)
    assert "Vue d'ensemble" in words or any("Où en sont les demandes" in w for w in words)
    assert "Plafond : 5" in words  # the cap line's label, from the figure
    tables = [el for el, _ in walk(at.main) if getattr(el, "type", None) in ("dataframe", "arrow_data_frame")]
    assert [json.loads(el.proto.columns)["cumulative"]["label"] for el in tables[:1]] == ["Total cumulé"]
    assert len(tables) == 2 and untranslated_headers(at) == []


@pytest.mark.parametrize(("text", "english"), [
    ("Demandes par rôle et par statut", False),
    ("Source : Département d'État des États-Unis", False),
    ("USCIS, *Characteristics of H-1B Specialty Occupation Workers* (compilé)", False),
    ("Source : USCIS, <i>Characteristics of H-1B Specialty Occupation Workers</i> (compilé)", False),
    ("Source : USCIS, <i>Characteristics</i> of H-1B workers", True),
    ("Lancez `make warehouse` pour charger la démo", False),
    ("Applications by role and status", True),
    ("Statut : plafond of 10 000", True),
])
def test_english_words_check(text, english):
    assert bool(ENGLISH_WORDS.search(prose(text))) is english


@pytest.mark.parametrize(("header", "identifier"), [
    ("count", True), ("submitted_at (America/Toronto)", True), ("h4_per_h1b", True), ("iso3", True),
    ("Pays", False), ("Demandes principales", False), ("P10", False), ("Médiane (P50)", False),
])
def test_identifier_check(header, identifier):
    assert bool(IDENTIFIER.fullmatch(header)) is identifier


@pytest.mark.parametrize(("text", "english"), [
    ("10 000 demandes", False), ("42,5 %", False), ("lun. 17 juill. 2023, 14 h 05 HAE", False),
    ("instantané 2023-07-16T14:05:00", False), ("10,000 demandes", True), ("3.5 %", True), ("à 14:05", True),
])
def test_english_formats_check(text, english):
    assert bool(ENGLISH_FORMATS.search(prose(text))) is english


def test_tables_show_numbers_codes_and_countries_in_the_page_s_language():
    import pandas as pd

    from dashboard import ui

    df = pd.DataFrame({"citizenship": ["KOR"], "status": ["approved"], "applications": [10000],
                       "share": [0.4251], "cumulative": [7.0], "note": ["x"]})
    i18n.set_language("fr")
    try:
        shown = ui.display_frame(df).to_string(delimiter="|").splitlines()[1].split("|")
        assert shown[1:] == ["Corée du Sud (KOR)", "Approuvée", "10\u00a0000", "0,43", "7", "x"]
        assert ui.column_label("interval_start (America/Toronto)") == "Début de l'intervalle (America/Toronto)"
        assert ui.column_label("memo") == "memo"  # a column no table names keeps its identifier
        assert ui.column_label("memo", {"memo": "Mémo"}) == "Mémo"
        assert ui.column_label("note") == "Remarque"  # the reference tables' note column
    finally:
        i18n.set_language("en")
    assert ui.column_label("applicant_role") == "Applicant role"
