"""Publication mode (pub=1) on every page that shows application counts, through AppTest: a small count
shows as "--", other counts are rounded to 5, shares come from rounded counts, charts are drawn from the
published rows, and nothing on screen gives a suppressed count back. The US H-1B context page says the
mode does not apply to its published statistics and leaves them alone.

The intake (program pub-intake, cap 30, opens Sun 16 Jul 2023 09:00 EDT), hand-made so that each page has
small and large counts:
  IND principals: 15 from 09:01 to 09:15, 8 from 10:01 to 10:08 (23); 8 spouses 12:01 to 12:08
  KOR principals: 10 from 11:01 to 11:10, 2 on the 17th at 08:10 and 08:20 (12); 2 family at 08:40, 08:50
  CHN principals: 3 at 13:05, 13:10, 13:15
38 principals (published 40), 10 family (10). The cap of 30 is reached at 11:07 (the 7th KOR principal).
A second program (pub-second, cap 20) has 12 principals, for the intakes compared on the Velocity page.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ROOT, open_numbers, row, write_export
from streamlit.testing.v1 import AppTest

from dashboard import disclosure, extract
from dashboard.filters import Filters

APP = str(ROOT / "dashboard" / "app.py")
PROGRAMS = """
[[program]]
id = "pub-intake"
name_en = "Publication intake"
name_fr = "Programme de publication"
short_en = "Publication"
time_zone = "America/Toronto"
opens_at = "2023-07-16T09:00:00"
closes_at = "2023-08-31T00:00:00"
cap = 30
counts_toward_cap = ["principal"]
synthetic = true

[[program]]
id = "pub-second"
name_en = "Second intake"
name_fr = "Deuxième programme"
time_zone = "America/Toronto"
opens_at = "2024-03-01T09:00:00"
cap = 20
counts_toward_cap = ["principal"]
# synthetic, like the first: with real records loaded and no sign-in, record pages are not offered
synthetic = true
"""


def rows() -> list[dict]:
    out = []

    def add(prefix: str, country: str, times: list[str], program: str = "pub-intake") -> None:
        out.extend(row(f"{prefix}{i}", when, citizenship=country, program=program)
                   for i, when in enumerate(times, start=1))

    add("IND-A", "IND", [f"2023-07-16T09:{m:02d}:00" for m in range(1, 16)])
    add("IND-B", "IND", [f"2023-07-16T10:{m:02d}:00" for m in range(1, 9)])
    add("KOR-A", "KOR", [f"2023-07-16T11:{m:02d}:00" for m in range(1, 11)])
    add("KOR-B", "KOR", ["2023-07-17T08:10:00", "2023-07-17T08:20:00"])
    add("CHN-", "CHN", ["2023-07-16T13:05:00", "2023-07-16T13:10:00", "2023-07-16T13:15:00"])
    out += [row(f"S{i}", f"2023-07-16T12:{i:02d}:00", role="spouse", principal=f"IND-A{i}", citizenship="IND",
                program="pub-intake") for i in range(1, 9)]
    out += [row("KF1", "2023-07-17T08:40:00", role="spouse", principal="KOR-B1", citizenship="KOR",
                program="pub-intake"),
            row("KF2", "2023-07-17T08:50:00", role="dependant", principal="KOR-B1", permit="study_permit",
                citizenship="KOR", program="pub-intake")]
    add("SEC", "IND", [f"2024-03-01T09:{m:02d}:00" for m in range(1, 13)], program="pub-second")
    return out


@pytest.fixture(scope="module")
def _pub_dir(tmp_path_factory):
    from dashboard import reference, warehouse
    from dashboard.ingest import ingest

    folder = tmp_path_factory.mktemp("publication")
    programs = folder / "programs.toml"
    programs.write_text(PROGRAMS, encoding="utf-8")
    root = folder / "warehouse"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_PROGRAMS", str(programs))
        mp.setenv("DASHBOARD_WAREHOUSE", str(root))
        ingest([write_export(folder / "export.csv", rows())], root=root, origin="demo")  # synthetic test rows
        with warehouse.writer(root) as con:
            reference.load(con)
    return programs, root


@pytest.fixture
def pub_warehouse(_pub_dir, monkeypatch):
    programs, root = _pub_dir
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(programs))
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(root))
    return root


def render(page: str | None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"program": "pub-intake", **query}.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    open_numbers(at)  # the tables behind the charts, as a click on each "Numbers behind this chart" shows
    assert not at.exception
    return at


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def words(at: AppTest) -> str:
    """Every sentence the page shows (markdown, captions, notices), one per line."""
    return "\n".join(e.value for kind in (at.markdown, at.caption, at.info) for e in kind)


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    return next(t for t in tables(at) if set(columns) <= set(t.columns))


def traces(at: AppTest) -> list[dict]:
    return [tr for chart in at.get("plotly_chart") for tr in json.loads(chart.proto.spec)["data"]]


def values(encoded) -> list[float]:
    """A plotly trace's numbers, whether plain or base64-packed."""
    import base64

    import numpy as np

    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).astype(float).tolist()
    return [float("nan") if v is None else float(v) for v in encoded]


