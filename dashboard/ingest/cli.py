"""The command line: python -m dashboard.ingest (its usage is the package's docstring)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from dashboard import logs, warehouse
from dashboard.ingest.format import MAX_MESSAGES, IngestRejected, Problem, printable
from dashboard.ingest.publish import DEFAULT_MEMORY_LIMIT, ingest

_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def _print_problems(problems: Iterable[Problem], out=None) -> None:
    out = out or sys.stderr
    problems = list(problems)
    for p in problems[:MAX_MESSAGES]:
        print(p, file=out)
    if len(problems) > MAX_MESSAGES:
        print(f"... and {len(problems) - MAX_MESSAGES:,} more problem(s) not shown", file=out)


def _usage() -> str:
    import dashboard.ingest

    return dashboard.ingest.__doc__ or ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.ingest", description=_usage(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="CSV or Parquet application exports")
    parser.add_argument("--skip-invalid", action="store_true", help="store the valid rows, report the rejected ones")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another ingest to finish (default: stop at once)")
    parser.add_argument("--rollback", action="store_true", help="publish the previous snapshot again")
    parser.add_argument("--steps", type=int, metavar="N",
                        help="with --rollback: go back to N snapshots before the newest ingest (needed past one)")
    parser.add_argument("--roll-forward", action="store_true", help="undo one rollback step")
    parser.add_argument("--history", action="store_true", help="list the ingest history")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT, metavar="SIZE",
                        help=f"DuckDB's memory for the merge, such as 512MB or 2GB (default {DEFAULT_MEMORY_LIMIT}); "
                             "past it DuckDB spills to a folder beside the next snapshot")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    root = warehouse.warehouse_dir()
    try:
        if not _SIZE.match(args.memory_limit):
            print("--memory-limit takes a size such as 512MB or 2GB", file=sys.stderr)
            return 2
        if args.steps is not None and (not args.rollback or args.steps < 1):
            print("--steps N (N at least 1) goes with --rollback", file=sys.stderr)
            return 2
        if args.rollback or args.roll_forward:
            warehouse.check_appendable("ingest_log.jsonl", root)
            if args.rollback:
                old, new = warehouse.rollback(root, wait_seconds=args.wait, steps=args.steps)
            else:
                old, new = warehouse.roll_forward(root, wait_seconds=args.wait)
            event = "rollback" if args.rollback else "roll-forward"
            logs.append(logs.INGEST_LOG, {"event": event, "from": old.name, "to": new.name,
                                                      "at": warehouse.now_utc().isoformat()}, root)
            warehouse.prune(root)
            print(f"{'rolled back' if args.rollback else 'rolled forward'} from snapshot {old.name} to {new.name}")
            return 0
        if args.history:
            for rec in logs.read(logs.INGEST_LOG, root):
                print(rec)
            return 0
        if not args.files:
            parser.print_usage(sys.stderr)
            print("name at least one export file, or --rollback / --history", file=sys.stderr)
            return 2
        for f in args.files:
            if not Path(f).is_file():
                print(f"{printable(f)}: no such file", file=sys.stderr)
                return 2
        summary = ingest(args.files, skip_invalid=args.skip_invalid, root=root, wait_seconds=args.wait,
                         memory_limit=args.memory_limit)
    except IngestRejected as exc:
        _print_problems(exc.problems)
        print("rejected: nothing was stored; fix the lines above and run the ingest again "
              "(or pass --skip-invalid to store the valid rows)", file=sys.stderr)
        return 1
    except (warehouse.WarehouseBusy, warehouse.NoWarehouse, warehouse.NeedsConfirmation) as exc:
        print(printable(str(exc), 1000), file=sys.stderr)
        return 2
    except (warehouse.NoSpace, warehouse.LogUnwritable) as exc:
        print(printable(str(exc), 1000), file=sys.stderr)
        return 1
    except warehouse.DatabaseError as exc:
        if "Out of Memory" not in str(exc):
            raise
        print(f"the merge needed more memory than --memory-limit {args.memory_limit} allows; nothing was stored. "
              "Run the ingest again with a larger limit, such as --memory-limit 1GB", file=sys.stderr)
        return 1
    if summary.problems:
        _print_problems(summary.problems)
    for line in summary.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
