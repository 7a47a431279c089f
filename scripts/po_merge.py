"""Write translations into a .po catalogue: python scripts/po_merge.py CATALOGUE.po MODULE.py

MODULE.py defines FR = {msgid: msgstr}. Existing entries are kept; new ones are added. For
translators and developers; the dashboard reads the .po files directly (dashboard/i18n.py).
"""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main() -> int:
    target, source = Path(sys.argv[1]), sys.argv[2]
    if target.exists():
        with target.open("rb") as fh:
            cat = read_po(fh, locale="fr_CA")
    else:
        cat = Catalog(locale="fr_CA", project="cap-intake-dashboard")
    for msgid, msgstr in runpy.run_path(source)["FR"].items():
        cat.add(msgid, msgstr)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        write_po(fh, cat, width=100, sort_output=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
