"""Admin: the extract audit log, read-only (the dashboard only ever appends to it)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import alerts, logs, ui
from dashboard.i18n import fmt_datetime, fmt_int, language, t, zone_label
from dashboard.ui import gate

gate.require("view_audit_log")  # first: the page shows nothing to a role without access
program = ui.current_program()


def _alerts() -> None:
    """The threshold alerts: sent, pending (crossed, not yet delivered) and not crossed yet."""
    st.header(t("Threshold alerts"), anchor=False)
    try:
        channels = alerts.load_channels()
        rows = alerts.table()
    except (alerts.AlertConfigError, ValueError) as exc:
        st.error(t("The alerts configuration is not usable: {problem}").format(problem=ui.echo(exc, 300)),
                 icon=":material/error:")
        return
    if channels is None or not channels.configured:
        st.info(t("Alerts are off: no SMTP server or webhook is configured (see data/alerts.example.toml)."),
                icon=":material/notifications_off:")
    if rows.empty:
        st.caption(t("No program has alert thresholds in programs.toml."))
        return
    words = {"sent": t("Sent"), "pending": t("Pending"), "not crossed": t("Not crossed yet")}
    lang = language()
    zone = ui.current_program().time_zone
    st.caption(t("Each alert is sent once per program and threshold; a pending one is tried again at the next "
                 "ingest or check. Times in {zone}.").format(zone=zone_label(zone)))
    st.dataframe(ui.display_frame(pd.DataFrame({  # empty cells: "—"
        t("Program"): rows["program"],
        t("Threshold"): [alerts.describe(k, v, lang) for k, v in zip(rows["kind"], rows["value"], strict=True)],
        t("State"): rows["state"].map(words),
        t("Crossed at"): [fmt_datetime(None if pd.isna(c) else c.to_pydatetime(), zone) for c in rows["crossed_at"]],
        t("Sent"): rows["sent"],
        t("Last error"): rows["error"],
    })), hide_index=True, width="stretch")


_alerts()

st.header(t("Extract audit log"), anchor=False)

st.markdown(t("Every extract, from a download button or the command line, adds one line to the audit log "
              "beside the warehouse snapshots. The dashboard cannot change or delete it, and a new snapshot "
              "leaves it as it is. Each line carries a fingerprint of the line before it, so a change made "
              "to the file outside the dashboard shows below."))

records = logs.read(logs.AUDIT_LOG)
count, broken = logs.verify(logs.AUDIT_LOG)
if not records:
    st.info(t("No extract has been made yet."), icon=":material/history:")
    st.stop()
if broken is None:
    st.success(t("The log is intact: every line is linked to the one before ({n} in all).").format(n=fmt_int(count)),
               icon=":material/verified:")
else:
    st.error(t("The log was changed outside the dashboard: line {line} of {n} does not follow from the line "
               "before it. Tell the dashboard team; keep a copy of the file as it is.").format(
               line=fmt_int(broken), n=fmt_int(count)), icon=":material/gpp_bad:")


def _when(text: str) -> str:
    try:
        return fmt_datetime(datetime.fromisoformat(text), program.time_zone)
    except (TypeError, ValueError):
        return str(text)


table = pd.DataFrame([{
    t("When"): _when(r.get("at", "")),
    t("Who"): r.get("who"),
    t("Source"): t("dashboard") if r.get("via") == "dashboard" else t("command line"),
    t("Metric"): r.get("metric"),
    t("Filters"): urlencode({**r.get("filters", {}), **{k: [v] for k, v in (r.get("parameters") or {}).items()}},
                            doseq=True, safe=":"),
    t("Publication"): bool(r.get("publication")),
    t("Rows"): r.get("rows"),
    t("File"): r.get("file"),
    "SHA-256": r.get("file_sha256"),
} for r in reversed(records)])
st.caption(t("Newest first ({n} in all). Times in {zone}.").format(n=fmt_int(len(records)), zone=zone_label(program.time_zone)))
st.dataframe(ui.display_frame(table), hide_index=True, width="stretch")  # empty cells: "—"
