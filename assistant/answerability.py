"""Decide from the evidence, before composing anything, whether the question can be answered.

Four checks, all of which must pass:

1. **Meaning**: the best chunk's cosine similarity to the question (e5) reaches
   ``answer.min_dense_score``.
2. **Key terms**: the question's content words are covered by the evidence
   (``answer.min_term_coverage``; less when the meaning is very close, for questions
   worded differently from the sources), and every *specific* term (an acronym such as
   LVM, a number, a name, a long compound) occurs in it. This catches questions on a topic the
   corpus does not treat at all even when the embedding finds something vaguely similar.
3. **Known words**: no long content word of the question is absent from the whole material
   (``vocabulary``): a question about *färdtjänst* to a corpus that never says it is off
   topic however well its other words are covered.
4. **Asked-for fact**: a question about an amount, a count or a date needs evidence that
   contains one. This is what makes near-misses abstain: the topic is there, the number is
   not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from assistant.aliases import with_aliases
from assistant.retrieval import Hit
from assistant.vocabulary import MIN_TYPO_LENGTH, CorpusVocabulary
from kunskap.analysis import analyze, fold, found_terms, matched_terms, term_set, typo_repairs
from kunskap.settings import AnswerSettings
from kunskap.text import SWEDISH_MONTHS, one_edit_apart, split_sentences, spoken_date

# Words that say what kind of question it is rather than what it is about.
_GENERIC_TERMS = set(
    analyze(
        "vad hur vilken vilket vilka varför varifrån vart när var vem vems gäller innebär betyder "
        "menas står säger enligt göra gör behöver bör måste kunna får finns ska skulle "
        "fråga frågor svar beskriv förklara berätta exempel olika viktigt viktiga "
        "fick få ta tog tar vill ville fram ge ger gav kom komma sa säga tycker gjort gör "
        "många mycket lång länge tid "
        # the asker's own case and light verbs: "min klient …", "har det funnits", "höll mötet"
        "klient klienten brukare brukaren funnits fanns höll hålla håller nuvarande "
        "faktiskt verkligen egentligen fortfarande redan innan "
        "diskussionen diskussionerna anteckningarna rapporten texten dokumentet materialet "
        "what how which why when where who mean means does say says according describe "
        "explain tell example important should must need"
    )
)

_PARENTHETICAL = re.compile(r"\([^()]*\)")
_ACRONYM = re.compile(r"\b[A-ZÅÄÖ]{2,6}\b")
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
_ISO_DATE = re.compile(r"\b(20\d\d|19\d\d)-(0[1-9]|1[0-2])-([0-2]\d|3[01])\b")
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


SAME_MEANING_FILE = "same_meaning_sv.txt"


@lru_cache(maxsize=1)
def same_meaning_groups() -> tuple[frozenset[str], ...]:
    """Groups of stemmed words that count as one word (``same_meaning_sv.txt``)."""
    text = resources.files("assistant").joinpath(SAME_MEANING_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(frozenset(analyze(line)) for line in lines)


def with_same_meaning(terms: set[str]) -> set[str]:
    """``terms`` plus the words that mean the same as one of them: the other forms of an
    irregularly compared adjective ("äldre" → "gamla"), a source's word for an everyday one
    ("byggnader" → "hus")."""
    extra = {word for group in same_meaning_groups() if terms & group for word in group}
    return terms | extra


@dataclass
class Verdict:
    answerable: bool
    confidence: float
    reason: str  # a short English reason, for logs and evaluation reports
    key_terms: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)


def key_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(analyze(question)) if t not in _GENERIC_TERMS]


# The asker's own situation, told before the question: "Jag är enhetschef i Kungälv och
# undrar: …", "Jag är socialsekreterare och Elvin har bott i familjehemmet i tre år. …",
# "min klient … bor på kvinnojour m 2 barn, hur mycket …". It runs to the first "undrar",
# colon, full stop, dash or question word.
_ASKER_CONTEXT = re.compile(
    r"^\W*(?:hej\W+)?(?:(?:jag|vi)\s+(?:är|jobbar|arbetar|sitter|har)|(?:min|mitt|mina|vår|våra)"
    r"\s+(?:klient|brukare|ärende))\b.*?"
    r"(?=\s+(?:och\s+)?undrar\b|\s*[:?!]|\.\s|\s[–-]\s"
    r"|,\s*(?:hur|vad|vilk\w+|när|var|vem|kan|får|måste|ska|bör|är|har)\b)",
    re.IGNORECASE,
)


def _specific(question: str, *, names: bool) -> dict[str, bool]:
    """Specific terms of ``question``, each with whether it comes from a name."""
    found: dict[str, bool] = {}
    # A parenthetical qualifies the question ("… (6 oktober 2021)", copied with the date the
    # page was written); what it holds is context, not the fact asked for. Except an
    # acronym: "opioid substitution treatment (LARO)" names the topic.
    text = _PARENTHETICAL.sub(lambda m: f" {' '.join(_ACRONYM.findall(m.group()))} ", question)
    # Where the asker works and who their client is are not what the material must name:
    # names and numbers of the asker's context are not required (acronyms still are: "Jag
    # jobbar med LVM …" names the topic).
    context = _ASKER_CONTEXT.match(text)
    context_end = context.end() if context else 0
    for i, match in enumerate(re.finditer(r"[^\W_]+", text)):
        word = match.group()
        in_context = match.start() < context_end
        is_acronym = bool(_ACRONYM.fullmatch(word))
        is_name = names and i > 0 and word[:1].isupper() and not is_acronym and len(word) > 2
        if in_context and not is_acronym:
            continue
        if is_acronym or word.isdigit() or is_name:
            for term in analyze(word):
                if term not in _GENERIC_TERMS:
                    found.setdefault(term, is_name)
    return found


def specific_terms(question: str, *, names: bool = True) -> list[str]:
    """Terms the evidence must contain: acronyms, numbers and names.

    Names are only recognised in Swedish questions: an English question's capitalised
    words ("Gothenburg", "Swedish") are translations the Swedish sources cannot contain.
    """
    return list(_specific(question, names=names))


def _compound_found(term: str, evidence_terms: set[str]) -> bool:
    """A long Swedish compound counts as present when its two parts are ("göteborgsrapport"
    in a text about Göteborg that calls itself a rapport)."""
    for cut in range(4, len(term) - 2):
        head, tail = term[:cut], term[cut:]
        heads = {head, head[:-1]} if head.endswith("s") and len(head) > 4 else {head}
        if any(matched_terms([h], evidence_terms) for h in heads) and matched_terms(
            [tail], evidence_terms
        ):
            return True
    return False


def term_present(
    term: str, evidence_terms: set[str], evidence_text: str, *, is_name: bool = False
) -> bool:
    if matched_terms([term], evidence_terms) or fold(term) in evidence_text:
        return True
    # Names are often misspelt by the asker: one letter off is the same person.
    if is_name and len(term) >= 4 and any(one_edit_apart(term, t) for t in evidence_terms):
        return True
    return len(term) >= 10 and _compound_found(term, evidence_terms)


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


Weight = Callable[[str], float]


def _unweighted(_term: str) -> float:
    return 1.0


@dataclass(frozen=True)
class TopicMatch:
    """Whether a sentence is about what a question asks.

    The sentence must name a share (``answer.relevant_share``) of the question's topic
    words, each word weighted by how rare it is in the material
    (``CorpusVocabulary.weight``): a sentence giving Malmö's survey year to "När gör
    Göteborg …?" names the common words of the question and not its rare ones. The publisher
    of the sentence's document counts as named ("Västra Götalandsregionens
    arbetsmiljösatsning" in the region's own FAQ).
    """

    weight: Weight = _unweighted
    publisher_terms: frozenset[str] = frozenset()
    share: float = AnswerSettings().relevant_share

    def covers(self, terms: list[str], sentence: str) -> bool:
        sentence_terms = term_set(f"{sentence} {spoken_dates(sentence)}") | self.publisher_terms
        found = matched_terms(terms, sentence_terms)
        needed = self.share * sum(self.weight(t) for t in terms)
        return bool(found) and sum(self.weight(t) for t in found) >= needed


@lru_cache(maxsize=64)
def _without_diacritics(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(fold(pattern.pattern), pattern.flags)


def _gives(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` finds the fact in ``text``, also where OCR lost or changed the diacritics
    ("Sedan snart tio ar", "som funnits i två är" in the scanned Göteborg report)."""
    return bool(pattern.search(text) or _without_diacritics(pattern).search(fold(text)))


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
        topic.covers(terms, f"{sentences[i - 1]} {current}" if i else current)
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


