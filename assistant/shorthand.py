"""Spell out the shorthand and colloquial words social workers type ("får soc begränsa
umgänget", "fam.hem", "gbg", "LVU gäller tom 18?", "ungar") before searching and judging a
question.

The sources write the words out, so an abbreviation is a key term the evidence can never
contain: the question would be declined, or found only by meaning. Only the search and the
answerability judge see the spelled-out form; the question itself is kept as typed.
"""

from __future__ import annotations

import re

from kunskap.text import spoken_date

# Lower-case shorthand → what the sources write. Only forms that mean one thing in a question
# to social services: "tom" is "till och med" there, not "empty".
SHORTHAND = {
    "soc": "socialtjänsten",
    "socen": "socialtjänsten",
    "gbg": "Göteborg",
    "sthlm": "Stockholm",
    "fam.hem": "familjehem",
    "famhem": "familjehem",
    "ek bistånd": "ekonomiskt bistånd",
    "ek. bistånd": "ekonomiskt bistånd",
    "tom": "till och med",
    "t.o.m.": "till och med",
    "t.o.m": "till och med",
    "fr.o.m.": "från och med",
    "fr.o.m": "från och med",
    "enl.": "enligt",
    "enl": "enligt",
    "o": "och",
    "m": "med",
    "bl.a.": "bland annat",
    "bl.a": "bland annat",
    "ang.": "angående",
    "ang": "angående",
    "pga": "på grund av",
    "p.g.a.": "på grund av",
    "nåt": "något",
    "nån": "någon",
    "ngt": "något",
    "ngn": "någon",
    "mkt": "mycket",
    "tex": "till exempel",
    "t.ex.": "till exempel",
    # Laws typed in lower case: as acronyms they are specific terms the evidence must name
    # ("vad gäller enl lvm …" to a material that never mentions LVM is off topic).
    "lvu": "LVU",
    "lvm": "LVM",
    "lss": "LSS",
    "hsl": "HSL",
    "osl": "OSL",
    # Colloquial words with one meaning the sources write otherwise (two blind question sets
    # asked "hur många ungar omhändertogs" of a text that counts "barn").
    "ungar": "barn",
    "ungarna": "barnen",
    "ungen": "barnet",
}

# Longest first, so "ek bistånd" wins over a shorter key; never inside a word or inside
# another abbreviation ("o.s.v.").
_PATTERN = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(k) for k in sorted(SHORTHAND, key=len, reverse=True))
    + r")(?!\w|\.\w)",
    re.IGNORECASE,
)


# Capitalised, these are a name ("Tom") or an initial ("M. Larsson"), not shorthand.
_LOWER_CASE_ONLY = {"tom", "o", "m"}


def _spelled(match: re.Match[str]) -> str:
    typed = match.group(1)
    if typed.lower() in _LOWER_CASE_ONLY and not typed.islower():
        return typed
    return SHORTHAND[typed.lower()]


# "6/5 2022", "24/3/2023" (day first, as in Sweden); "vt -22", "ht 2025", "år -20".
_SLASH_DATE = re.compile(r"\b([0-3]?\d)/([01]?\d)(?:/|\s+)((?:19|20)\d\d)\b")
_TERM = re.compile(r"\b(vt|ht)\s*-?\s*'?((?:19|20)?\d\d)\b", re.IGNORECASE)
_SHORT_YEAR = re.compile(r"(?<=\s)[-'’](\d\d)\b")


def _date(match: re.Match[str]) -> str:
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    return spoken_date(day, month, year)


def _term(match: re.Match[str]) -> str:
    year = match.group(2)
    season = "våren" if match.group(1).lower() == "vt" else "hösten"
    return f"{season} {year if len(year) == 4 else '20' + year}"


def spell_out(question: str) -> str:
    """``question`` with known shorthand written out; everything else unchanged."""
    question = _SLASH_DATE.sub(_date, question)
    question = _TERM.sub(_term, question)
    question = _SHORT_YEAR.sub(lambda m: f"20{m.group(1)}", question)
    return _PATTERN.sub(_spelled, question)
