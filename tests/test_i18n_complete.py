"""Every string the dashboard shows has a French translation, with the same placeholders.

The msgids are what Babel extracts through babel.cfg (`make i18n`): t() and N_() literals, and every
metric's description (the Extracts page shows them translated, so a docstring edit needs French too).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from dashboard import extract, metrics
from dashboard.i18n import LOCALE_DIR, catalogue
from dashboard.i18n_babel import msgids

AREAS = {"core", "pages", "extracts", "ingest", "forecast", "brief", "security"}  # the Makefile's I18N_AREAS


def test_every_shown_string_has_a_french_translation():
    fr = catalogue("fr")
    gaps = {m: where for m, where in msgids().items() if m not in fr}
    assert gaps == {}, "untranslated (run `make i18n`, then translate dashboard/locale/fr/LC_MESSAGES/*.po):\n" + \
        "\n".join(f"{where[0]}: {m!r}" for m, where in gaps.items())


def test_every_described_metric_has_its_description_in_french():
    fr = catalogue("fr")
    found = msgids()
    for name in metrics.METRICS:
        description = metrics.describe(name)
        assert description, f"metric {name} has no docstring to describe it"
        assert description in found, f"Babel does not extract the description of {name} (babel.cfg)"
        assert fr.get(description, description) != description, \
            f"metric {name}: no French for {description!r} (run `make i18n` and translate extracts.po)"


def test_every_metric_has_a_title_for_people_in_both_languages():
    fr = catalogue("fr")
    untitled = sorted(set(metrics.METRICS) - set(extract.TITLES))
    assert untitled == [], "add a title to extract.TITLES for: " + ", ".join(untitled)
    assert sorted(set(extract.TITLES) - set(metrics.METRICS)) == []  # no title for a metric that is gone
    for name in metrics.METRICS:
        english = extract.title(name)
        assert english != name and "_" not in english, name
        assert fr.get(english, english) != english, f"metric {name}: no French for its title {english!r}"
    assert len(set(extract.TITLES.values())) == len(extract.TITLES)  # two metrics never look alike


def test_translations_keep_their_placeholders():
    fr = catalogue("fr")
    wrong = {m: fr[m] for m in msgids() if m in fr
             and sorted(re.findall(r"\{\w*\}", m)) != sorted(re.findall(r"\{\w*\}", fr[m]))}
    assert wrong == {}


def test_catalogues_are_named_by_area_and_agree_with_each_other():
    folder = LOCALE_DIR / "fr" / "LC_MESSAGES"
    assert {p.stem for p in folder.glob("*.po")} == AREAS
    seen: dict[str, tuple[str, Path]] = {}
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh, locale="fr_CA"):
                if not msg.id:
                    continue
                assert not msg.fuzzy, f"{po.name}: a fuzzy entry is not a translation: {msg.id!r}"
                if msg.id in seen and msg.string and seen[msg.id][0]:  # a string shown in two areas
                    assert msg.string == seen[msg.id][0], f"{po.name} and {seen[msg.id][1].name}: {msg.id!r}"
                seen[msg.id] = (msg.string if isinstance(msg.string, tuple) else str(msg.string), po)


def test_messages_with_plural_forms_are_translated_in_every_form_with_their_placeholders():
    """tn(singular, plural, n): each form of the French keeps its English form's placeholders."""
    from dashboard.i18n import _plurals

    found = 0
    for po in sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh, locale="fr_CA"):
                if not isinstance(msg.id, tuple):
                    continue
                found += 1
                assert len(msg.string) == 2 and all(msg.string), f"{po.name}: {msg.id[0]!r} lacks a form"
                for english, french in zip(msg.id, msg.string, strict=True):
                    assert sorted(re.findall(r"\{\w*\}", english)) == sorted(re.findall(r"\{\w*\}", french)), \
                        f"{po.name}: {french!r}"
    assert found >= 20 and len(_plurals("fr")) >= 20  # the counts shown in sentences (overview, decisions, ...)
