"""The minister's brief: one page (at most two) of PDF on where an intake stands, in English or French.

    python -m dashboard.brief --program ID [--as-of TIME] [--lang en|fr] [--publication] --out FILE.pdf

What it holds: the program's name, the status sentence, the count against the cap, the cap moment or the
forecast range in words, the peak rate, the leading countries against the US H-1B population, the
headline chart and the arrivals chart (the dashboard's own figures, charts.py), the data's freshness, the
filters in force, the synthetic-data label where it applies, the sources, and a footer with the data
version and a link to the same view (DASHBOARD_BASE_URL).

How it is drawn: a print-styled HTML page, with plotly.js inlined from the installed plotly package,
printed to PDF by the headless Chromium the tests already use (Playwright, /usr/bin/chromium or
DASHBOARD_CHROMIUM). Every request the page would make is refused, so nothing leaves the machine.
Why not plotly's kaleido: measured on this machine (2 cores), kaleido 1.5 with Debian's Chromium took
3.9-5.0 s per chart image and would still need a PDF layout library besides; the browser lays out the
text and draws both charts in one 4-7 s pass, keeps the charts as vector graphics (their text is
searchable), and needs no dependency the project lacks (docs in README "The minister's brief").

No streamlit here: the Overview's "Brief (PDF)" button calls `build` (and `audit`) like the command line.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextvars
import html
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from dashboard import charts, cli, disclosure, extract, forecast, forecast_text, logs, metrics, warehouse
from dashboard import filters as fl
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import (
    N_,
    fmt_datetime,
    fmt_duration,
    fmt_int,
    fmt_num,
    fmt_pct,
    plotly_locale,
    plotly_locale_code,
    set_language,
    t,
    tn,
    zone_label,
)
from dashboard.programs import Program, ProgramConfigError, programs

TOP_COUNTRIES = 5
# A code's word in the filter lines where its capitalised form is not already a msgid (marked for Babel)
VALUE_LABELS = {"principal": N_("Principal")}
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHART_WIDTH = 680  # CSS pixels: an A4 page less its margins
SUPPRESSED = disclosure.SUPPRESSED_MARK


class BriefError(RuntimeError):
    """The brief cannot be written; the message says why and what to do."""


@dataclass
class Brief:
    """Everything the page shows, already in its language and under the publication rule."""

    program: Program
    filters: Filters
    lang: str
    publication: bool
    moment: datetime
    status: str  # may hold **bold** (the Overview's sentence)
    counted: str
    share: str | None
    remaining: str
    family: str
    outlook: str
    peak: str | None
    countries: list[dict] = field(default_factory=list)
    countries_year: int | None = None
    figures: list[dict] = field(default_factory=list)  # plotly JSON, with a one-line summary each
    freshness: str = ""
    filters_text: list[str] = field(default_factory=list)
    synthetic: str | None = None
    sources: list[str] = field(default_factory=list)
    version: dict = field(default_factory=dict)
    link: str = ""
    figures_raw: dict = field(default_factory=dict)  # the counts behind the text, for tests and the audit


def data_moment(f: Filters, program: Program, freshness: pd.Series) -> datetime:
    """The moment the figures stand at (as the Overview says it, ui.data_moment): the as-of moment, or the
    moment the data are complete up to, never later than now; in the program's zone."""
    now = warehouse.now_utc().astimezone(program.tz)
    if f.as_of is not None:
        return min(f.as_of, now)
    known = [v.to_pydatetime() for v in (freshness["last_ingest_at"], freshness["latest_submission"])
             if not pd.isna(v)]
    return min(max(known), now).astimezone(program.tz) if known else now


def _count(n, publication: bool, lang: str) -> str:
    """A count as text under the publication rule ("--" when suppressed)."""
    if n is None or pd.isna(n):
        return "—"
    if publication:
        rounded = disclosure.round_count(n)
        return SUPPRESSED if rounded is None else fmt_int(rounded, lang)
    return fmt_int(n, lang)


