"""Acronyms and the names they stand for are read as one."""

from __future__ import annotations

from assistant.aliases import with_aliases
from assistant.vocabulary import alias_terms
from kunskap.analysis import analyze, term_set


def test_either_form_brings_the_other() -> None:
    assert with_aliases("data från SKL:s satsningar").endswith(
        "SKL Sveriges Kommuner och Landsting"
    )
    assert "SoS" in with_aliases("Socialstyrelsen planerar avropen")
    assert "GR" in with_aliases("på GR-mötet i mars")
    # Acronyms only as written: "gr" or "sos" inside Swedish words are not names.
    assert with_aliases("grupper och sosialt arbete") == "grupper och sosialt arbete"


def test_a_material_using_one_form_knows_the_other() -> None:
    terms = term_set("ESF-ansökan inskickad och SKL:s satsningar")
    extra = alias_terms(terms)
    assert set(analyze("Europeiska socialfonden Sveriges Kommuner och Landsting")) <= extra
    assert not set(analyze("Folkhälsomyndigheten")) & extra