def counts_drawn(at: AppTest) -> list[float]:
    """The numbers on the charts' y axes (times on a y axis, as in the forecasts' history, left out)."""
    out: list[float] = []
    for tr in traces(at):
        y = tr.get("y")
        if isinstance(y, dict) or (isinstance(y, list) and y and not isinstance(y[0], str)):
            out += values(y)
    return out


def shown(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


def never_one_suppressed(table: pd.DataFrame, column: str) -> None:
    """Complementary suppression: a column never hides exactly one non-zero cell (its published total
    minus the others would give it back)."""
    assert int(table[column].isna().sum()) != 1, table


# ---------------------------------------------------------------- velocity

def test_velocity_in_publication_mode(pub_warehouse):
    at = render("velocity", pub="1")
    assert figures(at) == {
        "Principal applications": "40",  # 38, rounded
        "Family applications": "10",
        # the cap of 30 was reached at 11:07 EDT: the rates up to it, from the published 30
        "Per hour until the cap": "14",  # 30 in 2 h 7 min
        "Per hour, final 6 hours": "5.0",  # the same 30, over 6 hours
        "Busiest hour": "15",  # 09:00-10:00
    }
    text = words(at)
    assert "principal applications: 40, family applications (spouses and dependants): 10" in text
    assert "spouses and dependants: 0.0" in text  # no family in the 6 hours before the cap
    early = render("velocity", pub="1", as_of="2023-07-16T09:02")  # before the cap: the last hour, suppressed
    assert {k: v for k, v in figures(early).items() if k.startswith("Per hour")} == {
        "Per hour, last hour": "`--`", "Per hour, last 6 hours": "`--`"}  # IND-A1 and IND-A2: 2, suppressed
    hourly = table_with(at, "principal", "family")
    assert shown(hourly["principal"])[:6] == [15, 10, 10, 0, None, 0]  # 13:00-14:00: CHN's 3, suppressed
    assert shown(hourly["principal"])[-1] is None  # 08:00-09:00 on the 17th: 2
    assert shown(hourly["family"])[3] is None and shown(hourly["family"])[-1] is None  # 8 hidden beside the 2
    for column in ("principal", "family"):
        never_one_suppressed(hourly, column)
    bars = {tr["name"]: values(tr["y"]) for tr in traces(at) if tr["type"] == "bar"}
    principal = bars["Principal applicants"]
    assert principal[:4] == [15.0, 10.0, 10.0, 0.0] and pd.isna(principal[4]) and pd.isna(principal[-1])
    assert not {3.0, 2.0, 8.0} & set(principal + bars["Spouses and dependants"])
    milestones = table_with(at, "Application")
    assert milestones["Application"].tolist() == ["10", "20", "30"]  # never the 1st to the 9th
    assert "A milestone every 10 applications" in text


def test_velocity_by_day_when_every_count_is_suppressed(pub_warehouse):
    """By day: 36 and 2 principals, the 36 hidden beside the 2; 8 and 2 family, both hidden. The page
    still draws (no bar) and says the totals, rounded on their own."""
    at = render("velocity", pub="1", grain="day")
    daily = table_with(at, "principal", "family")
    assert shown(daily["principal"]) == [None, None] and shown(daily["family"]) == [None, None]
    assert "principal applications: 40, family applications (spouses and dependants): 10" in words(at)
    assert "Publication mode: a suppressed count has no bar" in words(at)


def test_velocity_intakes_compared_from_rounded_totals(pub_warehouse):
    at = render("velocity", pub="1")
    text = words(at)
    # pub-intake: 40 (38 rounded) of its cap of 30; pub-second: 10 (12 rounded) of 20
    assert "Publication intake: 133.3% of its cap" in text and "Second intake: 50.0% of its cap" in text
    # the sidebar's narrow picker shows a short name where the program gives one; the title the full one
    assert at.sidebar.selectbox(key="f_program").options == ["Publication", "Second intake"]
    assert at.title[0].value == "Publication intake"
    curves = table_with(at, "program_id", "cumulative")
    assert all(v % 5 == 0 for v in curves["cumulative"])
    assert not {1, 2, 3, 4, 12, 38} & set(curves["cumulative"])


# ---------------------------------------------------------------- country of origin

def test_countries_in_publication_mode(pub_warehouse):
    at = render("countries", pub="1")
    text = words(at)
    # 25 of 40, not 23 of 38 (60.5%)
    assert "India comes first with 25 principal applications, 62.5% of all principal applicants" in text
    assert "60.5%" not in text
    by = table_with(at, "principal", "principal_share", "family")
    assert by["citizenship"].tolist() == ["IND", "KOR", "CHN"]
    assert shown(by["principal"]) == [25, None, None]  # CHN's 3 suppressed, KOR's 12 with it
    assert shown(by["family"]) == [None, None, 0]  # KOR's 2 suppressed, IND's 8 with it
    assert shown(by["principal_share"]) == [0.625, None, None]
    for column in ("principal", "family"):
        never_one_suppressed(by, column)
    bars = {tr["name"]: tr for tr in traces(at) if tr["type"] == "bar"}
    principal = values(bars["Principal applicants"]["x"])
    assert principal[0] == 25.0 and pd.isna(principal[1]) and pd.isna(principal[2])
    assert bars["Principal applicants"]["text"] == ["62.5%", "--", "--"]
    rep = table_with(at, "applications", "applicant_share", "ratio")
    india = rep[rep["citizenship"] == "IND"].iloc[0]
    assert india["applications"] == 25 and india["applicant_share"] == 0.625
    assert india["ratio"] == pytest.approx(0.625 / india["h1b_share"])
    assert india["per_1000"] == pytest.approx(1000 * 25 / india["h1b_issuances"])
    assert shown(rep[rep["citizenship"].isin(["KOR", "CHN"])]["applications"]) == [None, None]
    readable = table_with(at, "Country", "Principal applications")
    assert readable["Principal applications"].tolist()[:3] == ["25", "--", "--"]
    assert readable["Ratio"].tolist()[1:3] == ["--", "--"]


def test_shares_keep_their_base_under_a_country_filter(pub_warehouse):
    """With the citizenship filter, a share is still of every principal applicant (40 published), never of
    the rows shown: KOR's 12 published as 10 is 25% of 40, not 100% of itself."""
    f = Filters("pub-intake", countries=("KOR",))
    table = extract.build("applications_by_citizenship", f, {"top_n": 10}, publication=True).table
    assert table["principal"].tolist() == [10]
    assert table["principal_share"].tolist() == [0.25]


# ---------------------------------------------------------------- time to cap

def test_time_to_cap_in_publication_mode_with_a_small_count(pub_warehouse):
    at = render("time_to_cap", pub="1", as_of="2023-07-16T09:04")  # 4 counted so far
    shown_figures = figures(at)
    assert shown_figures["Counted toward the cap"] == "`--`"
    assert shown_figures["Current rate"] == "—"  # a count over a time would give the count back
    text = words(at)
    assert "The count so far (`--`, from published totals)" in text
    assert "Not shown in publication mode: it comes from unrounded counts." in text
    assert "Not shown in publication mode: the replay follows the applications one by one" in text
    assert not at.slider  # the what-if is not offered
    fan = table_with(at, "count")
    assert fan["count"].tolist() == [30]  # the cap's row only: the counts on the way would give back the 4
    assert not {1.0, 2.0, 3.0, 4.0} & set(counts_drawn(at))  # the curve starts at 0, no suppressed total


def test_time_to_cap_share_of_the_cap_comes_from_the_rounded_count(pub_warehouse):
    at = render("time_to_cap", pub="1", as_of="2023-07-16T11:03")  # 26 counted
    assert figures(at)["Counted toward the cap"] == "25"
    text = words(at)
    assert "83.3% of the cap of 30" in text and "86.7%" not in text
    history = table_with(at, "Forecast made", "Counted")
    assert history["Counted"].tolist() == ["15", "25"]  # 15 at 10:00, 23 at 11:00


# ---------------------------------------------------------------- extracts and US H-1B context

def test_extracts_in_publication_mode(pub_warehouse):
    at = render("extracts", pub="1", metric="counting_arrivals")
    assert any("individual application records cannot be published" in i.value for i in at.info)
    assert not tables(at)
    at = render("extracts", pub="1", metric="arrivals_by_interval", minutes="60")
    hourly = table_with(at, "principal")
    assert shown(hourly["principal"])[:5] == [15, 10, 10, 0, None]


def test_us_h1b_context_says_publication_mode_does_not_apply(pub_warehouse):
    plain, published = render("h1b_context"), render("h1b_context", pub="1")
    assert any("Publication mode does not apply to this page" in i.value for i in published.info)
    assert not any("Publication mode does not apply" in i.value for i in plain.info)
    assert figures(published) == figures(plain)
    for a, b in zip(tables(plain), tables(published), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert len(tables(plain)) >= 4


def test_every_page_renders_in_publication_mode_in_french(pub_warehouse):
    from conftest import app_pages

    from dashboard import i18n

    # AppTest formats the program selectbox's options in the test's own thread: in French there too
    i18n.set_language("fr")
    try:
        for page in app_pages():
            render(None if page["default"] else page["file"][len("views/"):-3], pub="1", lang="fr")
    finally:
        i18n.set_language("en")


# ---------------------------------------------------------------- the same rules in the extracts themselves

def test_milestones_extract_publishes_only_milestones_that_give_back_no_small_count(pub_warehouse):
    """Every application is a milestone with step 1; published, only the 10th, 20th and 30th remain, each
    timed from the one kept before."""
    f = Filters("pub-intake")
    raw = extract.run("milestones", f, {"step": 1})
    table = extract.build("milestones", f, {"step": 1}, publication=True).table
    assert table["milestone"].tolist() == [10, 20, 30]
    kept = raw.set_index("milestone").loc[[10, 20, 30]]
    assert table["since_opening"].tolist() == kept["since_opening"].tolist()
    assert table["since_previous"].tolist() == [kept["since_opening"].iloc[0],
                                                kept["since_opening"].iloc[1] - kept["since_opening"].iloc[0],
                                                kept["since_opening"].iloc[2] - kept["since_opening"].iloc[1]]


def test_public_statistics_and_records_in_publication_mode(pub_warehouse):
    f = Filters("pub-intake")
    lottery = extract.build("h1b_cap_lottery", f, publication=True)
    assert lottery.csv == extract.build("h1b_cap_lottery", f).csv  # published by USCIS: left as published
    with pytest.raises(disclosure.NotPublishable):
        extract.build("counting_arrivals", f, publication=True)  # one row per application


def test_tables_a_page_computes_carry_their_own_provenance(pub_warehouse, monkeypatch):
    """forecast_history is computed by the time-to-cap page, not a query: its zip names it and links to
    that page (it raised KeyError before)."""
    import io
    import zipfile
    from datetime import UTC, datetime

    monkeypatch.setenv("DASHBOARD_BASE_URL", "https://intake.example.gc.ca")
    df = pd.DataFrame({"made_at": pd.to_datetime(["2023-07-16T14:00Z"]), "counted": [15]})
    ex = extract.build("forecast_history", Filters("pub-intake"), df=df, publication=True)
    with zipfile.ZipFile(io.BytesIO(ex.zip_bytes(datetime(2023, 7, 20, tzinfo=UTC)))) as z:
        prov = json.loads(z.read("provenance.json"))
    assert prov["description"].startswith("One row per forecast made along the way")
    assert prov["link"] == "https://intake.example.gc.ca/time-to-cap?program=pub-intake&pub=1&lang=en"
    assert ex.csv.decode("utf-8-sig").splitlines() == ["made_at,counted,counted_suppressed",
                                                        "2023-07-16T10:00:00-04:00,15,False"]


def test_published_tables_keep_the_page_s_number_format():
    """A published table is shown like any other (10 000, 0,63 in French), its suppressed cells as --."""
    from dashboard import i18n, ui

    df = disclosure.publish(pd.DataFrame({"citizenship": ["IND", "CHN", "KOR"], "principal": [10002, 3, 40]}),
                         disclosure.Spec(counts=("principal",), dims=("citizenship",),
                                      ratios={"principal_share": ("principal", None)}))
    table, marked = disclosure.screen_frame(df)
    i18n.set_language("fr")
    try:
        cells = [line.split("|")[1:] for line in ui.display_frame(table, marked).to_string(delimiter="|").splitlines()[1:]]
    finally:
        i18n.set_language("en")
    # 10 002 -> 10 000, of 10 045 in all (0.9955); CHN's 3 suppressed, and KOR's 40, the smallest other, with it
    assert cells == [["Inde (IND)", "10\u00a0000", "1,00"], ["Chine (CHN)", "--", "--"],
                     ["Corée du Sud (KOR)", "--", "--"]]