def spoken_dates(text: str) -> str:
    """ISO dates as people write them ("2022-05-06" → "6 maj 2022"), so that a question
    about "mötet 6 maj" finds minutes headed "Anteckningar möte 2022-05-06"."""
    return " ".join(
        spoken_date(int(day), int(month), year) for year, month, day in _ISO_DATE.findall(text)
    )


def covered_terms(terms: list[str], evidence_terms: set[str]) -> set[str]:
    """Terms found in the evidence; a hyphenated term ("gr-mot" from "GR-mötet") when each
    of its parts is."""
    covered = found_terms(terms, evidence_terms)
    for term in terms:
        # A long word mistyped by one letter is the same word ("utredningn", "famljehem").
        if (
            term not in covered
            and len(term) >= MIN_TYPO_LENGTH
            and (
                any(one_edit_apart(term, t) for t in evidence_terms)
                or found_terms([r for r in typo_repairs(term) if len(r) >= 6], evidence_terms)
            )
        ):
            covered.add(term)
            continue
        parts = [p for p in term.split("-") if p]
        if (
            term not in covered
            and len(parts) > 1
            and all(found_terms(analyze(p) or [p], evidence_terms) for p in parts)
        ):
            covered.add(term)
    return covered


def judge(
    question: str,
    hits: list[Hit],
    settings: AnswerSettings,
    *,
    language: str,
    vocabulary: CorpusVocabulary | None = None,
) -> Verdict:
    if not hits:
        return Verdict(False, 0.0, "no hits")
    best = max(h.dense_score for h in hits)
    top = sorted(hits, key=lambda h: h.dense_score, reverse=True)[: settings.evidence_hits]
    # What the reader sees of a source counts as evidence too: its title, section, type
    # ("FoU-rapport"), publisher and date; and the other forms of the names it uses ("SoS"
    # for "Socialstyrelsen").
    evidence = with_aliases(
        " ".join(
            f"{h.title} {h.section or ''} {h.doc_type_label} {h.publisher or ''} "
            f"{h.published or ''} {h.text}"
            for h in top
        )
    )
    body = " ".join(h.text for h in top)
    evidence_terms = with_same_meaning(term_set(f"{evidence} {spoken_dates(evidence)}"))
    evidence_folded = fold(evidence.lower())
    terms = key_terms(question)
    # Cross-language questions cannot be checked word by word; they rely on the embedding.
    lexical = language == "sv"
    covered = covered_terms(terms, evidence_terms)
    coverage = len(covered) / len(terms) if terms else 1.0
    missing_specific = [
        t
        for t, is_name in _specific(question, names=lexical).items()
        if not term_present(t, evidence_terms, evidence_folded, is_name=is_name)
    ]
    floor = settings.min_dense_score if lexical else settings.min_dense_score_cross_language
    dense_margin = (best - floor) / max(1 - floor, 1e-6)
    confidence = max(0.0, min(1.0, 0.5 + dense_margin)) * (coverage if lexical else 1.0)
    missing = [t for t in terms if t not in covered]

    threshold = settings.min_dense_score if lexical else settings.min_dense_score_cross_language
    if best < threshold:
        return Verdict(
            False, confidence, f"best similarity {best:.3f} below threshold", terms, missing
        )
    # A question worded differently from the sources ("Hur stöttar man mammor och pappor …"
    # for a text on "stöd till föräldrar") shares few words with them; a close match in
    # meaning stands in for the missing words, down to a floor.
    paraphrase = (
        best >= settings.paraphrase_dense_score
        and coverage >= settings.paraphrase_min_term_coverage
    )
    if lexical and coverage < settings.min_term_coverage and not paraphrase:
        return Verdict(False, confidence, f"key-term coverage {coverage:.2f}", terms, missing)
    # An English question is checked on the Swedish terms it gives in brackets ("a contact
    # family (kontaktfamilj)"): the only words of it the Swedish material could contain.
    own_terms = terms if lexical else analyze(" ".join(_PARENTHETICAL.findall(question)))
    unknown = vocabulary.unknown(own_terms) if vocabulary is not None else []
    # One odd word in a long question is a detail; in a short one it is the topic.
    if unknown and len(unknown) / len(own_terms) > settings.max_unknown_share:
        return Verdict(
            False, confidence, f"not in the material: {', '.join(unknown)}", terms, unknown
        )
    if missing_specific:
        return Verdict(
            False, confidence, f"specific terms missing: {', '.join(missing_specific)}", terms,
            missing_specific,
        )  # fmt: skip
    topic = TopicMatch(
        weight=vocabulary.weight if vocabulary is not None else _unweighted,
        publisher_terms=frozenset(term_set(" ".join(h.publisher or "" for h in top))),
        share=settings.relevant_share,
    )
    ok, why = asked_fact_present(question, body, lexical=lexical, terms=terms, topic=topic)
    if not ok:
        return Verdict(False, confidence, why, terms, missing)
    return Verdict(True, confidence, "answerable", terms, missing)


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


_REASON_Q = re.compile(r"^\W*(?:varför|why)\b|\b(?:av vilken anledning|vad beror det på)\b", re.I)
# Words that give a reason or a consequence: "eftersom …", "Genom att personalen är vaccinerad
# kan man minska risken …", "Det betyder att hon har rätt …", "… kräver att man möts".
_REASON = re.compile(
    r"\b(?:eftersom|därför|för att|på grund av|beror på|genom att|kräver|betyder att|innebär att"
    r"|leder till|bidrar till|syftet|risk\w*|so that|because|since|in order to|due to)\b",
    re.I,
)

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
    "reason": lambda _, s: bool(_REASON.search(s)),
}
