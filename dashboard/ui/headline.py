"""The headline band: the Overview's first screen answers how fast, from where and when full, in one look.

Three short blocks under the title (side by side on a desk, stacked on a phone): the rate (for an intake
still open the last hour; once the cap is reached or the intake closed, in hindsight: the busiest hour and
the average rate up to the cap, never "last hour: 0"), the leading countries with their shares, and the cap
(reached on ..., or the forecast range). Counts follow publication mode like every other count shown.
The other intake pages are headed by the part they answer at length (PAGE_PARTS), one paragraph each.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import forecast_text
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import fmt_datetime, fmt_duration, fmt_int, fmt_pct, language, t
from dashboard.programs import Program
from dashboard.ui import warm
from dashboard.ui.cache import data_moment, run_metric
from dashboard.ui.page import forecast
from dashboard.ui.publication import count, publication, publish

TOP = 3  # leading countries named
BAND_WAIT = 0.5  # seconds the band waits for a new snapshot's forecast when it has the one made before


def _when_full(f: Filters, program: Program, status: pd.Series, moment: datetime) -> tuple[str, str]:
    tz, cap = program.time_zone, program.cap
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    counted = int(status["counted"])
    against = t("{n} counted toward the cap of {cap}").format(n=count(min(counted, cap) if reached else counted),
                                                          cap=fmt_int(cap))
    if reached is not None:
        return (t("Cap reached {when}").format(when=fmt_datetime(reached, tz)),
                t("{elapsed} after opening; {against}.").format(elapsed=fmt_duration(reached - program.opens_at),
                                                                 against=against))
    if program.closes_at is not None and moment >= program.closes_at:
        return (t("Closed {when}, cap not reached").format(when=fmt_datetime(program.closes_at, tz)), against + ".")
    if moment < program.opens_at:
        return t("Opens {when}").format(when=fmt_datetime(program.opens_at, tz)), against + "."
    # Time to cap's own forecast, once per snapshot and moment for everyone, off the request path. While a new
    # snapshot's is computed the band does not wait: it shows the one made on the data before, with its moment.
    before = warm.latest_forecast("projection", program, f.as_of)
    p = forecast("projection", program, f.as_of, wait=BAND_WAIT if before else None)
    detail = t("Open; {against}.").format(against=against)
    if p is None and before is not None:
        made, p = before
        detail += " " + t("Forecast on the data of {when}; the new one shows on the next refresh.").format(
            when=fmt_datetime(made, tz))
    if p is None:
        return t("The forecast is being computed; it shows on the next refresh."), detail
    return forecast_text.range_sentence(p, tz, opens_at=program.opens_at, closes_at=program.closes_at), detail


def _how_fast(f: Filters, program: Program, status: pd.Series, moment: datetime) -> tuple[str, str]:
    tz = program.time_zone
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    closed = reached is not None or (program.closes_at is not None and moment >= program.closes_at)
    hours = run_metric("arrivals_by_interval", f, minutes=60)
    peak = None
    if not hours.empty and int(hours["principal"].max()) > 0:
        row = hours.loc[hours["principal"].idxmax()]
        peak = t("Busiest hour: {n}, from {when}.").format(
            n=count(row["principal"]), when=fmt_datetime(row["interval_start"].to_pydatetime(), tz))
    if closed:  # in hindsight: the rate up to the cap (or the close), not the quiet hour since
        end = reached or program.closes_at
        span = (end - program.opens_at).total_seconds() / 3600
        n = min(int(status["counted"]), program.cap) if reached else int(status["counted"])
        per_hour = count(round(n / span)) if span > 0 else "—"
        head = (t("{n} principal applications per hour until the cap") if reached
                else t("{n} principal applications per hour until the close")
                ).format(n=per_hour)
        return head, peak or ""
    rate = run_metric("arrival_rate", f).iloc[0]
    head = t("{n} principal applications in the last hour").format(n=count(round(float(rate["principal_per_hour_1h"]))))
    return head, peak or ""


def _from_where(f: Filters) -> tuple[str, str]:
    by = run_metric("applications_by_citizenship", f, top_n=TOP)
    by = by[by["citizenship"].notna()]
    if by.empty:
        return t("No applications match these filters."), ""
    if publication():
        by = publish(by, "applications_by_citizenship")
    lang = language()
    parts = []
    for _, r in by.head(TOP).iterrows():
        share = r.get("principal_share")
        name = country_name(r["citizenship"], lang)
        parts.append(name if share is None or pd.isna(share) else f"{name} {fmt_pct(float(share), 0)}")
    return t("{countries} of principal applications").format(countries=", ".join(parts)), ""


PARTS = ("full", "fast", "where")  # when full, how fast, from where
# Each intake page is headed by the part of the band it answers at length (issue 16); the Overview by all three.
PAGE_PARTS = {"": PARTS, "overview": PARTS, "velocity": ("fast",), "countries": ("where",), "time-to-cap": ("full",)}


def band(f: Filters, program: Program, parts: tuple[str, ...] = PARTS) -> None:
    """Draw the band (see the module's docstring), or the `parts` of it a page answers at length."""
    status = run_metric("cap_status", f).iloc[0]
    moment = data_moment(f, program)
    # No icon before the titles: an icon in Markdown is read out by its English name ("speed icon") in French too.
    answer = {"full": lambda: (t("When full"), _when_full(f, program, status, moment)),
              "fast": lambda: (t("How fast"), _how_fast(f, program, status, moment)),
              "where": lambda: (t("From where"), _from_where(f))}
    blocks = [answer[p]() for p in parts]
    with st.container(border=True, key="headline-band"):
        columns = st.columns(len(blocks), gap="small") if len(blocks) > 1 else [st.container()]
        for col, (title, (head, detail)) in zip(columns, blocks, strict=True):
            # dates, counts and country names the dashboard itself formats (no text from a file or the URL)
            line = t("**{title}:** {answer}").format(title=title, answer=head)  # « **Titre :** »
            if len(blocks) == 1:  # one part, heading its page: one paragraph, a line on a desk
                col.markdown(line + (("" if head.endswith(".") else ".") + f" {detail}" if detail else ""))
                continue
            col.markdown(line)
            if detail:
                col.caption(detail)
