"""Search an English question with the Swedish terms of social services it stands for.

The sources are Swedish. The multilingual embedding finds them for an English question
only by meaning, and e5-small's cross-language matches are weak at sentence level: "an
emergency care order by the social welfare board" comes close to any text about boards and
orders, not to the FAQ that says "omedelbart omhändertagande" and "socialnämnden". The
Swedish words are what the sparse index can match and what pulls the query vector to the
right text, so an English question is searched with them added (``search_text``).

Only the search sees the added terms. The answerability judge reads the question as asked:
added acronyms (LVU, FoU) would otherwise become terms the evidence must name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

GLOSSARY_FILE = "glossary_en_sv.tsv"
_NON_WORD = re.compile(r"[^\w&'-]+")


@lru_cache(maxsize=1)
def glossary() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(English phrase, Swedish terms), longest phrase first so that "emergency care order"
    is read before "care order"."""
    text = resources.files("assistant").joinpath(GLOSSARY_FILE).read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, swedish = line.split("\t")
        entries.append((english, tuple(t.strip() for t in swedish.split("|"))))
    return tuple(sorted(entries, key=lambda e: (-len(e[0]), e[0])))


def swedish_terms(question: str) -> list[str]:
    """The Swedish terms for the glossary phrases in ``question`` (a plural "-s" included),
    each phrase read once: the words of a longer phrase are not read again on their own."""
    text = f" {_NON_WORD.sub(' ', question.lower())} "
    found: list[str] = []
    for english, swedish in glossary():
        for form in (f" {english} ", f" {english}s "):
            if form in text:
                found.extend(t for t in swedish if t not in found)
                text = text.replace(form, " | ")
    return found


def search_text(question: str, language: str) -> str:
    """What to search for: a Swedish question as it is, another one with its Swedish terms."""
    if language == "sv":
        return question
    terms = swedish_terms(question)
    return f"{question} {' '.join(terms)}" if terms else question
