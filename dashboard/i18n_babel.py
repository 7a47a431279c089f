"""What Babel extracts for the French catalogues: babel.cfg names this module; `make i18n` runs Babel.

Two kinds of msgid. The literal first argument of t(...) and N_(...) anywhere in dashboard/ (read
from the syntax tree: Babel's token-based extractor would also take the "key" of `t(LABELS["key"])`).
And each metric's description (metrics.describe: the first paragraph
of its docstring), which the Extracts page shows translated: a docstring edit makes a new msgid, which
`make i18n` adds to extracts.po untranslated and tests/test_i18n_complete.py reports until it is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
KEYWORDS: dict[str, Any] = {"t": None, "N_": None, "tn": (1, 2)}  # tn(singular, plural, n): the Makefile's -k tn:1,2


def extract_marked(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: calls of a keyword (t, N_) whose first argument is a string literal, and
    of tn whose first two are (singular and plural: a message with plural forms)."""
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords):
            continue
        texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if node.func.id == "tn" and len(texts) >= 2 and None not in texts[:2]:
            yield node.lineno, "tn", (texts[0], texts[1]), []
        elif node.func.id != "tn" and texts and texts[0] is not None:
            yield node.lineno, node.func.id, texts[0], []


def extract_metrics(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for dashboard/metrics.py: its marked strings, then every metric's
    description (the metric's name as a comment for the translator)."""
    yield from extract_marked(fileobj, keywords, comment_tags, options)
    from dashboard import metrics

    for name, fn in metrics.METRICS.items():
        yield fn.__code__.co_firstlineno, "", metrics.describe(name), [f"description of the metric {name}"]


def msgids() -> dict[str, list[str]]:
    """msgid -> ['dashboard/file.py:line', ...]: what `make i18n` extracts, through the same mapping."""
    with MAPPING.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        singular = message[0] if isinstance(message, tuple) else message  # tn's: listed by its singular
        found.setdefault(str(singular), []).append(f"{filename}:{lineno}")
    return found
