"""Empty cells on screen: an em dash, never "None", "nan", "NaT" or "<NA>" (issue 16)."""

from __future__ import annotations

import pandas as pd

from dashboard import ui
from dashboard.i18n import set_language

MISSING = ("None", "nan", "NaN", "NaT", "<NA>")


def cells(shown) -> list[list[str]]:
    text = shown.to_string(delimiter="|") if hasattr(shown, "to_string") and not isinstance(shown, pd.DataFrame) \
        else shown.astype(str).to_csv(sep="|")  # raw: Streamlit draws a missing value as "None"
    return [line.split("|")[1:] for line in text.splitlines()[1:]]


def test_every_kind_of_empty_cell_shows_a_dash():
    set_language("en")
    df = pd.DataFrame({
        "citizenship": ["IND", None],  # a country code
        "status": ["approved", None],  # a code shown by its label
        "note": pd.Series(["text", pd.NA], dtype="string"),
        "free": ["x", None],  # object
        "applications": pd.Series([1200, pd.NA], dtype="Int64"),
        "share": [0.5, float("nan")],
        "decided_at": pd.to_datetime(["2023-07-16 09:00", None]),
        "flag": pd.Series([True, pd.NA], dtype="boolean"),
    })
    rows = cells(ui.display_frame(df))
    assert rows[0][0].startswith("India") and rows[0][4] == "1,200" and rows[0][6] == "2023-07-16 09:00:00"
    assert rows[1] == ["—"] * len(df.columns), rows[1]
    assert not any(m == c for row in rows for c in row for m in MISSING)


def test_a_table_of_text_alone_shows_a_dash_too():
    """With no number to format the frame was shown raw, and Streamlit drew its empty cells as "None"."""
    df = pd.DataFrame({"file": ["a.csv", None], "loaded_at": pd.to_datetime(["2023-07-16 09:00", None])})
    assert cells(ui.display_frame(df))[1] == ["—", "—"]
