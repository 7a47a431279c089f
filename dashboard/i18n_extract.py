"""Find every translatable string: the literal first argument of t(...) and N_(...) in dashboard/.

    python -m dashboard.i18n_extract            # list msgids with no French translation
    python -m dashboard.i18n_extract --pot F    # write a template of every msgid
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from dashboard.i18n import catalogue

PACKAGE = Path(__file__).resolve().parent
MARKERS = {"t", "N_"}


def msgids(folder: Path = PACKAGE) -> dict[str, list[str]]:
    """msgid -> ['file:line', ...] for every marked literal."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, []).append(f"{path.relative_to(folder.parent)}:{node.lineno}")
    return found


def missing(lang: str = "fr") -> dict[str, list[str]]:
    cat = catalogue(lang)
    return {m: where for m, where in msgids().items() if m not in cat}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pot", type=Path)
    args = ap.parse_args(argv)
    if args.pot:
        with args.pot.open("w", encoding="utf-8") as fh:
            for m, where in msgids().items():
                fh.write(f"#: {' '.join(where)}\nmsgid \"{_po_escape(m)}\"\nmsgstr \"\"\n\n")
        return 0
    gaps = missing()
    for m, where in gaps.items():
        print(f"{where[0]}: {m!r}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
