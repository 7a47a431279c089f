"""A metric's preview: its first rows and how many it has, without fetching the rest (Extracts page)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashboard import metrics
from dashboard.filters import Filters


@pytest.mark.parametrize("f", [Filters("test-intake"), replace(Filters("test-intake"), countries=("CHN",)),
                               replace(Filters("test-intake"), statuses=("withdrawn",))])
def test_preview_is_the_head_of_the_full_rows_and_counts_them_all(shared_basic_warehouse, f):
    full = metrics.application_records(f)
    rows, total = metrics.preview("application_records", f, 3)
    assert total == len(full)
    assert rows.to_dict("records") == full.head(3).to_dict("records")
    assert list(rows.columns) == list(full.columns)


def test_preview_leaves_later_queries_whole(shared_basic_warehouse):
    rows, total = metrics.preview("application_records", Filters("test-intake"), 2)
    assert (len(rows), total) == (2, 9)  # nine applications (eleven states)
    after = metrics.application_records(Filters("test-intake"))
    assert len(after) == 9 and "total_rows" not in after.attrs
