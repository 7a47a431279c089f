"""The ingest history for people: the ingest log (dashboard/logs.py) as a table. No streamlit.

The log is the append-only store beside the snapshots (it outlives them): one line per ingest that
published a snapshot, ingest that changed nothing, ingest rejected, and rollback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import logs, warehouse

HISTORY_COLUMNS = ["at", "event", "files", "rows_read", "inserted", "updated", "unchanged", "rejected",
                   "snapshot", "current", "detail"]


def _snapshot(rec: dict) -> str:
    if rec.get("event") == "rollback":
        return f"{rec.get('from', '?')} → {rec.get('to', '?')}"
    return rec.get("snapshot") or ""


def _detail(rec: dict) -> str:
    """The first problem of a rejected ingest, its file named without the folder, and how many there were."""
    text = str(rec.get("first_problem") or "")
    for f in rec.get("files", []) or []:
        text = text.replace(str(f), Path(f).name)
    n = rec.get("problems") or 0
    return text + (f" (+{n - 1})" if n > 1 else "")


def ingest_history(root: Path | None = None, limit: int = 500) -> pd.DataFrame:
    """One row per logged event, newest first (at most `limit`): at (UTC), event (ingest, ingest-unchanged,
    rejected, rollback), files (names only), row counts, snapshot, current (that snapshot is the
    published one), detail (the first problem of a rejected ingest)."""
    root = root or warehouse.warehouse_dir()
    records = logs.read(logs.INGEST_LOG, root)[-limit:][::-1]
    current = warehouse.current_snapshot(root)
    rows = []
    for rec in records:
        snap = _snapshot(rec)
        rows.append({
            "at": pd.to_datetime(rec.get("at"), utc=True, errors="coerce"),
            "event": str(rec.get("event", "")),
            "files": ", ".join(Path(f).name for f in rec.get("files", []) or []),
            **{k: rec.get(k) for k in ("rows_read", "inserted", "updated", "unchanged", "rejected")},
            "snapshot": snap,
            "current": bool(current and (snap == current.name or snap.endswith(f"→ {current.name}"))),
            "detail": _detail(rec),
        })
    df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    for k in ("rows_read", "inserted", "updated", "unchanged", "rejected"):
        df[k] = df[k].astype("Int64")
    return df
