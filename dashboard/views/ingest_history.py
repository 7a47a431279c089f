"""Data loads: the ingest history (ingests, unchanged loads, rejected files, rollbacks), newest first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import history, ui, warehouse
from dashboard.i18n import N_, fmt_datetime, fmt_int, t, tn, zone_label
from dashboard.ui import gate

gate.require("view_data_loads")

EVENTS = {"ingest": N_("Published"), "ingest-unchanged": N_("Nothing new"), "rejected": N_("Rejected"),
          "rollback": N_("Rolled back")}

program = ui.current_program()
st.header(t("Data loads"), anchor=False)
st.markdown(t("Every load of application exports, newest first: what it read and stored, or why it was "
              "rejected. A rejected file changes nothing; the history outlives the snapshots."))

root = warehouse.warehouse_dir()
current = warehouse.current_snapshot(root)
kept = warehouse.snapshots(root)
st.caption(tn("Published snapshot {current}; {kept} snapshot kept (at most {keep}). "
              "`python -m dashboard.ingest --rollback` publishes the previous one again.",
              "Published snapshot {current}; {kept} snapshots kept (at most {keep}). "
              "`python -m dashboard.ingest --rollback` publishes the previous one again.", len(kept)).format(
    current=current.name if current else "—", kept=fmt_int(len(kept)), keep=fmt_int(warehouse.keep_snapshots())))

df = history.ingest_history(root)
if df.empty:
    st.info(t("No load has been recorded yet. Loads are recorded by `python -m dashboard.ingest FILE`."),
            icon=":material/history:")
else:
    counts = ("rows_read", "inserted", "updated", "unchanged", "rejected")
    shown = df.assign(
        at=[fmt_datetime(None if pd.isna(v) else v.to_pydatetime(), program.time_zone) for v in df["at"]],
        event=[t(EVENTS[e]) if e in EVENTS else e for e in df["event"]],
        current=["✓" if c else "" for c in df["current"]],
        **{k: ["" if pd.isna(v) else fmt_int(v) for v in df[k]] for k in counts},
    )[["at", "event", "files", *counts, "detail", "snapshot", "current"]]
    label = {"at": t("When ({zone})").format(zone=zone_label(program.time_zone)), "event": t("Outcome"), "files": t("Files"),
             "rows_read": t("Rows read"), "inserted": t("New applications"), "updated": t("Status updates"),
             "unchanged": t("Unchanged"), "rejected": t("Rows rejected"), "detail": t("First problem"),
             "snapshot": t("Snapshot"), "current": t("Published now")}
    st.dataframe(ui.display_frame(shown), hide_index=True,  # empty cells: "—"
                 width="stretch",
                 column_config={k: st.column_config.TextColumn(v) for k, v in label.items()})
