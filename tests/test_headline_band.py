"""The headline band (issue 16): the Overview is headed by its three answers, each intake page by the one it
answers at length (Velocity: how fast; Country of origin: from where; Time to cap: when full), in both
languages. On the hand-checked fixture (conftest.BASIC_ROWS): cap 5, reached by P5 at 10:40 EDT on 16 July."""

from __future__ import annotations

import pytest
from conftest import app_test


def band(at) -> list[str]:
    """The band's paragraphs: the markdown lines that name one of its three questions."""
    heads = ("When full", "How fast", "From where", "Échéance", "À quel rythme", "D'où")
    return [m.value for m in at.markdown if any(f"**{h}:**" in m.value or f"**{h} :**" in m.value for h in heads)]


def test_the_overview_answers_all_three(shared_basic_warehouse):
    at = app_test()
    assert not at.exception
    assert [line.split("**")[1] for line in band(at)] == ["When full:", "How fast:", "From where:"]


@pytest.mark.parametrize(("view", "lang", "expected"), [
    ("views/velocity.py", "en", "**How fast:** 3 principal applications per hour until the cap. "
                                "Busiest hour: 3, from Sun 16 Jul 2023, 09:00 EDT."),
    ("views/countries.py", "en", "**From where:** India 57%, China 29%, South Korea 14% of "
                                 "principal applications"),
    ("views/time_to_cap.py", "en", "**When full:** Cap reached Sun 16 Jul 2023, 10:40 EDT. "
                                   "1 h 40 min after opening; 5 counted toward the cap of 5."),
    ("views/time_to_cap.py", "fr", "**Échéance :** Plafond atteint le dim. 16 juill. 2023, 10 h 40 "
                                   "HAE. 1 h 40 min après l'ouverture ; 5 comptées sur un plafond de 5."),
])
def test_each_intake_page_is_headed_by_the_answer_it_gives_at_length(shared_basic_warehouse, view, lang, expected):
    at = app_test(view, {"lang": lang})
    assert not at.exception
    assert band(at) == [expected]


def test_pages_the_band_does_not_answer_have_none(shared_basic_warehouse):
    at = app_test("views/about.py")
    assert not at.exception and band(at) == []