def _status(program: Program, reached: datetime | None, moment: datetime, lang: str) -> str:
    tz = program.time_zone
    if reached is not None:
        return t("**Status: cap reached** on {when}, {elapsed} after opening.", lang).format(
            when=fmt_datetime(reached, tz, lang), elapsed=fmt_duration(reached - program.opens_at, lang))
    if program.closes_at is not None and moment >= program.closes_at:
        return t("**Status: closed** on {when} without reaching the cap.", lang).format(
            when=fmt_datetime(program.closes_at, tz, lang))
    if moment < program.opens_at:
        return t("**Status: not yet open.** Opens {when}.", lang).format(when=fmt_datetime(program.opens_at, tz, lang))
    return t("**Status: open**, {elapsed} since opening (as of {moment}).", lang).format(
        elapsed=fmt_duration(moment - program.opens_at, lang), moment=fmt_datetime(moment, tz, lang))


def _filters_text(f: Filters, program: Program, lang: str, publication: bool) -> list[str]:
    tz = program.time_zone
    out = [t("As of: {moment}", lang).format(moment=fmt_datetime(f.as_of, tz, lang)) if f.as_of
           else t("As of: the latest data", lang)]
    if f.start:
        out.append(t("Submitted from: {moment}", lang).format(moment=fmt_datetime(f.start, tz, lang)))
    if f.end:
        out.append(t("Submitted before: {moment}", lang).format(moment=fmt_datetime(f.end, tz, lang)))
    if f.countries:
        out.append(t("Citizenship: {values}", lang).format(
            values=", ".join(country_name(c, lang) for c in f.countries)))
    for values, msgid in ((f.roles, N_("Applicant role: {values}")), (f.permits, N_("Permit type: {values}")),
                          (f.statuses, N_("Status: {values}"))):
        if values:
            out.append(t(msgid, lang).format(values=", ".join(
                t(VALUE_LABELS.get(v) or v.replace("_", " ").capitalize(), lang) for v in values)))
    out.append(t("Publication mode: on (counts from 1 to 5 suppressed, others rounded to a multiple of 5)", lang)
               if publication else t("Publication mode: off (exact counts, for internal use)", lang))
    return out


def _representation_year(f: Filters, program: Program) -> int | None:
    present = set(metrics.tables_present(f)["table_name"])
    if not {"h1b_issuances", "h1b_approvals_by_birth"} <= present:
        return None
    years = metrics.h1b_issuance_years(f)
    if years.empty:
        return None
    months = dict(zip(years["year"].astype(int), years["months"].astype(int), strict=True))
    full = [y for y, m in months.items() if m == 12] or list(months)
    return program.opens_at.year if program.opens_at.year in months else max(full)


def _countries(f: Filters, program: Program, lang: str, publication: bool) -> tuple[list[dict], int | None]:
    year = _representation_year(f, program)
    if year is None:
        return [], None
    rep = metrics.h1b_representation(f, year=year, top_n=TOP_COUNTRIES)
    if publication:
        rep = disclosure.publish(rep, disclosure.spec_for("h1b_representation", rep))
    rows = []
    def pct(r: pd.Series, col: str) -> str:
        return "—" if col not in rep.columns or pd.isna(r[col]) else fmt_pct(float(r[col]), 1, lang)

    for _, r in rep[rep["citizenship"].notna()].iterrows():
        ratio = r.get("ratio")
        rows.append({
            "country": country_name(r["citizenship"], lang),
            "applications": _count(r["applications"], False, lang) if not publication else (
                SUPPRESSED if pd.isna(r["applications"]) else fmt_int(r["applications"], lang)),
            "applicant_share": pct(r, "applicant_share"),
            "h1b_share": pct(r, "h1b_share"),
            "ratio": "—" if ratio is None or pd.isna(ratio) else fmt_num(float(ratio), 2, lang),
        })
    return rows, year


def _figure_json(fig) -> dict:
    return json.loads(fig.to_json())


