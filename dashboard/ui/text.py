"""Text the pages show: labels for the data model's codes, and values from outside echoed as plain text.

No streamlit here. Streamlit renders most text as Markdown (links, images, `:red[...]`, `:material/...:`,
LaTeX, autolinked addresses), so anything a URL, a file or a person supplied goes through `echo` before it
is put into a sentence: cut to a readable length, stripped of control characters and set as literal code,
in which Markdown makes no link, image or styling.
"""

from __future__ import annotations

import re
import unicodedata

from dashboard.i18n import N_, fmt_int, t

# Labels for codes that the data model uses (the codes themselves stay stable in URLs and CSVs).
LABELS = {
    "principal": N_("Principal applicant"), "spouse": N_("Spouse"), "dependant": N_("Dependant"),
    "open_work_permit": N_("Open work permit"), "work_permit": N_("Work permit"), "study_permit": N_("Study permit"),
    "submitted": N_("Submitted"), "in_review": N_("In review"), "approved": N_("Approved"), "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}
ECHO_CHARS = 60  # an echoed value longer than this is cut (with "…"): a notice names it, it need not hold it
ECHO_VALUES = 3  # a notice about many values of one parameter names this many, then "and N more"


def label(code: str, lang: str | None = None) -> str:
    """A data-model code (`open_work_permit`) as people read it, in `lang` (default: the current language)."""
    return t(LABELS.get(code, code), lang)


def truncate(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` as one line of printable text of at most `limit` characters (cut with "…"). Line breaks,
    tabs and other control or invisible formatting characters become spaces."""
    text = str(value)[: limit * 4]  # a 100 KB value is cut before anything looks at each character
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` as Markdown that shows it literally: truncated (see truncate), as inline code fenced by more
    backticks than it contains, so no Markdown, HTML, emoji or icon syntax inside it takes effect."""
    text = truncate(value, limit)
    if not text.strip():
        return '""'
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def echo_list(values: list[str], more: int = 0, limit: int = ECHO_CHARS) -> str:
    """Several values of one parameter for one notice: the first ECHO_VALUES echoed, then "and N more"."""
    shown = ", ".join(echo(v, limit) for v in values[:ECHO_VALUES])
    rest = len(values) - ECHO_VALUES + more if len(values) > ECHO_VALUES else more
    return shown + (t(" and {n} more").format(n=fmt_int(rest)) if rest > 0 else "")
