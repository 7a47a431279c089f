"""The stored types of application_states: a column that holds one of a fixed list of values (the role,
the permit type, the status, the US state, the province, the two countries) is an ENUM of that list.

Why: an ENUM is stored as its value's place, one byte, and DuckDB compresses it as a number. As text,
the same column costs about 0.3 s of CPU per 10M rows to compress, whatever form the value comes in
(docs/benchmarks.md, session 13). Queries read an ENUM as they read text (compared with a text value,
DuckDB compares the text; the lists are sorted, so `order by` gives the same order), and the readers'
frames hold its values as text (warehouse.frame), so every metric gives what it gave.

Every ingest calls `ensure` in its writer before it merges. A new warehouse's empty table takes the
types at once; a warehouse written by an earlier version (text columns) is converted at its next ingest,
in the new snapshot only (the one before stays as it was until this one is published). Should the
lists change in a later version (a status added), the columns go back to text, the type is made again
with the new list, and the columns take it again. A table holding a value outside its list (which no
ingest stores: validate.py rejects such rows) keeps text columns: read the same way, only stored wider.
"""

from __future__ import annotations

from functools import cache

from dashboard import warehouse
from dashboard.country_codes import all_iso3
from dashboard.ingest.validate import PROVINCES, us_state_codes
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES

COLUMNS = ("applicant_role", "permit_type", "status", "us_state", "intended_province", "citizenship", "birth_country")


@cache
def lists() -> dict[str, list[str]]:
    """The values of each stored type (the params of queries/ingest/_stored_types.sql), each list sorted: an ENUM
    sorts by its values' places, so a query's `order by` gives the order the text gave."""
    return {"roles": sorted(ROLES), "permits": sorted(PERMIT_TYPES), "statuses": sorted(STATUSES),
            "states": sorted(us_state_codes()), "provinces": sorted(PROVINCES), "countries": sorted(all_iso3())}


_TYPES = {"stored_role": "roles", "stored_permit": "permits", "stored_status": "statuses", "stored_state": "states",
          "stored_province": "provinces", "stored_country": "countries"}


def ensure(con) -> None:
    """Give application_states' fixed-list columns their stored types (one catalog query when they have them).
    On a connection without the table, the types are made (the engine path's lists are cast to them)."""
    wanted = lists()
    types, columns = {}, {}
    for kind, name, info in warehouse.run_script(con, "_stored_now").fetchall():
        (types if kind == "type" else columns)[name] = list(info)
    current = all(types.get(t) == wanted[key] for t, key in _TYPES.items())
    typed = [c for c in COLUMNS if c in columns and columns[c] != ["VARCHAR"]]
    if current and (not columns or len(typed) == len(COLUMNS)):
        return
    fits = bool(columns) and warehouse.run_script(con, "_stored_outside", wanted).fetchone()[0] == 0
    if typed and not (current and fits):
        warehouse.run_script(con, "_stored_text")  # no column may hold a type while it is made again
    if not current:
        warehouse.run_script(con, "_stored_types", wanted)
    if fits:
        warehouse.run_script(con, "_stored_typed")