def gather(f: Filters, *, lang: str = "en", publication: bool = False) -> Brief:
    """The brief's content for `f` (program-wide figures at its as-of moment; breakdowns under its filters)."""
    set_language(lang)  # charts.py reads the language from the context (this runs in a copied one)
    program = programs()[f.program_id]
    tz = program.time_zone
    wide = Filters(program.id, as_of=f.as_of)
    fresh = metrics.data_freshness(Filters(program.id)).iloc[0]
    moment = data_moment(f, program, fresh)
    status = metrics.cap_status(wide).iloc[0]
    counted, cap = int(status["counted"]), program.cap
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    shown = min(counted, cap) if reached else counted
    published = (disclosure.round_count(shown) if publication else shown)
    share = None if published is None else t("{share} of the cap of {cap}", lang).format(
        share=fmt_pct(published / cap, 1, lang), cap=fmt_int(cap, lang))
    remaining = (fmt_int(max(cap - published, 0), lang) if published is not None else SUPPRESSED) if publication \
        else fmt_int(status["remaining"], lang)

    times = metrics.counting_times(wide)["submitted_at"]
    projection = forecast.project_cap(times, cap, moment, opens_at=program.opens_at, closes_at=program.closes_at)
    outlook = forecast_text.range_sentence(projection, tz, opens_at=program.opens_at, closes_at=program.closes_at,
                                           lang=lang)

    series = metrics.arrivals_by_interval(f, minutes=60)
    peak_text = None
    peak_count = None
    if not series.empty and int(series["principal"].max()) > 0:
        peak = series.loc[series["principal"].idxmax()]
        peak_count = int(peak["principal"])
        peak_text = t("The busiest hour began {when}, with {n} principal applications.", lang).format(
            when=fmt_datetime(peak["interval_start"].to_pydatetime(), tz, lang),
            n=_count(peak_count, publication, lang))
    countries, year = _countries(f, program, lang, publication)

    figures = []
    curve = metrics.cumulative_principals(f)
    if not curve.empty:
        drawn = curve
        if publication:
            drawn = disclosure.publish(curve, disclosure.spec_for("cumulative_principals", curve))
            drawn = drawn[drawn["cumulative"].notna()].astype({"cumulative": "int64"})
        total = int(curve["cumulative"].iloc[-1])
        figures.append({"figure": _figure_json(charts.cumulative_chart(drawn, program, reached, lang=lang)),
                        "summary": tn("{total} principal application arrived by {last}; the cap of {cap} is "
                                      "drawn as a dashed line.",
                                      "{total} principal applications arrived by {last}; the cap of {cap} is drawn "
                                      "as a dashed line.", disclosure.round_count(total) if publication else total,
                                      lang).format(
                            total=_count(total, publication, lang),
                            last=fmt_datetime(curve["interval_start"].iloc[-1].to_pydatetime(), tz, lang),
                            cap=fmt_int(cap, lang))})
    if peak_text:
        hourly = series.iloc[:2000]
        if publication:
            hourly = disclosure.publish(hourly, disclosure.spec_for("arrivals_by_interval", hourly))
        focus = charts.principal_focus(series)
        fig = charts.arrivals_chart(hourly, program, reached, t("hour", lang), focus, lang=lang)
        figures.append({"figure": _figure_json(fig), "summary": t(
            "Applications per hour: principal applicants, and their spouses and dependants.", lang)})

    last_ingest = None if pd.isna(fresh["last_ingest_at"]) else fresh["last_ingest_at"].to_pydatetime()
    latest = None if pd.isna(fresh["latest_submission"]) else fresh["latest_submission"].to_pydatetime()
    freshness = t("Data as of the last ingest, {ingest}; newest submission {latest}. Times in {zone}.", lang).format(
        ingest=fmt_datetime(last_ingest, tz, lang), latest=fmt_datetime(latest, tz, lang), zone=zone_label(tz, lang))
    sources = [charts.source_note(program, lang=lang) + "."]
    if year is not None:
        sources.append(t("H-1B visas: US Department of State, visas issued by nationality, calendar {year}.", lang)
                       .format(year=year))
    sources.append(t("Forecast: simulation of the arrivals to come, fitted to those so far (docs/forecast.md).", lang))
    version = extract.data_version(program.id, metrics.data_freshness(Filters(program.id)))
    return Brief(
        program=program, filters=f, lang=lang, publication=publication, moment=moment,
        status=_status(program, reached, moment, lang),
        counted=_count(shown, publication, lang), share=share, remaining=remaining,
        family=_count(status["family"], publication, lang), outlook=outlook, peak=peak_text,
        countries=countries, countries_year=year, figures=figures, freshness=freshness,
        filters_text=_filters_text(f, program, lang, publication),
        synthetic=t("Demo: these applications are synthetic, generated to match published facts about the "
                    "2023 intake. They are not real application records.", lang) if program.synthetic else None,
        sources=sources, version=version, link=link(f, lang=lang, publication=publication),
        figures_raw={"counted": shown, "cap": cap, "cap_reached_at": reached, "peak": peak_count,
                     "family": int(status["family"])},
    )


