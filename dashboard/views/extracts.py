"""Extracts: any metric as a CSV (the application records by default), with provenance and its command line.

The link in every provenance.json opens this page: `metric=` and the metric's own parameters
(e.g. `minutes=60`) in the URL choose the extract, the shared filters narrow it.
"""

from __future__ import annotations

import inspect
import shlex

import streamlit as st

from dashboard import disclosure, extract, metrics, ui
from dashboard.filters import format_time
from dashboard.i18n import N_, fmt_int, language, t
from dashboard.ui import gate, url

gate.require("view_records")  # first: the page shows nothing to a role without access
DEFAULT = "application_records"
PREVIEW_ROWS = 200
GRAIN_LABELS = {None: N_("Automatic (from the data's span)"), 1: N_("1 minute"), 15: N_("15 minutes"),
                60: N_("Hour"), 1440: N_("Day")}
# The metrics' own parameters as the page names them (the command line and the URL keep the identifiers).
PARAM_LABELS = {"top_n": N_("Countries shown"), "top": N_("Rows shown"), "year": N_("Year"),
                "fiscal_year": N_("Fiscal year"), "text": N_("Employer name contains"), "limit": N_("Most rows"),
                "rank_by": N_("Rank by (`initial` or `continuing`)"), "step": N_("A milestone every N applications"),
                "max_intervals": N_("Most intervals")}

f = ui.current_filters()
program = ui.current_program()
ss = st.session_state

st.header(t("Extracts"), anchor=False)
st.markdown(t("Download any table of the dashboard as a CSV file, under the filters in the sidebar. The "
              "application records list each application with the status it had at the \"as of\" moment; "
              "no names or other direct identifiers are ever stored. The zip adds provenance.json: the "
              "filters, the data version, the time of the extract and a link that reproduces it. Every "
              "download is recorded in the audit log."))


names = sorted(metrics.METRICS)
if url.entering("x_metric"):
    wanted = url.get("metric")
    if wanted is not None and wanted not in names:
        url.warn([url.notice("metric", [wanted])])
    ss["x_metric"] = wanted if wanted in names else DEFAULT
lang = language()  # the run's, for the format_funcs: Streamlit (and AppTest) may call them outside the run
metric = st.selectbox(t("Table"), names, key="x_metric", format_func=lambda m: t(extract.title(m), lang))
url.put("metric", metric)
st.caption(t(metrics.describe(metric)))  # translated where extracts.po has the docstring

# The metric's own parameters: a time grain for those that take minutes, text otherwise.
params: dict = {}
for name in extract.metric_params(metric):
    url_value = url.get(name)
    if name == "minutes":
        key = f"x_{metric}_minutes"
        if url.entering(key):
            try:
                ss[key] = int(url_value) if url_value is not None else None
            except ValueError:
                ss[key] = None
            if ss[key] not in GRAIN_LABELS:
                ss[key] = None
        minutes = st.selectbox(t("Time grain"), list(GRAIN_LABELS), key=key,
                               format_func=lambda m: t(GRAIN_LABELS[m], lang))
        if minutes is not None:
            params["minutes"] = minutes
    else:
        text = st.text_input(t(PARAM_LABELS[name]) if name in PARAM_LABELS else name, value=url_value or "",
                             key=f"x_{metric}_{name}", help=t("Command line: --{name}").format(name=name.replace("_", "-")))
        if text:
            try:
                params.update(extract.parse_params(metric, {name: text}))
            except ValueError as exc:
                st.warning(ui.echo(exc, 300))
url.keep_only(params, among={name for m in names for name in extract.metric_params(m)})
for name, value in params.items():
    url.put(name, str(value))
needed = [name for name, prm in extract.metric_params(metric).items()
          if prm.default is inspect.Parameter.empty and name not in params]
if needed:
    st.info(t("This table needs a value for: {names}.").format(
        names=", ".join(t(PARAM_LABELS[n]) if n in PARAM_LABELS else n for n in needed)), icon=":material/edit:")
    st.stop()

# A table of individual records may hold millions of rows: the page fetches the rows it shows and counts
# the rest where they lie; the download queries them all when it is pressed.
records = disclosure.lists_records(metric)
if records:
    rows, total = ui.run_preview(metric, f, PREVIEW_ROWS, **params)
else:
    rows = ui.run_metric(metric, f, **params)
    total = len(rows)
try:
    table = ui.publish(rows, metric)
except disclosure.NotPublishable:
    st.info(t("Publication mode is on: individual application records cannot be published. Turn publication "
              "mode off to extract them for internal use, or choose a table of counts."), icon=":material/shield:")
    st.stop()

if rows.empty:
    st.info(t("No rows match these filters."), icon=":material/filter_alt_off:")
else:
    st.caption(t("Rows: {n}; the first {shown} are shown.").format(n=fmt_int(total), shown=fmt_int(PREVIEW_ROWS))
               if total > PREVIEW_ROWS else t("Rows: {n}.").format(n=fmt_int(total)))
    ui.show_table(table.head(PREVIEW_ROWS))
ui.download_buttons(None if records and total > len(rows) else table, metric, f"extract-{metric}", params)

command = ["python", "-m", "dashboard.extract", "--program", f.program_id, "--metric", metric]
for flag, value in (("--from", f.start), ("--to", f.end), ("--as-of", f.as_of)):
    if value is not None:
        command += [flag, format_time(value, program)]
for flag, values in (("--country", f.countries), ("--role", f.roles), ("--permit", f.permits),
                     ("--status", f.statuses)):
    for v in values:
        command += [flag, v]
for name, value in params.items():
    command += [f"--{name}", str(value)]
if ui.publication():
    command.append("--publication")
if language() != "en":
    command += ["--lang", language()]
command += ["--out", extract.file_stem(metric, f, params, publication=ui.publication()) + ".csv"]
st.markdown(t("The same extract from the command line (the file is byte for byte the same):"))
st.code(shlex.join(command), language="bash", wrap_lines=True)
