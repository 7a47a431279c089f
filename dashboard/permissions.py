"""The warehouse folder is trusted: only the ingest may write to it. This checks that nobody else can.

DuckDB treats a database file as trusted input (a crafted file can make the reader misbehave), and the
snapshots, the CURRENT pointer, the ingest history and the extract audit log are what the dashboard shows
and cites. A warehouse folder that its group or everyone may write to lets anyone on the machine replace
them. `problems(root)` lists what is writable beyond its owner; the reader (once per process: the
dashboard's server log), every writer (the ingest and build command lines) and the app (to the
administrator, and in the local demo) say so. No streamlit here.
"""

from __future__ import annotations

import logging
import stat
import sys
from pathlib import Path
from typing import TextIO

log = logging.getLogger("dashboard")
_warned: set[str] = set()


def _writable_beyond_owner(path: Path) -> str | None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return None  # not followed: its target is checked where it lies in the folder
    who = [name for bit, name in ((stat.S_IWOTH, "everyone"), (stat.S_IWGRP, "its group")) if mode & bit]
    return f"{path} is writable by {' and '.join(who)} (mode {stat.filemode(mode)})" if who else None


def problems(root: Path) -> list[str]:
    """What in the warehouse folder someone other than its owner may write: the folder, snapshots/, each
    snapshot and every file beside them (CURRENT, the ingest history, the audit log). Empty when safe."""
    return [p for p in map(_writable_beyond_owner, _paths(root)) if p]


def unsafe_paths(root: Path) -> list[Path]:
    """The paths problems(root) names."""
    return [p for p in _paths(root) if _writable_beyond_owner(p)]


def _paths(root: Path) -> list[Path]:
    root = Path(root)
    paths = [root, root / "snapshots"]
    for folder in paths[:]:
        try:
            paths += sorted(p for p in folder.iterdir() if not p.is_dir() or p.is_symlink())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            pass
    return paths


def advice(root: Path) -> str:
    return (f"Only the account that runs the ingest may write to the warehouse: run `chmod -R go-w {root}` "
            "(docs/security.md).")


def warn(root: Path, stream: TextIO | None = None, *, once: bool = False) -> list[str]:
    """Print (to stderr) and log what problems(root) finds, with what to do; returns the problems.
    `once`: only the first time in this process for this folder."""
    key = str(Path(root).resolve())
    if once and key in _warned:
        return []
    found = problems(root)
    if found:
        _warned.add(key)
        text = "warning: the warehouse can be changed by others than the ingest:\n  " + "\n  ".join(found[:10])
        if len(found) > 10:
            text += f"\n  ... and {len(found) - 10} more"
        text += "\n" + advice(root)
        print(text, file=stream or sys.stderr)
        log.warning("warehouse permissions: %s", "; ".join(found))
    return found