def link(f: Filters, *, lang: str, publication: bool) -> str:
    """The Overview showing the same view (DASHBOARD_BASE_URL)."""
    query = fl.to_query(f, programs(), default_program=None)
    if publication:
        query["pub"] = ["1"]
    query["lang"] = [lang]
    return f"{extract.base_url()}/overview?{urlencode(query, doseq=True)}"


# ---------------------------------------------------------------- the page

CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: #222; font-size: 10pt;
       line-height: 1.35; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2pt 0; }
.sub { color: #595959; margin: 0 0 6pt 0; }
.synthetic { border: 1.5pt solid #D55E00; padding: 4pt 6pt; margin: 4pt 0 6pt 0; font-weight: 600; }
.status { font-size: 11.5pt; margin: 4pt 0; }
.figures { display: flex; gap: 8pt; margin: 6pt 0; }
.figures div { flex: 1; border-left: 3pt solid #0072B2; padding: 2pt 6pt; }
.figures b { display: block; font-size: 14pt; }
.outlook { font-weight: 600; margin: 4pt 0; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; font-size: 9pt; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 2pt 4pt; text-align: right; }
th:first-child, td:first-child { text-align: left; }
h2 { font-size: 11pt; margin: 8pt 0 2pt 0; }
.chart { width: 100%; break-inside: avoid; margin: 2pt 0; }
.chart p { margin: 2pt 0; }
.small { font-size: 8.5pt; color: #444; }
ul { margin: 2pt 0; padding-left: 14pt; }
footer { margin-top: 6pt; border-top: 0.5pt solid #999; padding-top: 3pt; font-size: 8pt; color: #444;
         word-break: break-all; }
"""


def _text(s: str) -> str:
    """Escaped text, with the **bold** marks of the dashboard's own sentences as <strong>."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(s))


def page_html(b: Brief, plotly_js: str | None = None) -> str:
    """The print-styled page. Every value is escaped; the figures go in as JSON data, not markup."""
    lang = b.lang
    e = html.escape
    p = b.program
    parts = [f"<!doctype html><html lang='{e(plotly_locale_code(lang))}'><head><meta charset='utf-8'>",
             f"<title>{e(t('Brief', lang))}: {e(p.name(lang))}</title><style>{CSS}</style></head><body>"]
    parts.append(f"<h1>{e(p.name(lang))}</h1>")
    parts.append("<p class='sub'>" + e(t("Brief for the minister, figures as of {moment}", lang).format(
        moment=fmt_datetime(b.moment, p.time_zone, lang))) + "</p>")
    if b.synthetic:
        parts.append(f"<p class='synthetic'>{e(b.synthetic)}</p>")
    parts.append(f"<p class='status'>{_text(b.status)}</p>")
    counted_caption = e(b.share) if b.share else ""
    parts.append("<div class='figures'>"
                 f"<div>{e(t('Counted against the cap', lang))}<b>{e(b.counted)}</b>{counted_caption}</div>"
                 f"<div>{e(t('Places remaining', lang))}<b>{e(b.remaining)}</b></div>"
                 f"<div>{e(t('Family applications', lang))}<b>{e(b.family)}</b>"
                 f"{e(t('not counted against the cap', lang))}</div></div>")
    parts.append(f"<p class='outlook'>{e(b.outlook)}</p>")
    if b.peak:
        parts.append(f"<p>{e(b.peak)}</p>")
    for i, fig in enumerate(b.figures):
        if i == 1 and b.countries:
            parts.append(_countries_html(b))
        parts.append(f"<div class='chart'><p>{e(fig['summary'])}</p><div id='chart-{i}'></div></div>")
    if len(b.figures) < 2 and b.countries:
        parts.append(_countries_html(b))
    parts.append(f"<h2>{e(t('Data and filters', lang))}</h2><ul class='small'>")
    parts.append(f"<li>{e(b.freshness)}</li>")
    parts.extend(f"<li>{e(x)}</li>" for x in b.filters_text)
    parts.append("</ul>")
    parts.append(f"<h2>{e(t('Sources', lang))}</h2><ul class='small'>")
    parts.extend(f"<li>{e(s)}</li>" for s in b.sources)
    parts.append("</ul>")
    v = b.version
    version = t("Data version: snapshot {snapshot}, ingest {ingest}, file {hash}, ingested {at}.", lang).format(
        snapshot=v.get("snapshot") or "—", ingest=v.get("ingest_id") or "—",
        hash=(v.get("file_hash") or "—")[:12],
        at=fmt_datetime(datetime.fromisoformat(v["ingested_at"]), p.time_zone, lang) if v.get("ingested_at") else "—")
    parts.append(f"<footer>{e(version)}<br>{e(t('The same view on the dashboard:', lang))} "
                 f"<a href='{e(b.link)}'>{e(b.link)}</a></footer>")
    if b.figures and plotly_js is not None:
        code = plotly_locale_code(lang)
        config = {"staticPlot": True, "locale": code, "locales": {code: plotly_locale(lang)}}
        data = json.dumps({"figures": [f["figure"] for f in b.figures], "config": config}).replace("</", "<\\/")
        parts.append(f"<script>{plotly_js}</script>")
        parts.append("<script type='application/json' id='figures'>" + data + "</script>")
        parts.append("<script>(function(){var d=JSON.parse(document.getElementById('figures').textContent);"
                     "window.chartsDrawn=Promise.all(d.figures.map(function(f,i){var l=Object.assign({},f.layout,"
                     f"{{width:{CHART_WIDTH},autosize:false}});"
                     "return Plotly.newPlot('chart-'+i,f.data,l,d.config);}));})();</script>")
    parts.append("</body></html>")
    return "".join(parts)


def _countries_html(b: Brief) -> str:
    e, lang = html.escape, b.lang
    head = [t("Country", lang), t("Applications", lang), t("Share of applications", lang),
            t("Share of US H-1B visas ({year})", lang).format(year=b.countries_year),
            t("Ratio", lang)]
    rows = "".join("<tr>" + "".join(f"<td>{e(str(r[k]))}</td>" for k in
                                     ("country", "applications", "applicant_share", "h1b_share", "ratio")) + "</tr>"
                   for r in b.countries)
    intro = t("Leading countries of citizenship against the US H-1B population: a ratio above 1 means a country "
              "is over-represented among applicants compared with its share of H-1B visas issued.", lang)
    return (f"<h2>{e(t('Leading countries', lang))}</h2><p class='small'>{e(intro)}</p><table><thead><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in head) + f"</tr></thead><tbody>{rows}</tbody></table>")


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _print(page: str) -> bytes:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise BriefError(f"{CHROMIUM} not found: install Debian's chromium (scripts/ensure-chromium) or set "
                         "DASHBOARD_CHROMIUM")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            # nothing leaves the machine: the page is given whole, and any request it would make is refused
            tab.route("**/*", lambda route: route.abort())
            tab.set_content(page, wait_until="load")
            tab.evaluate("() => window.chartsDrawn || null")
            return tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()


def render_pdf(page: str) -> bytes:
    """The page printed to PDF by headless Chromium, in a thread of its own (Playwright's sync API refuses
    to run where an asyncio loop runs, as in a Streamlit server's handlers)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_print, page).result()


def build(f: Filters, *, lang: str = "en", publication: bool = False) -> tuple[Brief, bytes]:
    """The brief's content and its PDF."""
    brief = contextvars.copy_context().run(gather, f, lang=lang, publication=publication)
    return brief, render_pdf(page_html(brief, _plotly_js()))


def file_name(f: Filters, *, lang: str, publication: bool) -> str:
    """brief_<program>_<as-of or "latest">_<lang>[_pub].pdf: known before the brief is built (the button)."""
    program = programs()[f.program_id]
    stamp = f.as_of.astimezone(program.tz).strftime("%Y%m%d-%H%M") if f.as_of else "latest"
    return f"brief_{program.id}_{stamp}_{lang}{'_pub' if publication else ''}.pdf"


def deliver(f: Filters, *, lang: str, publication: bool, who: str, via: str) -> bytes:
    """The brief's PDF, with its audit record appended first: no brief leaves unrecorded."""
    b, pdf = build(f, lang=lang, publication=publication)
    audit(b, pdf, who=who, via=via)
    return pdf


def audit(b: Brief, pdf: bytes, *, who: str, via: str, at: datetime | None = None) -> dict:
    """Record the brief in the extract audit log, like every download."""
    at = at or warehouse.now_utc()
    return logs.append(logs.AUDIT_LOG, {
        "at": at.astimezone(UTC).isoformat(timespec="seconds"), "who": who, "via": via, "metric": "brief",
        "parameters": {"lang": b.lang}, "program": b.program.id,
        "filters": fl.to_query(b.filters, programs(), default_program=None), "publication": b.publication,
        "rows": None, "file": file_name(b.filters, lang=b.lang, publication=b.publication), "format": "pdf",
        "file_sha256": extract.sha256(pdf), "data_version": dict(b.version),
    }, chained=True)


# ---------------------------------------------------------------- command line

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.brief", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--program", required=True, help="program id (data/programs.toml)")
    ap.add_argument("--as-of", dest="as_of", metavar="TIME", help="the intake as it stood then (ISO 8601; naive = "
                    "the program's zone; default: the latest data)")
    ap.add_argument("--country", action="append", default=[], help="ISO 3166 alpha-3 citizenship; repeatable")
    ap.add_argument("--lang", choices=("en", "fr"), default="en")
    ap.add_argument("--publication", action="store_true", help="apply the publication rule (IRCC), as on screen")
    ap.add_argument("--out", type=Path, required=True, help="PDF file to write")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        progs = programs()
    except ProgramConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.program not in progs:
        print(f"unknown program {args.program!r}; configured: {', '.join(progs)}", file=sys.stderr)
        return 2
    query = {"program": [args.program], "country": args.country}
    if args.as_of:
        query["as_of"] = [args.as_of]
    f = fl.parse_query(query, progs, args.program)
    if f.notices:
        for n in f.notices:
            print(f"--{n.key.replace('_', '-')} {n.value!r} is not usable: times are ISO 8601 such as "
                  "2023-07-16T18:00 (naive = the program's zone), countries ISO 3166 alpha-3 codes", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        brief, pdf = build(f, lang=args.lang, publication=args.publication)
    except (warehouse.NoWarehouse, BriefError) as exc:
        print(exc, file=sys.stderr)
        return 1
    args.out.write_bytes(pdf)
    audit(brief, pdf, who=cli.os_user(), via="command line")
    print(f"wrote {args.out} ({len(pdf):,} bytes) in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
