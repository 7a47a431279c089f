"""Publication mode: IRCC's rule for published figures applied to every count shown or downloaded.

The hook for every page:
  table = ui.publish(df, "metric_name")   # rounded/suppressed rows (unchanged when the mode is off);
                                          # build the figure from `table` and pass `table` to chart_block
  ui.count(n)                             # a headline count as text: "--", rounded, or fmt_int(n)
  ui.published_count(n)                   # the same as a number (None = suppressed), for shares
A metric whose columns need more than disclosure.infer_spec (a row total, a share, a numeric column that
is not a count) gets a line in disclosure.SPECS, so the command line publishes it the same way.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import disclosure, signin
from dashboard.i18n import fmt_int, t
from dashboard.ui import url

PUB_KEY = signin.PUB_KEY


def publication() -> bool:
    """Whether publication mode is on in this session."""
    return bool(st.session_state.get(PUB_KEY, False))


def publication_switch() -> None:
    """The sidebar switch, kept in the URL as pub=1 (read from the URL when the session starts)."""
    ss = st.session_state
    if url.entering(PUB_KEY):
        on, notices = url.read_flag(PUB_KEY)
        ss[PUB_KEY] = bool(on)
        url.warn(notices)
    forced = signin.publication_forced()  # real records, seen unsigned or by a viewer: always on
    st.sidebar.toggle(t("Publication mode"), key=PUB_KEY, disabled=forced, help=t(
        "Apply IRCC's rule for published figures to every count shown or downloaded: counts from 1 to 5 are "
        "suppressed (shown as `--`), all others are rounded to the nearest multiple of 5.") + (" " + t(
        "It is always on for you: only analysts and administrators see unrounded counts of real records.")
        if forced else ""))
    url.write_flag(PUB_KEY, ss[PUB_KEY])


def publication_note() -> None:
    if publication():
        st.info(t("Publication mode: counts from 1 to 5 are suppressed (shown as `--`; in CSV files an empty cell "
                  "flagged in a `_suppressed` column), all other counts are rounded to the nearest multiple of 5, "
                  "and totals are rounded on their own, so they may differ from the sum of their parts. Shares "
                  "are computed from rounded counts; some further cells are suppressed so that no suppressed "
                  "count can be worked out from a total."), icon=":material/shield:")


def publish(df: pd.DataFrame, metric: str | None = None, spec: disclosure.Spec | None = None) -> pd.DataFrame:
    """`df` under IRCC's rule when publication mode is on (the metric's spec unless one is given); else `df`."""
    if not publication() or df.attrs.get("published"):
        return df
    return disclosure.publish(df, spec or (disclosure.spec_for(metric, df) if metric else disclosure.infer_spec(df)))


def as_published(df: pd.DataFrame) -> pd.DataFrame:
    """Rows a page computed from published rows (shares of rounded counts, say): marked as published in
    publication mode, so chart_block and the download show them as they are; `df` when the mode is off."""
    if publication():
        df = df.copy()
        df.attrs = {"published": True, "dropped": []}
    return df


def suppressed_bars_note() -> None:
    """Above a bar chart in publication mode: why some bars are missing."""
    if publication():
        st.caption(t("Publication mode: a suppressed count has no bar; the numbers below the chart show it as "
                     "`--`."))


def published_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """cumulative_principals' rows under the publication rule, without the moments whose total is suppressed
    (for drawing a cumulative curve in publication mode)."""
    rows = publish(curve, "cumulative_principals")
    return rows[rows["cumulative"].notna()].astype({"cumulative": "int64"})


def published_count(n: float | int | None) -> int | float | None:
    """A count as publication mode shows it (None = suppressed); the count itself when the mode is off."""
    if n is None or pd.isna(n):
        return None
    return disclosure.round_count(n) if publication() else n


# Markdown turns a bare "--" into an em dash; as inline code it stays "--".
SUPPRESSED_TEXT = f"`{disclosure.SUPPRESSED_MARK}`"


def count(n: float | int | None) -> str:
    """A count as Markdown text (st.metric, st.markdown, st.caption): `--` when suppressed, rounded in
    publication mode, else fmt_int."""
    if publication() and n is not None and not pd.isna(n) and disclosure.round_count(n) is None:
        return SUPPRESSED_TEXT
    return fmt_int(published_count(n))

