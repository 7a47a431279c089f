"""The reference statistics load as published."""

from __future__ import annotations

from conftest import support_query


def test_calendar_2023_h1b_issuances_equal_the_published_file(shared_reference_warehouse):
    df = support_query("_test_issuances_2023", {})
    assert dict(zip(df["nationality_std"], df["issuances"], strict=True)) == {"India": 193384, "China - mainland": 30133}
