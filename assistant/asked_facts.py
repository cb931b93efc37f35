"""The kind of fact a question asks for, and whether the evidence gives it.

A question asking for an amount, a duration, a date, a person, contact details, a time of
day or a count needs a sentence about its topic that gives one: this is what makes
near-misses decline (the topic is in the material, the number is not). The composer reads
the same kinds (``AskedFact.stated_in``) to put the sentence giving the fact first, so that
an answer quotes the fact the question was judged answerable by. Place, definition (what an
acronym stands for), explanation (what a notion is), steps and reason are recognised for
the composer only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from assistant.question_terms import _GENERIC_TERMS, TopicMatch
from kunskap.analysis import analyze, fold, matched_terms, term_set
from kunskap.text import SWEDISH_MONTHS, split_sentences

_AMOUNT_Q = re.compile(
    r"\b(hur mycket|vad kostar|vad kostade|belopp\w*|kronor|summa|how much|what does it cost"
    r"|what(?:'s| is| are) the (?:\w+ ){0,3}(?:fee|fees|cost|costs|price|charge))\b",
    re.IGNORECASE,
)
# "350 kr", "12 %", "3 miljarder kronor", "fyratusen miljoner kronor".
_AMOUNT_EVIDENCE = re.compile(
    r"\d[\d\s,]*\s?((miljon|miljoner|miljard|miljarder)\s+)?(kr\b|kronor|sek\b|:-|procent|%)"
    r"|\b\w*(tusen|hundra|miljon|miljoner|miljard|miljarder)\s+(kronor|kr\b)"
    # A share: "cirka en tredjedel", "hälften", "två femtedelar".
    r"|\b(hälften|(tredje|fjärde|femte|sjätte|sjunde|åttonde|nionde|tionde)del(ar|en)?)\b",
    re.IGNORECASE,
)
_COUNT_Q = re.compile(r"\b(hur många|antal\w*|how many|number of)\b", re.IGNORECASE)
# "när" asks for a time only when it opens the question ("Måste man dokumentera när …" does
# not). "När kan …" often asks for conditions rather than a date, but exempting it answered
# more SweFAQ questions wrongly than rightly (eval run 2026-11-23), so it is not exempt.
_DATE_Q = re.compile(
    r"(^|[:–-]\s*)när\b"
    r"|\b(vilket år|vilket datum|vilken dag|datum|årtal|sedan när|sen när|ansökningsdag"
    r"|sista dag|deadline|when|what year|what date)\b",
    re.IGNORECASE,
)
_DURATION_Q = re.compile(
    r"\b(hur lång tid|hur länge|inom hur|max(imal)? tid|hur många (dagar|veckor|månader|år|timmar)"
    r"|how long|within how)\b",
    re.IGNORECASE,
)
# "i två år", "inom en vecka"; "sedan 1999" (how long something has existed); a meeting's
# clock times "kl. 09:00-15:00" (how long it lasted).
_DURATION_EVIDENCE = re.compile(
    r"\b(\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|tolv|fjorton|trettio)\s+"
    r"(dag|dagar|dygn|vecka|veckor|månad|månader|år|timme|timmar)\b"
    r"|\bsedan\s+(1[89]|20)\d\d\b"
    # A span of years ("2025–2028"; OCR may break the line after the dash).
    r"|\b(1[89]|20)\d\d\s*[-–—]\s*(1[89]|20)\d\d\b"
    r"|\b\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}\b",
    re.IGNORECASE,
)
_EXISTED_SINCE_Q = re.compile(
    r"\b(hur länge|how long)\b.*\b(funnits|existerat|pågått|hållit på|varit verksam\w*"
    r"|been around|existed|been running)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DURATION_OR_YEAR = re.compile(f"{_DURATION_EVIDENCE.pattern}|{_YEAR.pattern}", re.IGNORECASE)
# Numbers as Swedish texts spell them, for counts.
_NUMBER_WORDS = (
    "två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tjugo|trettio|fyrtio|femtio|hundra|tusen"
)
# Questions that ask for a person by name; "Vem beslutar …" is answered by a role and is not
# one of them.
_PERSON_Q = re.compile(
    r"\b(vem är|vem var|vem skrev|vilka skrev|vem gav|who is|who was|who wrote|who spoke"
    r"|who introduced)\b",
    re.IGNORECASE,
)
_ROLE_Q = re.compile(
    r"\b(?:vem är|vem var|who is|who was)\s+((?:[^\W\d_]+\s+){0,2}?[^\W\d_]+)"
    r"(?=\s+(?:för|i|på|vid|av|inom|of|at|for|in)\b|\s*[?,.]|$)",
    re.IGNORECASE,
)
# A role held by another body's office-holder: "med Socialstyrelsens generaldirektör som
# ordförande" names the chair as well as a name would.
_OFFICE_HOLDER = re.compile(
    r"\b[A-ZÅÄÖ][\wåäö]*(?::s|s)\s+\w*(direkt|chef|ordf|ledare|minister)\w*"
)
_NAME = r"[A-ZÅÄÖ][a-zåäöéü]+"
_PERSON_EVIDENCE = re.compile(rf"\b{_NAME}(-{_NAME})? [A-ZÅÄÖ][a-zåäöéü]{{2,}}")
# A time of day; "Under vilken tid gäller beslutet?" asks for a period and is not one.
_CLOCK_Q = re.compile(
    r"\b(vilken tid (?:börjar|startar|slutar|öppnar|stänger)|(?:börjar|startar|slutar)\b.*"
    r"\bvilken tid\b|vilket klockslag|hur dags|när på dagen|what time)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b(kl\.?|klockan)\s*\d{1,2}\b|\b\d{1,2}[.:]\d{2}\b", re.IGNORECASE)
_CONTACT_Q = re.compile(
    r"\b(telefonnummer|telefon|ringa|e-post|mejl|öppettider|phone|e-?mail|opening hours)\b",
    re.IGNORECASE,
)
_CONTACT_EVIDENCE = re.compile(
    r"\b0\d{1,3}[- ]?\d{2,3}[ ]?\d{2}[ ]?\d{2}\b"  # phone number
    r"|@\w+\.\w+"  # e-mail
    r"|\b\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}"  # opening hours
)
_COUNTED = re.compile(r"\b(?:hur många|how many)\s+(?:\S*\d\S*\s+)?([^\W\d_]{3,})", re.IGNORECASE)
# A year or a day of a month; or a sentence about the date itself, which answers by saying
# where it is given ("Sista datum för … kommer att stå i e-postmeddelandet").
_DATE_EVIDENCE = re.compile(
    rf"{_YEAR.pattern}|\b\d{{1,2}} ({'|'.join(SWEDISH_MONTHS)})\b"
    r"|\b(datum|datumet|sista dag|sista dagen)\b"
    # "När …?" is answered by how often ("årligen", "en gång i veckan") and by how soon ("så
    # fort den inte behövs", "genast") as well as by a date. Not "omedelbart": in these
    # sources it is mostly the LVU term "omedelbart omhändertagande", not a time.
    r"|\b(årligen|dagligen|veckovis|månadsvis|kvartalsvis|varje (år|vecka|månad|dag|termin)"
    r"|(en|två|tre|fyra) gång(er)? (i|per) (året|år|veckan|vecka|månaden|månad|terminen|dagen)"
    r"|så fort|så snart|genast|snarast)\b",
    re.IGNORECASE,
)
# "ett"/"en" count only when official style spells the numeral out after them: "ett (1)
# avropssvar"; otherwise they are articles ("en modell"). The bracketed numeral is skipped.
_NUMBER_WORD = rf"(\d[\d\s]*|{_NUMBER_WORDS}|(?:ett|en)(?=\s*\(1\)))(?:\s*\(\d+\))?"


# "Where was the meeting held?", "I vilken lokal …?". A Swedish "Var …" opens yes/no
# questions too ("Var det hon som skrev …?"), so only "var" before a verb of place counts.
_PLACE_Q = re.compile(
    r"^\W*where\b|\b(vilken lokal|vilken plats|vilken adress|var (?:hölls|ligger|låg|äger|ägde|"
    r"finns|träffas|träffades)|which (?:room|venue|place|address))\b",
    re.IGNORECASE,
)

# "Plats: GR", "Lokal Sexan", a street.
_PLACE = re.compile(r"\b(?:plats|lokal|adress|address|venue)\b|\w+gatan\b|\bgatan \d", re.I)

AskedKind = Literal[
    "amount",
    "duration",
    "date",
    "person",
    "contact",
    "clock",
    "count",
    "place",
    "definition",
    "explanation",
    "steps",
    "reason",
]


@dataclass(frozen=True)
class AskedFact:
    """The kinds of fact a question asks for, and how to tell a sentence that gives one.

    The composer puts such a sentence first, so that the answer quotes the fact asked for
    (the judge's own check, ``asked_fact_present``, looks for the same kinds of fact in
    the evidence as a whole, near the question's topic).
    """

    question: str
    kinds: frozenset[AskedKind]
    lexical: bool = True  # a Swedish question, whose words the sources can contain

    def stated_in(self, sentence: str) -> bool:
        return any(_STATES[kind](self, sentence) for kind in self.kinds)


def asked_fact(question: str, *, language: str = "sv") -> AskedFact:
    """What kind of fact ``question`` asks for: an amount, a duration, a date, a person,
    contact details, a time of day, a count, a place, what an acronym stands for, or a
    reason."""
    kinds = frozenset(kind for kind, asks in _ASKS.items() if asks.search(question))
    return AskedFact(question, kinds, lexical=language == "sv")


# A number that counts something: not a year, a date, a clock time or a paragraph ("5 kap.
# 1 §", "2022-05-06", "15 februari", "09.30").
_COUNT_EVIDENCE = re.compile(
    rf"(?<![\d/:.-])\b(?!(?:1[89]|20)\d\d\b)\d+(?:\s\d{{3}})*\b(?![/:.-]\d)"
    rf"(?!\s+(?:{'|'.join(SWEDISH_MONTHS)}|kap|§))"
    rf"|\b({_NUMBER_WORDS})\b",
    re.IGNORECASE,
)


def _counted_noun(question: str, *, lexical: bool) -> list[str]:
    """What a count question counts, stemmed ("hur många moment" → moment). Nothing for a
    verb ("hur många deltog"), which names no counted thing, nor for an English question,
    whose noun Swedish text cannot contain."""
    counted = _COUNTED.search(question)
    if not counted or not lexical or not _looks_like_noun(counted.group(1)):
        return []
    return analyze(counted.group(1))


def _count_present(
    question: str, evidence: str, *, lexical: bool, terms: list[str], topic: TopicMatch
) -> bool:
    """A count needs a number next to what is counted ("50 personer", "sju moment"); with
    no counted noun, a count in a sentence on the topic will have to do."""
    noun = _counted_noun(question, lexical=lexical)
    if not noun:
        return _in_a_relevant_sentence(_COUNT_EVIDENCE, evidence, terms, topic)
    return _number_before(noun, evidence)


def _duration_evidence(question: str) -> re.Pattern[str]:
    """What gives a duration; for "Hur länge har X funnits?" also the year X began
    ("startade 1999")."""
    return _DURATION_OR_YEAR if _EXISTED_SINCE_Q.search(question) else _DURATION_EVIDENCE


def _number_before(noun: list[str], text: str) -> bool:
    """A number stands right before the counted noun ("sju moment", "50 personer")."""
    for match in re.finditer(_NUMBER_WORD + r"\s+([^\W\d_]+)(?:[\s/]+([^\W\d_]+))?", text):
        following = {t for word in match.groups()[1:] if word for t in analyze(word)}
        if matched_terms(noun, following):
            return True
    return False


@lru_cache(maxsize=64)
def _without_diacritics(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(fold(pattern.pattern), pattern.flags)


def _gives(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` finds the fact in ``text``, also where OCR lost or changed the diacritics
    ("Sedan snart tio ar", "som funnits i två är" in the scanned Göteborg report)."""
    return bool(pattern.search(text) or _without_diacritics(pattern).search(fold(text)))


# A list item: the sentence before it is another item or the list's lead-in, not its subject
# ("Dialogen fortsätter vid nästkommande IFO-chefsnätverk. - ✓ Dialog kring 30 mars …" does
# not date the next meeting).
_ITEM = re.compile(r"^\s*(?:[-•–✓*]\s*)+")


def _in_a_relevant_sentence(
    pattern: re.Pattern[str], evidence: str, terms: list[str], topic: TopicMatch
) -> bool:
    """The asked-for kind of fact stands in a sentence about the question's topic.

    A sentence is read with the one before it, which often names the subject
    ("FoU i Väst … Den har funnits sedan 1999").
    """
    if not terms:
        return _gives(pattern, evidence)
    sentences = split_sentences(evidence)
    return any(
        topic.covers(
            terms, f"{sentences[i - 1]} {current}" if i and not _ITEM.match(current) else current
        )
        for i, current in enumerate(sentences)
        if _gives(pattern, current)
    )


_VERB_AFTER_COUNT = re.compile(r"(ade|ades|de|des|te|tes|dde|og|ogs|ick|ickt|om|ar sig)$")


def _looks_like_noun(word: str) -> bool:
    """'hur många deltog' counts people with a verb; 'hur många dagar' names the unit.

    Past-tense endings mark the verb; anything else is taken as the counted noun, which is
    the stricter reading (a number must stand next to it).
    """
    return not _VERB_AFTER_COUNT.search(word.lower())


def _person_named(question: str, evidence: str, *, lexical: bool) -> bool:
    role = _ROLE_Q.search(question) if lexical else None  # an English role cannot be matched
    role_terms = [t for t in analyze(role.group(1)) if t not in _GENERIC_TERMS] if role else []
    if not role_terms:
        return bool(_PERSON_EVIDENCE.search(evidence))
    return any(
        (_PERSON_EVIDENCE.search(sentence) or _OFFICE_HOLDER.search(sentence))
        and matched_terms(role_terms, term_set(sentence))
        for sentence in split_sentences(evidence)
    )


# Where one question of several ends and the next begins: "Vilket år tog X fram Y, och hur
# många Z arbetar där?" asks a year about X and Y and a count about Z.
_NEXT_QUESTION = re.compile(
    r"[?;]|,\s*(?:och|samt|and)\s+(?=\w)|\s(?:och|samt|and)\s+(?=(?:hur|vad|vilk\w*|när|vem|var"
    r"|how|what|which|when|who|where)\b)",
    re.IGNORECASE,
)


def _asked_about(question: str, asking: re.Pattern[str], terms: list[str]) -> list[str]:
    """The key terms of the part of ``question`` that asks for the fact ``asking`` finds.

    A fact has to stand in a sentence about its own part of a two-part question; measured
    against the terms of both parts, the sentence giving the year looks off topic.
    """
    found = asking.search(question)
    if not found or not terms:
        return terms
    # The words that ask ("vilket datum", "hur mycket kostar") are not what the fact is about.
    asking_words = set(analyze(found.group()))
    terms = [t for t in terms if t not in asking_words] or terms
    cuts = list(_NEXT_QUESTION.finditer(question))
    starts, ends = [0, *(c.end() for c in cuts)], [*(c.start() for c in cuts), len(question)]
    spans = zip(starts, ends, strict=True)
    parts = [(start, end) for start, end in spans if question[start:end].strip()]
    own_part = [question[s:e] for s, e in parts if s <= found.start() < e]
    if len(parts) < 2 or not own_part:
        return terms
    own = set(analyze(own_part[0]))
    return [t for t in terms if t in own] or terms


def asked_fact_present(
    question: str,
    evidence: str,
    *,
    lexical: bool = True,
    terms: list[str] | None = None,
    topic: TopicMatch = TopicMatch(),
) -> tuple[bool, str]:
    own_terms = (terms or []) if lexical else []

    def about(asking: re.Pattern[str]) -> list[str]:
        return _asked_about(question, asking, own_terms)

    if _AMOUNT_Q.search(question) and not _in_a_relevant_sentence(
        _AMOUNT_EVIDENCE, evidence, about(_AMOUNT_Q), topic
    ):
        return False, "asks for an amount the evidence does not give"
    if _DURATION_Q.search(question) and not _in_a_relevant_sentence(
        _duration_evidence(question), evidence, about(_DURATION_Q), topic
    ):
        return False, "asks for a duration the evidence does not give"
    if _DATE_Q.search(question) and not _in_a_relevant_sentence(
        _DATE_EVIDENCE, evidence, about(_DATE_Q), topic
    ):
        return False, "asks for a date the evidence does not give"
    # Minutes name people in headings and lists, away from what they said: any name will do,
    # except for a role ("Vem är chef för …"), whose holder is named beside the role.
    if _PERSON_Q.search(question) and not _person_named(question, evidence, lexical=lexical):
        return False, "asks for a person the evidence does not name"
    if _CONTACT_Q.search(question) and not _CONTACT_EVIDENCE.search(evidence):
        return False, "asks for contact details the evidence does not give"
    if _CLOCK_Q.search(question) and not _in_a_relevant_sentence(
        _CLOCK, evidence, about(_CLOCK_Q), topic
    ):
        return False, "asks for a time of day the evidence does not give"
    if _COUNT_Q.search(question) and not _count_present(
        question, evidence, lexical=lexical, terms=about(_COUNT_Q), topic=topic
    ):
        return False, "asks for a count the evidence does not give"
    return True, ""


def _gives_count(asked: AskedFact, sentence: str) -> bool:
    noun = _counted_noun(asked.question, lexical=asked.lexical)
    return _number_before(noun, sentence) if noun else bool(_COUNT_EVIDENCE.search(sentence))


# What an acronym stands for: "Vad står HKN för?", "Vad betyder förkortningen RSS:er?", "Vad är
# NUSO?", "What does LVU stand for?". Only acronyms: "Vad är beprövad erfarenhet?" asks for
# an explanation, which no pattern can recognise.
_DEFINITION_Q = re.compile(
    r"\b(?i:vad\s+(?:står|betyder|är|innebär)|what\s+(?:does|is|do))\s+"
    r"(?i:(?:förkortningen|begreppet|the\s+(?:abbreviation|acronym))\s+)?"
    r"(?P<acronym>[A-ZÅÄÖ]{2,})(?![a-zåäö])"
)


def _gives_definition(asked: AskedFact, sentence: str) -> bool:
    """A sentence saying what the acronym stands for: "HKN står för …", "RSS = regionala …",
    "Nationell uppföljning … (NUSO)", or a footnote "Förkortningen står för …"."""
    found = _DEFINITION_Q.search(asked.question)
    if found is None:
        return False
    acronym = re.escape(found.group("acronym"))
    return bool(
        re.search(rf"\b{acronym}\b\S{{0,3}}\s*(=|st[aå]r\s+f[oö]r|betyder)", sentence)
        or re.search(rf"\w\s*\(\s*{acronym}\s*\)", sentence)
        or re.search(r"förkortning\w*\s+st[aå]r\s+f[oö]r", sentence, re.IGNORECASE)
    )


# What a notion is: "Vad är beprövad erfarenhet?", "Vad innebär en kontaktfamilj?", "Vad menas
# med kunskapsbaserad socialtjänst?"; a question of one part only. Swedish only: the sources
# cannot contain an English question's words. An acronym's expansion is "definition" above.
_EXPLANATION_Q = re.compile(
    r"^\W*vad\s+(?:är|innebär|betyder|(?:menas|avses)\s+med)\s+"
    r"(?:(?:en|ett|begreppet|termen|uttrycket)\s+)?"
    r"(?P<notion>(?:(?!\b(?:hur|vad|vilk\w*|när|vem|var|varför)\b)[^?.!]){3,60}?)\s*[?.!]?\s*$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]+")
# What follows the notion in a sentence that says what it is: "Beprövad erfarenhet är kunskap
# som …", "… innebär att …", "… definieras som …".
_COPULAS = frozenset("är innebär betyder avser definieras kallas beskrivs handlar".split())


def _gives_explanation(asked: AskedFact, sentence: str) -> bool:
    """A sentence that opens with the asked notion, as its subject, and says what it is
    ("Beprövad erfarenhet är kunskap som är provad …", "Den beprövade erfarenheten är …"),
    or "Med <notion> avses/menas …". Not one that only names it ("En poäng med beprövad
    erfarenhet är alltså …")."""
    found = _EXPLANATION_Q.search(asked.question)
    notion = analyze(found.group("notion")) if found else []
    if not notion:
        return False
    words = [w.group().lower() for w in _WORDS.finditer(sentence)][: len(notion) + 6]
    stems = [(analyze(w) or [""])[0] for w in words]
    for start in range(min(4, len(words))):
        run = [i for i in range(start, len(words)) if stems[i]][: len(notion)]
        if [stems[i] for i in run] != notion or not run or run[0] != start:
            continue
        after = words[run[-1] + 1] if run[-1] + 1 < len(words) else ""
        if after in _COPULAS:
            return start == 0 or all(not stems[i] for i in range(start))
        if start > 0 and words[start - 1] == "med" and after in {"avses", "menas"}:
            return True
    return False


_REASON_Q = re.compile(r"^\W*(?:varför|why)\b|\b(?:av vilken anledning|vad beror det på)\b", re.I)
# Words that give a reason or a consequence: "eftersom …", "Genom att personalen är vaccinerad
# kan man minska risken …", "Det betyder att hon har rätt …", "… kräver att man möts".
_REASON = re.compile(
    r"\b(?:eftersom|därför|för att|på grund av|beror på|genom att|kräver|betyder att|innebär att"
    r"|leder till|bidrar till|syftet|risk\w*|so that|because|since|in order to|due to)\b",
    re.I,
)

# The steps of a model or a process: "Vilka steg har SKR:s modell …?", "Vilka moment ingår?",
# "What are the stages of …?". Answered by the sentences that state a step ("Steg 1 innebär
# att gå igenom …", "Steg 2 innebär att sammanställningen stäms av …", "Det första steget är
# …"), not by the one that counts them ("Modellen består av två steg").
_STEPS_Q = re.compile(
    r"\b(?:vilka|vilket)\s+(?:\w+\s+)?(?:steg|moment|faser|etapper)\b"
    r"|\b(?:stegen|momenten|faserna|etapperna)\b"
    r"|\b(?:which|what)\s+(?:are\s+the\s+)?(?:\w+\s+)?(?:steps|stages|phases)\b",
    re.IGNORECASE,
)
# A sentence that states a step: its label and number, with something after it ("Steg 2
# innebär …", "Moment 1: …", "Moment 2 och 3 …"), or an ordinal ("Det första steget är …").
_STEP_NUMBER = re.compile(
    r"\b(?P<word>steg|moment|fas|etapp|step|stage|phase)\s+(?P<n>\d+)\b"
    r"(?=\s*(?:[:.–-]|och\s+\d|\w))"
    r"|\b(?P<ordinal>första|andra|tredje|fjärde|femte|sista)\s+(?P<oword>steget|momentet|fasen"
    r"|etappen)\b",
    re.IGNORECASE,
)
_ORDINALS = {"första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "femte": 5, "sista": 99}


def steps_stated(sentence: str) -> list[tuple[str, int]]:
    """The steps a sentence states, in order, as (the word for a step, its number): "Steg 2
    innebär att …" → [("steg", 2)], "Det första steget är …" → [("steg", 1)], a list of
    moments 1–5 → five."""
    out = []
    for found in _STEP_NUMBER.finditer(sentence):
        if found.group("n"):
            out.append((fold(found.group("word").lower()), int(found.group("n"))))
        else:
            word = fold(found.group("oword").lower()).removesuffix("et").removesuffix("en")
            out.append((word, _ORDINALS[found.group("ordinal").lower()]))
    return out


def asked_step_word(question: str) -> str | None:
    """The word a steps question uses: "Vilka steg …" → "steg", "Vilka moment …" → "moment"."""
    found = re.search(r"\b(steg|moment|fas|faser|etapp|etapper|step|stage|phase)", question, re.I)
    if found is None:
        return None
    word = fold(found.group(1).lower())
    # An English question's word, as the Swedish sources write it.
    same = {"faser": "fas", "etapper": "etapp", "step": "steg", "stage": "steg", "phase": "fas"}
    return same.get(word, word)


_ASKS: dict[AskedKind, re.Pattern[str]] = {
    "amount": _AMOUNT_Q,
    "duration": _DURATION_Q,
    "date": _DATE_Q,
    "person": _PERSON_Q,
    "contact": _CONTACT_Q,
    "clock": _CLOCK_Q,
    "count": _COUNT_Q,
    "place": _PLACE_Q,
    "definition": _DEFINITION_Q,
    "explanation": _EXPLANATION_Q,
    "steps": _STEPS_Q,
    "reason": _REASON_Q,
}
_STATES: dict[AskedKind, Callable[[AskedFact, str], bool]] = {
    "amount": lambda _, s: _gives(_AMOUNT_EVIDENCE, s),
    "duration": lambda asked, s: _gives(_duration_evidence(asked.question), s),
    "date": lambda _, s: _gives(_DATE_EVIDENCE, s),
    "person": lambda _, s: bool(_PERSON_EVIDENCE.search(s) or _OFFICE_HOLDER.search(s)),
    "contact": lambda _, s: bool(_CONTACT_EVIDENCE.search(s)),
    "clock": lambda _, s: _gives(_CLOCK, s),
    "count": _gives_count,
    "place": lambda _, s: bool(_PLACE.search(s)),
    "definition": _gives_definition,
    "explanation": _gives_explanation,
    "steps": lambda _, s: bool(_STEP_NUMBER.search(s)),
    "reason": lambda _, s: bool(_REASON.search(s)),
}
