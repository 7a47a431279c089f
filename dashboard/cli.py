"""The command lines of the extracts: `python -m dashboard.extract` runs `extract_main`. No streamlit.

The other documented entry points stay where their work is: `python -m dashboard.ingest` (the ingest
package), `.build`, `.replay` and `.demo`; each is a `main(argv) -> exit code` that a test can call.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard import extract, metrics, warehouse
from dashboard import filters as fl
from dashboard.disclosure import NotPublishable
from dashboard.programs import ProgramConfigError, programs

EXTRACT_USAGE = """\
    python -m dashboard.extract --list
    python -m dashboard.extract --program ID --metric NAME [--from T] [--to T] [--as-of T]
        [--country ISO3 ...] [--role R ...] [--permit P ...] [--status S ...] [--grain G | --minutes N]
        [--publication] [--lang en|fr] [--out FILE]
    python -m dashboard.extract --program ID --grain 1min|15min|hour|day [filters ...]

--grain speaks the Velocity page's vocabulary (`?grain=`): without --metric it extracts the arrivals at
that grain, the rows the page draws; `day` is a calendar day in the program's zone everywhere.

The command writes the same CSV as the dashboard's download button, and FILE's provenance
(<stem>.provenance.json) next to it. Times given without an offset are wall-clock times in the
program's zone. Exit codes: 0 written, 1 no data or nothing publishable, 2 usage error.
"""
# the whole story: the usage above, then what the CSV, publication mode and the audit log promise
EXTRACT_HELP = EXTRACT_USAGE + "\n" + (extract.__doc__ or "").split("\n\n", 1)[1]


def _describe_params(name: str) -> str:
    parts = []
    for pname, prm in extract.metric_params(name).items():
        kind = extract.param_type(prm.annotation).__name__
        default = "chosen from the data" if prm.default is None else prm.default
        extra = f", or --grain {'|'.join(fl.GRAINS)}" if pname == "minutes" else ""
        parts.append(f"--{pname} {kind.upper()} (default: {default}{extra})")
    return _filters_used(name) + ("; " + "; ".join(parts) if parts else "")


def _filters_used(name: str) -> str:
    """Which filters a metric honours, read from its query (the filtered_states or states_as_of macro)."""
    try:
        sql = warehouse.sql_text(name)
    except FileNotFoundError:
        return "--program"
    if "filtered_states(" in sql:
        return "--program, the shared filters (--from --to --as-of --country --role --permit --status)"
    if "states_as_of(" in sql:
        return "--program, --as-of"
    return "--program" if "$program" in sql else "none"


def list_metrics() -> str:
    lines = []
    for name in sorted(metrics.METRICS):
        lines.append(name)
        lines.append(f"    {metrics.describe(name)}")
        lines.append(f"    parameters: {_describe_params(name)}")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dashboard.extract", description=EXTRACT_HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="name every metric with its description and parameters")
    ap.add_argument("--program", help="program id (data/programs.toml)")
    ap.add_argument("--metric", help="metric name (see --list)")
    ap.add_argument("--from", dest="start", metavar="TIME", help="submitted at or after (ISO 8601)")
    ap.add_argument("--to", dest="end", metavar="TIME", help="submitted before (ISO 8601)")
    ap.add_argument("--as-of", dest="as_of", metavar="TIME", help="the intake as it stood then (default: latest)")
    ap.add_argument("--country", action="append", default=[], help="ISO 3166 alpha-3 citizenship; repeatable")
    ap.add_argument("--role", action="append", default=[], help="applicant role; repeatable")
    ap.add_argument("--permit", action="append", default=[], help="permit type; repeatable")
    ap.add_argument("--status", action="append", default=[], help="status; repeatable")
    ap.add_argument("--grain", help=f"time grain, as the Velocity page's: {', '.join(fl.GRAINS)} (day = calendar "
                    "day in the program's zone; without --metric, the arrivals at that grain), or minutes")
    ap.add_argument("--publication", action="store_true", help="apply the publication rule (IRCC)")
    ap.add_argument("--lang", choices=("en", "fr"), default="en", help="language recorded in the provenance")
    ap.add_argument("--out", type=Path, help="CSV file to write (default: the dashboard's file name, here)")
    return ap


def _metric_options(extra: list[str]) -> dict[str, str]:
    """--name value (or --name=value) pairs left over by argparse: the metric's own parameters."""
    out: dict[str, str] = {}
    i = 0
    while i < len(extra):
        token = extra[i]
        if not token.startswith("--"):
            raise ValueError(f"unexpected argument {token!r}")
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(extra):
                raise ValueError(f"{token} needs a value")
            i += 1
            value = extra[i]
        out[key.replace("-", "_")] = value
        i += 1
    return out


def extract_main(argv: Sequence[str] | None = None, out=sys.stdout, err=sys.stderr) -> int:
    ap = _parser()
    try:
        args, extra = ap.parse_known_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if args.list:
        out.write(list_metrics())
        return 0
    try:
        progs = programs()
    except ProgramConfigError as exc:
        print(exc, file=err)
        return 2
    if not args.program or not (args.metric or args.grain):
        ap.print_usage(err)
        print("name --program and --metric or --grain (or --list)", file=err)
        return 2
    if args.metric is not None and args.metric not in metrics.METRICS:
        print(f"unknown metric {args.metric!r}; `python -m dashboard.extract --list` names them", file=err)
        return 2
    if args.program not in progs:
        print(f"unknown program {args.program!r}; configured: {', '.join(progs)}", file=err)
        return 2
    query: dict[str, list[str]] = {"program": [args.program], "country": args.country, "role": args.role,
                                   "permit": args.permit, "status": args.status}
    for key, value in (("from", args.start), ("to", args.end), ("as_of", args.as_of)):
        if value:
            query[key] = [value]
    f = fl.parse_query(query, progs, args.program)
    if f.notices:
        for n in f.notices:
            print(f"--{n.key.replace('_', '-')} {n.value!r} is not usable: times are ISO 8601 (naive = the "
                  "program's zone), codes as in data/README.md, and --to must come after --from", file=err)
        return 2
    try:
        metric, params = extract.grain_params(args.metric, args.grain) if args.grain else (args.metric, {})
        params = {**extract.parse_params(metric, _metric_options(extra)), **params}
    except ValueError as exc:
        print(exc, file=err)
        return 2
    try:
        ex = extract.build(metric, f, params, publication=args.publication, lang=args.lang)
    except warehouse.NoWarehouse as exc:
        print(exc, file=err)
        return 1
    except NotPublishable:
        print(f"{metric} lists individual applications: publication mode cannot publish it; "
              "extract an aggregate metric instead", file=err)
        return 1
    target = args.out or Path(ex.csv_name)
    at = warehouse.now_utc()
    target.write_bytes(extract.deliver(ex, "csv", who=os_user(), via="command line", at=at))
    prov = target.with_name(target.stem + ".provenance.json")
    prov.write_bytes(ex.provenance_bytes(at))
    print(f"wrote {target} ({len(ex.table):,} rows) and {prov}", file=err)
    return 0


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"
