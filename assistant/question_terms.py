"""Which words of a question the evidence must hold, and when a word counts as held.

The answerability rules (``answerability.judge``), the question analysis
(``assistant/question.py``) and the citation check all compare a question's words with a
text's. What counts: the question's key terms (its content words less those that only say
what kind of question it is), its *specific* terms (acronyms, numbers, names: a passage
without them is about something else), words that mean the same (``same_meaning_sv.txt``),
long words mistyped by one letter, compounds whose parts are there, and ISO dates as people
write them; and when a sentence is about a question's topic (``TopicMatch``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.vocabulary import MIN_TYPO_LENGTH
from kunskap.analysis import analyze, fold, found_terms, matched_terms, term_set, typo_repairs
from kunskap.settings import AnswerSettings
from kunskap.text import one_edit_apart, spoken_date

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
_ISO_DATE = re.compile(r"\b(20\d\d|19\d\d)-(0[1-9]|1[0-2])-([0-2]\d|3[01])\b")


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
