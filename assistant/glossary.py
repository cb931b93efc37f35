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


@lru_cache(maxsize=1)
def glossary() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """(English phrase as a pattern, Swedish terms), longest phrase first so that
    "emergency care order" is read before "care order".

    A phrase counts in the plural too ("foster families"), but not where the asker gives
    the Swedish term in brackets right after it ("elderly care (äldreområdet)"): their own
    word is the one to search with.
    """
    text = resources.files("assistant").joinpath(GLOSSARY_FILE).read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, swedish = line.split("\t")
        words = r"[\s-]+".join(re.escape(w) for w in english.split())
        pattern = re.compile(rf"(?<![\w&'-]){words}(?:s|es)?(?![\w&'-])(?!\s*\()", re.I)
        entries.append((len(english), pattern, tuple(t.strip() for t in swedish.split("|"))))
    entries.sort(key=lambda e: -e[0])
    return tuple((pattern, swedish) for _, pattern, swedish in entries)


def swedish_terms(question: str) -> list[str]:
    """The Swedish terms for the glossary phrases in ``question``, each phrase read once:
    the words of a longer phrase are not read again on their own."""
    text, asked = question, question.lower()
    found: list[str] = []
    for pattern, swedish in glossary():
        text, matches = pattern.subn(" | ", text)
        if matches:
            # A term the question already uses, alone or in a compound ("the model
            # (Genombrottsmodellen)"), adds nothing but weight on a word it has.
            found.extend(t for t in swedish if t not in found and t.lower() not in asked)
    return found


def search_text(question: str, language: str) -> str:
    """What to search for: a Swedish question as it is, another one with its Swedish terms."""
    if language == "sv":
        return question
    terms = swedish_terms(question)
    return f"{question} {' '.join(terms)}" if terms else question
