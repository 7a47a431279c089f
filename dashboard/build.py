"""Build the demo warehouse: the synthetic demo intake plus the reference statistics.

    python -m dashboard.build --if-missing   # what `make run` does: nothing when a snapshot exists
    python -m dashboard.build --force        # start the warehouse folder afresh
    python -m dashboard.build --reference    # reload data/reference into a new snapshot, applications kept
"""

from __future__ import annotations

import argparse
import shutil
import sys

from dashboard import demo, ingest, logs, reference, warehouse

# Outlives every rebuild: who extracted what must not vanish with the demo data.
KEEP_ON_REBUILD = (logs.AUDIT_LOG,)


def build(force: bool = False) -> str:
    root = warehouse.warehouse_dir()
    if force and root.exists():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            elif child.name not in KEEP_ON_REBUILD:
                child.unlink()
    if warehouse.current_snapshot(root) is not None and not force:
        return f"warehouse {root} is ready (snapshot {warehouse.current_snapshot(root).name})"
    with warehouse.writer(root, wait_seconds=60) as con:
        reference.load(con)
    summary = ingest.ingest(demo.demo_exports(), root=root, wait_seconds=60, origin="demo")
    return f"built the demo warehouse in {root}: " + "; ".join(summary.lines())


def reload_reference() -> str:
    """Publish a snapshot with the reference statistics loaded again; the application records are kept."""
    root = warehouse.warehouse_dir()
    with warehouse.writer(root, wait_seconds=60) as con:
        reference.load(con)
    return f"reloaded the reference statistics into {root} (snapshot {warehouse.current_snapshot(root).name})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.build", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--if-missing", action="store_true", help="build only when no snapshot exists (default)")
    group.add_argument("--force", action="store_true",
                       help="delete the warehouse folder (all but the extract audit log) and build it again")
    group.add_argument("--reference", action="store_true",
                       help="reload the reference statistics (data/reference) into a new snapshot; keeps the applications")
    args = ap.parse_args(argv)
    try:
        print(reload_reference() if args.reference else build(force=args.force))
    except ingest.IngestRejected as exc:
        for p in exc.problems[:20]:
            print(p, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
