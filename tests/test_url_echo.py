"""Values from outside shown as plain text (issue 15, items 1 and 10): ui.text.echo as a unit, and the
notices of hostile or flooding links through AppTest."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from dashboard.ui import text

APP = str(ROOT / "dashboard" / "app.py")


@pytest.mark.parametrize(("value", "shown"), [
    ("![x](http://127.0.0.1:8799/px.png)", "`![x](http://127.0.0.1:8799/px.png)`"),
    ("**Your session expired.** [Sign in again](http://evil/phish)", "`**Your session expired.** [Sign in again](http://evil/phish)`"),
    (":red[**SECURITY WARNING**]", "`:red[**SECURITY WARNING**]`"),
    ("a`b", "``a`b``"),                        # a backtick inside: a longer fence
    ("`x``", "``` `x`` ```"),                  # backticks at the edges: padded
    ("<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`"),
    ("line\nbreak\u2028and\x1b[2Jescape", "`line break and [2Jescape`"),  # one line, no control characters
    ("", '""'),
    ("   ", '""'),
])
def test_echo_sets_any_value_as_literal_code(value, shown):
    assert text.echo(value) == shown


def test_echo_truncates_long_values():
    shown = text.echo("A" * 100_000)
    assert shown == "`" + "A" * (text.ECHO_CHARS - 1) + "…`"
    assert text.truncate("abcdef", 4) == "abc…"


def test_echo_list_names_a_few_then_counts_the_rest():
    assert text.echo_list(["a", "b"]) == "`a`, `b`"
    assert text.echo_list([f"v{i}" for i in range(10)], more=5) == "`v0`, `v1`, `v2` and 12 more"


def run(query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


def link_notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.icon == ":material/link_off:"]


def test_markdown_in_link_values_is_echoed_as_code(demo_warehouse):
    at = run({"status": "**Your session expired.** [Sign in again](http://127.0.0.1:8799/phish)",
              "country": "![x](http://127.0.0.1:8799/px.png)", "lang": ":red[**SECURITY WARNING**]"})
    assert sorted(link_notices(at)) == [
        "The link asks for an unknown language (`:red[**SECURITY WARNING**]`); showing English.",
        "The link names an unknown country code (`![x](http://127.0.0.1:8799/px.png)`); it was left out.",
        "The link names an unknown status (`**Your session expired.** [Sign in again](http://127.0.0.1:…`); "
        "it was left out.",
    ]


def test_a_flood_of_values_gives_one_short_notice_per_parameter(demo_warehouse):
    # 900 unknown codes (Streamlit itself ignores a query string of more than 1,000 parameters)
    at = run({"country": ["CHN"] + [f"X{i:03d}" for i in range(900)], "role": "r" * 100_000})
    notices = link_notices(at)
    assert notices == [
        "The link names an unknown country code (`X000`, `X001`, `X002` and 897 more); it was left out.",
        "The link names an unknown applicant role (`" + "r" * (text.ECHO_CHARS - 1) + "…`); it was left out.",
    ]
    assert "role" not in at.query_params  # the unusable values left the address
    assert at.query_params["country"] in ("CHN", ["CHN"])


@pytest.mark.parametrize(("address", "base", "page"), [
    ("http://localhost:8501/", "", ""),
    ("http://localhost:8501/velocity?grain=day", "", "velocity"),
    ("http://localhost:8501/nonexistent", "", "nonexistent"),
    ("https://host.example/dash/", "dash", ""),
    ("https://host.example/dash/countries/", "/dash/", "countries"),
    (None, "", ""),
])
def test_the_page_part_of_an_address(address, base, page):
    from dashboard.ui import url

    assert url.page_path(address, base) == page


def test_the_issuances_chart_writes_years_as_years():
    import pandas as pd

    from dashboard import charts

    df = pd.DataFrame({"year": [2017, 2018], "months": [12, 12], "label": ["India", "India"], "rank": [1, 1],
                       "h1b": [100, 120]})
    for lang in ("en", "fr"):
        axis = charts.issuances_chart(df, value="h1b", y_title="H-1B", source="s", lang=lang).layout.xaxis
        assert (axis.tickformat, axis.separatethousands) == ("d", False)
