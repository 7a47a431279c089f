"""Every column any metric returns has a header in both languages: the Extracts page shows any metric's
rows, and a table must never show a CSV identifier where people read it (the CSV keeps the identifiers)."""

from __future__ import annotations

import inspect

from dashboard import extract, metrics, ui
from dashboard.filters import Filters
from dashboard.i18n import catalogue

# Values for the parameters a metric requires (the others keep their defaults).
REQUIRED = {"year": 2023, "fiscal_year": 2022, "text": "infosys", "minutes": 60}


def test_every_metric_column_has_a_label_and_a_french_one(shared_reference_warehouse):
    fr = catalogue("fr")
    unlabelled, untranslated, seen = {}, {}, set()
    for name in sorted(metrics.METRICS):
        kwargs = {p: REQUIRED[p] for p, prm in extract.metric_params(name).items()
                  if prm.default is inspect.Parameter.empty}
        columns = list(metrics.METRICS[name](Filters("test-intake"), **kwargs).columns)
        seen.update(columns)
        missing = [c for c in columns if c not in ui.COLUMN_LABELS]
        if missing:
            unlabelled[name] = missing
        gaps = [c for c in columns if c in ui.COLUMN_LABELS and ui.COLUMN_LABELS[c] not in fr]
        if gaps:
            untranslated[name] = gaps
    assert unlabelled == {}
    assert untranslated == {}
    assert {"application_id", "principal", "h4_per_h1b", "interval_start"} <= seen  # the loop saw the metrics
