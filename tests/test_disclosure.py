"""The publication rule (dashboard/disclosure.py, IRCC's) on hand-made tables: suppression, rounding, totals,
shares, complements. Every expected value here was worked out by hand from the rule."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.disclosure import (
    NotPublishable,
    Spec,
    _groups,
    infer_spec,
    publish,
    published_total,
    round_count,
    screen_frame,
    spec_for,
    suppression_mask,
)
from dashboard.extract import csv_bytes


def values(df: pd.DataFrame, col: str) -> list:
    return [None if pd.isna(v) else int(v) for v in df[col]]


def test_round_count_follows_the_rule():
    assert [round_count(n) for n in (0, 1, 2, 5, 6, 7, 8, 12, 13, 1003, 10_000)] == \
        [0, None, None, None, 5, 5, 10, 10, 15, 1005, 10_000]
    assert round_count(None) is None
    assert published_total([3, 4]) == 5  # 7, rounded on its own
    assert published_total([2, 1]) is None


def test_primary_suppression_hides_every_count_from_1_to_5_and_nothing_else():
    for n in range(0, 12):
        out = publish(pd.DataFrame({"country": ["IND"], "applications": [n]}), Spec(counts=("applications",)))
        assert values(out, "applications") == [None if 1 <= n <= 5 else 5 * ((n + 2) // 5)], n
        assert out["applications_suppressed"].tolist() == [1 <= n <= 5]


def test_rounding_by_hand_at_every_remainder():
    # 6 and 7 round down to 5, 8 and 9 up to 10; 10 stays; 12 -> 10; 13 -> 15; a large count keeps its size
    assert [round_count(n) for n in (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 99_997, 99_998)] == \
        [5, 5, 10, 10, 10, 10, 10, 15, 15, 15, 99_995, 100_000]
    assert round_count(7.0) == 5 and round_count(pd.NA) is None  # floats from a sum, missing values


def test_a_suppressed_cell_cannot_be_recovered_from_the_published_totals():
    """Worked by hand: countries x roles, with the row, column and grand totals an analyst would publish."""
    df = pd.DataFrame({"country": ["IND", "IND", "CHN", "CHN", "KOR", "KOR"],
                       "role": ["principal", "spouse"] * 3,
                       "n": [120, 40, 3, 22, 31, 14]})
    spec = Spec(counts=("n",), dims=("country", "role"))
    # Primary suppression alone would hide only CHN principals (3): the published CHN total (25) less CHN
    # spouses (22 -> 20) and the principal total (154 -> 155) less IND and KOR would give it back.
    primary = suppression_mask({"n": [120, 40, 3, 22, 31, 14]}, [])
    assert [primary[("n", r)] for r in range(6)] == [False, False, True, False, False, False]
    out = publish(df, spec)
    # The complement: the smallest shown cell of the grand total first (KOR spouses, 14), then the CHN row
    # and the principal column each held one hidden cell, so CHN spouses (22) and KOR principals (31) go:
    # a rectangle CHN/KOR x principal/spouse that no margin can open.
    assert values(out, "n") == [120, 40, None, None, None, None]
    hidden = out["n_suppressed"].tolist()
    raw = df["n"].tolist()
    for group in _groups(df, spec):
        total = round_count(sum(raw[r] for _, r in group))
        inside = [r for _, r in group if hidden[r]]
        if total is not None:  # a published total: it hides either nothing or at least two cells
            assert len(inside) != 1, group


def test_one_dimension_a_suppressed_cell_takes_the_next_smallest_with_it():
    df = pd.DataFrame({"citizenship": ["IND", "CHN", "KOR", "FRA", "BRA"], "applications": [100, 3, 12, 0, 40]})
    out = publish(df, Spec(counts=("applications",), dims=("citizenship",)))
    # CHN (3) is suppressed; the total (155) is published, so KOR (12, the smallest shown) goes too.
    assert values(out, "applications") == [100, None, None, 0, 40]
    assert out["applications_suppressed"].tolist() == [False, True, True, False, False]
    assert list(out.columns) == ["citizenship", "applications", "applications_suppressed"]
    assert values(df, "applications") == [100, 3, 12, 0, 40]  # the input is left alone


def test_two_dimensions_complements_in_rows_and_columns():
    df = pd.DataFrame({
        "applicant_role": ["principal"] * 3 + ["spouse"] * 3,
        "status": ["approved", "refused", "withdrawn"] * 2,
        "applications": [50, 4, 20, 30, 9, 7],
    })
    out = publish(df, Spec(counts=("applications",), dims=("applicant_role", "status")))
    # 4 is suppressed; the smallest shown cell (7) goes for the grand total; then the "refused" column
    # and the "withdrawn" column each had one left, so 9 and 20 go: a rectangle no margin can open.
    assert values(out, "applications") == [50, None, None, 30, None, None]


def test_two_suppressed_cells_in_a_group_need_no_complement():
    df = pd.DataFrame({"country": ["A", "B", "C"], "applications": [2, 5, 60]})
    out = publish(df, Spec(counts=("applications",), dims=("country",)))
    assert values(out, "applications") == [None, None, 60]


def test_row_groups_protect_a_row_total():
    df = pd.DataFrame({"hour": ["09", "10", "11"], "principal": [40, 3, 30], "family": [12, 22, 8]})
    spec = Spec(counts=("principal", "family"), dims=("hour",), row_groups=(("principal", "family"),))
    out = publish(df, spec)
    # principal 3 at 10:00 is suppressed; for the principal total 30 (11:00) goes with it; then the 10:00
    # and 11:00 row totals would give each back, so family 22 and 8 go too.
    assert values(out, "principal") == [40, None, None]
    assert values(out, "family") == [10, None, None]
    assert out.columns.tolist() == ["hour", "principal", "principal_suppressed", "family", "family_suppressed"]


def test_a_zero_is_the_last_resort_complement():
    df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"], "n": [0, 0, 1, 6]})
    out = publish(df, Spec(counts=("n",), dims=("a", "b")))
    # 1 is suppressed, 6 goes for the grand total; column q (0 and 6) would give 6 back, so its 0 goes;
    # then row x would give that 0 back, so the other 0 goes: nothing is left to subtract.
    assert values(out, "n") == [None, None, None, None]


def test_totals_are_rounded_on_their_own():
    df = pd.DataFrame({"interval": [1, 2, 3], "arrivals": [3, 10, 2], "cumulative": [3, 13, 15]})
    out = publish(df, Spec(counts=("arrivals",), dims=("interval",), totals=("cumulative",), keep=("interval",)))
    assert values(out, "arrivals") == [None, 10, None]
    assert values(out, "cumulative") == [None, 15, 15]
    assert out["cumulative_suppressed"].tolist() == [True, False, False]


def test_shares_come_from_rounded_counts_and_hide_with_them():
    df = pd.DataFrame({"country": ["IND", "CHN", "KOR"], "applications": [88, 3, 9], "share": [0.88, 0.03, 0.09]})
    out = publish(df, Spec(counts=("applications",), dims=("country",), ratios={"share": ("applications", None)}))
    # total 100 rounded on its own; IND 88 -> 90; CHN and KOR suppressed, so their shares are hidden
    assert out["share"].tolist()[0] == pytest.approx(0.9)
    assert out["share"].isna().tolist() == [False, True, True]


def test_unnamed_numbers_are_dropped_and_records_refused():
    df = pd.DataFrame({"country": ["IND"], "applications": [88], "rate_per_hour": [12.5]})
    out = publish(df, Spec(counts=("applications",)))
    assert "rate_per_hour" not in out.columns
    assert out.attrs["dropped"] == ["rate_per_hour"]
    with pytest.raises(NotPublishable):
        spec_for("application_records", pd.DataFrame({"application_id": ["A"]}))


def test_infer_spec_reads_the_column_types():
    df = pd.DataFrame({"interval_start": pd.to_datetime(["2023-07-16"], utc=True), "role": ["principal"],
                       "arrivals": [3], "cumulative": [3], "ingest_id": [1], "share": [0.5]})
    assert infer_spec(df) == Spec(counts=("arrivals",), dims=("role",), totals=("cumulative",))


def test_csv_has_an_empty_cell_and_a_flag_the_screen_shows_dashes():
    df = pd.DataFrame({"country": ["IND", "CHN", "KOR"], "applications": [88, 3, 9]})
    out = publish(df, Spec(counts=("applications",), dims=("country",)))
    assert csv_bytes(out).decode("utf-8-sig").split("\r\n") == [
        "country,applications,applications_suppressed", "IND,90,False", "CHN,,True", "KOR,,True", ""]
    shown, marked = screen_frame(out)
    assert shown.columns.tolist() == ["country", "applications"]
    assert marked == ["applications"]


@settings(max_examples=120, deadline=None)
@given(cells=st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=4), min_size=2, max_size=4))
def test_no_suppressed_cell_is_alone_in_a_group_with_a_published_total(cells):
    """Random role x status tables: every group whose total is published holds zero or several suppressed
    cells, so subtracting published cells from a published total never isolates one."""
    n_cols = min(len(r) for r in cells)
    df = pd.DataFrame([{"a": f"r{i}", "b": f"c{j}", "n": row[j]} for i, row in enumerate(cells) for j in range(n_cols)])
    spec = Spec(counts=("n",), dims=("a", "b"))
    out = publish(df, spec)
    hidden = out["n_suppressed"].tolist()
    for group in _groups(df, spec):
        total = sum(int(df.loc[r, "n"]) for _, r in group)
        if round_count(total) is not None:  # the total is published
            assert sum(hidden[r] for _, r in group) != 1
    for raw, shown, flag in zip(df["n"], out["n"], hidden, strict=True):
        assert flag == pd.isna(shown)
        assert flag or shown == round_count(raw)
        assert not (1 <= raw <= 5) or flag
