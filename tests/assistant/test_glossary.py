"""The English → Swedish glossary that English questions are searched with."""

from __future__ import annotations

from importlib import resources

import pytest

from assistant.glossary import GLOSSARY_FILE, glossary, search_text, swedish_terms
from assistant.retrieval import Retriever


def test_the_glossary_file_is_well_formed() -> None:
    text = resources.files("assistant").joinpath(GLOSSARY_FILE).read_text(encoding="utf-8")
    english: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 2, f"line {number}: English, a tab, the Swedish terms"
        en, sv = fields
        assert en == en.lower().strip() and en, f"line {number}: English in lower case"
        terms = [t.strip() for t in sv.split("|")]
        assert all(terms), f"line {number}: an empty Swedish term"
        assert en not in {t.lower() for t in terms}, f"line {number}: the same word twice"
        english.append(en)
    assert len(english) == len(set(english)), "an English phrase is listed twice"
    assert len(glossary()) == len(english) > 150


def test_the_longest_phrase_is_read_first_and_its_words_not_again() -> None:
    terms = swedish_terms("After an emergency care order, who decides?")
    assert terms == ["omedelbart omhändertagande"]  # not also "care order" → LVU
    assert swedish_terms("The social welfare board met foster families.") == [
        "socialnämnd",
        "socialnämnden",
        "familjehem",  # "foster families": the plural of "foster family"
    ]


def test_the_askers_own_swedish_words_are_not_added_again() -> None:
    # The Swedish term in brackets right after a phrase is the asker's translation of it.
    assert swedish_terms("What is elderly care (äldreområdet) planning?") == []
    assert swedish_terms("What is elderly care planning?") == ["äldreomsorg"]
    # A term the question already has, alone or inside a compound, is not added.
    assert "modell" not in swedish_terms("Which model is Genombrottsmodellen?")


@pytest.mark.parametrize(
    ("question", "language", "searched"),
    [
        ("Vad gäller för familjehem?", "sv", "Vad gäller för familjehem?"),
        ("What is the weather like?", "en", "What is the weather like?"),
        ("What is a foster home?", "en", "What is a foster home? familjehem"),
    ],
)
def test_only_english_questions_with_glossary_words_change(
    question: str, language: str, searched: str
) -> None:
    assert search_text(question, language) == searched


def test_an_english_question_finds_the_faq_in_swedish_words(sample_services) -> None:
    # Only one FAQ answer says "försäkringsskydd"; by meaning alone the English question
    # comes closer to another one about foster parents' rights.
    question = "Does a foster parent get compensation and insurance?"
    retriever = Retriever(sample_services)
    plain = retriever.search(question)
    searched = retriever.search(search_text(question, "en"))
    assert "försäkringsskydd" in searched[0].text
    assert "försäkringsskydd" not in plain[0].text
