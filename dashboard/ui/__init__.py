"""Streamlit building blocks the pages share (the view layer: imported by app, sidebar and views only).

    cache        a metric's rows cached per filters and snapshot; the moment the figures stand at
    state        the current filters and program; setting a filter from a page
    publication  publication mode: IRCC's rounding and suppression on every count shown or downloaded
    blocks       the chart with its numbers one click away, tables, downloads
    figures      figures built once per snapshot, filters, language and publication mode (ui.figure)
    page         banners, the freshness line, friendly errors, the document's language, live parts
    text         code labels, and values from outside echoed as plain text (no streamlit)
    url          the one module that reads and writes the address bar
    gate         the sign-in screen and the gate of every run (the decision is dashboard.signin/access)
    warm         program-wide results and Time to cap's forecasts, once per snapshot, off the request path

The names pages use most are here too: `ui.run_metric`, `ui.chart_block`, `ui.count`, ...
"""

from dashboard.ui import gate, state, url, warm
from dashboard.ui.blocks import (
    COLUMN_LABELS,
    chart_block,
    column_label,
    display_frame,
    download_buttons,
    numbers_block,
    plotly_config,
    show_table,
)
from dashboard.ui.cache import (
    SNAPSHOT_SHOWN,
    data_digest,
    data_moment,
    pin_snapshot,
    refresh_seconds,
    run_metric,
    run_preview,
)
from dashboard.ui.figures import figure, memo
from dashboard.ui.page import (
    document_language,
    focus_ring,
    forecast,
    freshness,
    friendly_errors,
    live,
    notices,
)
from dashboard.ui.publication import (
    SUPPRESSED_TEXT,
    as_published,
    count,
    publication,
    publication_note,
    publication_switch,
    publish,
    published_count,
    published_curve,
    suppressed_bars_note,
)
from dashboard.ui.state import current_filters, current_program, set_countries
from dashboard.ui.text import echo, label

__all__ = [
    "COLUMN_LABELS", "SNAPSHOT_SHOWN", "SUPPRESSED_TEXT", "as_published", "chart_block", "column_label", "count", "current_filters",
    "current_program", "data_digest", "data_moment", "display_frame", "document_language", "download_buttons",
    "echo", "figure", "focus_ring", "forecast", "freshness", "friendly_errors", "gate", "label", "live", "memo", "numbers_block", "pin_snapshot", "plotly_config",
    "publication", "publication_note", "publication_switch", "publish", "published_count", "published_curve",
    "refresh_seconds", "run_metric", "run_preview", "set_countries", "show_table", "suppressed_bars_note",
    "state", "notices", "url", "warm",
]
