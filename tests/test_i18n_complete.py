"""Every string the dashboard shows has a French translation, with the same placeholders."""

from __future__ import annotations

import re

from dashboard.i18n import catalogue
from dashboard.i18n_extract import missing, msgids


def test_every_shown_string_has_a_french_translation():
    gaps = missing("fr")
    assert gaps == {}, "untranslated (add them to dashboard/locale/fr/LC_MESSAGES/*.po):\n" + "\n".join(
        f"{where[0]}: {m!r}" for m, where in gaps.items())


def test_translations_keep_their_placeholders():
    fr = catalogue("fr")
    wrong = {m: fr[m] for m in msgids() if m in fr
             and sorted(re.findall(r"\{\w*\}", m)) != sorted(re.findall(r"\{\w*\}", fr[m]))}
    assert wrong == {}
