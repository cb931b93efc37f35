"""Find knowledge needs the documents already state (step 1 of SKR's model).

Network meeting notes, activity plans, FoU reports and follow-ups state needs that were
never compiled: "Barnområdet saknar data att analysera", "Brist att man ej använder
ASI-data för verksamhetsutveckling", "det saknas forskning om vilka insatser som ger vilka
effekter". This module reads a cleaned document sentence by sentence (list items are
sentences of their own) and scores each one:

- a *lack* cue (saknas, brist, behöver, svårt, otillräcklig, önskemål, …) is required;
- an *object* a knowledge support can answer (kunskap, forskning, data, kompetens, metod,
  stöd, samverkan, …) adds to the score, and names the kind of need;
- what the issue lists as not a need scores down or is skipped: headings, lists of
  attendees, checklist questions, descriptions of the national model, and legal duties
  without a stated local lack.

Rules decide by default: every candidate can be traced to the words that made it one, and
the weights were set by reading the seed documents, the issue's examples and the
development set (never a held-out set; see docs/needs.md). The score is the rule score
scaled to 0..1. The cut-offs (points to be proposed, points of a full score, sentence
lengths) are ``Settings.needs`` (``mining_*``); each cue's points stay beside its pattern
here. With ``needs.mining_scorer=rules_and_model`` a learned scorer (``mining_model.py``)
also reads the sentences the rules pass over and adds those it is sure of; its candidates
name it (``modell:0.83``) among their rules, and its probability is their score.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.display import shown
from assistant.needs.areas import UNSURE_AREA, area_scores, leading_area
from assistant.needs.mining_model import MiningModel, bundled_model_for
from ingest.documents import CleanDocument
from ingest.manifest import AREAS
from kunskap.settings import DisplaySettings, NeedsSettings, Settings
from kunskap.text import sentence_spans

KINDS: dict[str, str] = {
    "kunskap": "kunskap (forskning, evidens)",
    "data": "data och uppföljning",
    "kompetens": "kompetens och utbildning",
    "metod": "metod och arbetssätt",
    "stöd": "stöd till verksamheten",
    "samverkan": "samverkan",
}
# Sources that state needs; laws, national supports and FAQs answer them instead.
MINED_DOC_TYPES = frozenset({"minnesanteckningar", "fou_rapport", "nyhet", "ovrigt"})

# Points to be proposed, points of a full score, sentence lengths: ``Settings.needs``.
DEFAULTS = NeedsSettings()


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# (pattern, points). A stated lack is what makes a need; "behöver" alone is weaker than
# "saknas", because reports also use it for what *should* happen in general. Documents
# state lacks in many more ways than "saknas": as a limit ("begränsad"), an unknown
# ("oklart hur", "vi vet inte"), a rarity ("få verksamheter", "sällan"), a want
# ("efterlyser"), something unused or not yet there. OCR reads å and ö as a or o, so the
# words most often damaged accept both ("svart att" for "svårt att").
# fmt: off
_FEW_OF = (r"av|verksamheter|enheter|kommuner|behandlare|handläggare|medarbetare|"
           r"socialsekreterare|utredningar|insatser|brukare|chefer|förvaltningar")
LACK_CUES: list[tuple[str, re.Pattern[str], float]] = [
    ("saknas", _rx(r"\bsakna[rsdt]?\w*", r"\bbrist\w*", r"\bbristande\b"), 3.0),
    ("finns inte", _rx(r"\b(?:finns|fanns) (?:inte|ej|ingen|inga|inget)\b",
                       r"\binte finns\b", r"\b(?:har|hade) (?:inga|ingen|inget)\b",
                       r"\b(?:inga|ingen|inget) "
                       r"(?:bra|fungerande|gemensamma?|tydliga?|samlade?)\b"), 3.0),
    ("används inte", _rx(r"\bej använder\b", r"\binte använder\b",
                         r"\banvänds (?:inte|ej)\b",
                         r"\binte (?:riktigt |alltid |fullt ut )?"
                         r"(?:används|utnyttjas|tas tillvara)\b",
                         r"\bi större utsträckning än\b"), 2.0),
    ("otillräcklig", _rx(r"\botillräcklig\w*", r"\binte tillräcklig\w*",
                         r"\binte lika mycket\b"), 3.0),
    ("behöver", _rx(r"\bbehöver\b", r"\bbehövs\b", r"\bbehöva\b"), 2.0),
    # "behov av" also names what a service does ("samordna behov av digitalisering"): a
    # stated need is one somebody voices ("det har framförts behov av").
    ("behov av", _rx(r"\bbehov av\b"), 1.0),
    ("framfört behov", _rx(r"\b(?:finns|fanns|framförts|framförs|uttryckt|uttrycks|stort|"
                           r"tydligt|ett) behov av\b"), 1.0),
    ("svårt", _rx(r"\bsvår\w*", r"\bsvårighet\w*", r"\bsv[aå]rt att\b", r"\bf[oö]rsv[aå]r\w*",
                  r"\butmaning\w*", r"\btidsbrist\b"), 2.0),
    ("begränsad", _rx(r"\bbegr\w{1,3}ns(?:ad|ade|at|ning|ningar)\b", r"\bsvag(?:t|a)?\b",
                      r"\b(?:knappast|inte) hållbar\w*", r"\briskerar\b"), 2.0),
    ("oklart", _rx(r"\boklart\b", r"\bvet (?:inte|ej)\b", r"\bosäkerhet\b"), 2.0),
    ("få", _rx(rf"(?:^|\b(?:använder|gör|har) )(?:få|ett fåtal) (?:{_FEW_OF})\b",
               rf"\b(?:ett fåtal|få av) (?:{_FEW_OF})?", r"\bsällan\b", r"\baldrig\b"), 2.0),
    ("inte ännu", _rx(r"\bännu inte\b", r"\binte ännu\b", r"\binte (?:har |hade )?fått\b",
                      r"\b(?:stödjer|stöder) inte\b", r"\binte (?:stödjer|stöder)\b"), 2.0),
    ("efterlyser", _rx(r"\befterlys\w*"), 2.5),
    ("önskemål", _rx(r"\bönskemål\b", r"\bönskar\b", r"\befterfråga\w*"), 1.5),
    # "bor det", "bor kunna": the Göteborg report's OCR reads ö as o ("bor" for "bör").
    ("bör", _rx(r"\bbör\b", r"\bborde\b", r"\bbor (?:det|vara|man|kunna|ligga)\b"), 1.5),
    ("viktigt att", _rx(r"\bviktigt att\b", r"\bmåste\b"), 1.0),
    ("mer kunskap", _rx(r"\bmer kunskap\b", r"\bökad kunskap\b",
                        r"\bbättre (?:kunskap|stöd|data)\b"), 2.0),
]
# The kind of support a need asks for, by the words that name it (see _kind).
KIND_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "data",
        _rx(
            r"\bdata\b",
            r"-data\b",
            r"statistik",
            r"\bmätning",
            r"\bmått\b",
            r"indikator",
            r"\buppföljning",
            r"\banalys\w*",
            r"\bresultat\w*",
            r"\bunderlag\w*",
            r"\brapport\w*",
            r"\bf[oö]lj\w* upp\b",
            r"system\b",
        ),
    ),
    (
        "kompetens",
        _rx(
            r"kompetens",
            r"utbildning",
            r"fortbildning",
            r"\bkurs\w*",
            r"handledning",
            r"analysförmåga",
        ),
    ),
    (
        "metod",
        _rx(
            r"\bmetod\w*",
            r"arbetssätt",
            r"\bmodell\w*",
            r"\bverktyg\w*",
            r"\binsats\w*",
            r"arbetsmodell",
            r"\brutin\w*",
            r"\bstruktur\w*",
            r"\bsystematik\w*",
            r"\bstrategi\w*",
        ),
    ),
    ("samverkan", _rx(r"samverk\w*", r"samarbet\w*", r"\bnätverk\w*", r"\bdela\b")),
    (
        "kunskap",
        _rx(r"forskning", r"\bkunskap\w*", r"evidens", r"\bstudie\w*", r"beprövad",
            r"\böverblick\b"),
    ),
    ("stöd", _rx(r"\bstöd\w*", r"\bstött\w*", r"\bhjälp\w*", r"vägled\w*", r"\btid (?:att|för)\b",
                 r"\butrymme\b", r"\breflekt\w*")),
]
# fmt: on
# Not needs: the national model described, legal duties, meeting logistics.
MODEL_TALK = _rx(
    r"\bmodellen\b",
    r"\blokala behov av kunskap\b",
    r"\bmoment \d",
    r"\bsteg \d",
    r"\bpilotstudie",
    r"\bnsk-s\b",
    r"\bskr (?:genomför|håller|tar fram)",
    r"\bförstudie",
)  # fmt: skip
LEGAL_DUTY = _rx(
    r"\bska bedrivas\b", r"\bi enlighet med vetenskap\b", r"\benligt lag\w*",
    r"\benligt \w+lagen\b", r"\bskyldig\w* att\b",
    r"\blagstiftning\w*", r"\blagen\b", r"\butredningen\b", r"\bkvalitetskrav\b",
)  # fmt: skip
LOGISTICS = _rx(
    r"\bnärvarande\b", r"\bdeltagare\b", r"\bantecknat av\b", r"\bantecknade\b",
    r"\bbilder (?:skickas|bifogas)\b", r"\binbjud\w*", r"\bkl\. \d", r"\bplats:",
    r"\bhälsade\b", r"\bvälkomna\b", r"\bpresenterade\b", r"\bberättar om\b",
    r"\bfortsätter dagen\b", r"\binleder\b", r"\bbelyste\b", r"\breder ut\b",
    r"\bsamtal kring\b", r"\bse rapporten\b",
)  # fmt: skip
STRONG_LACK = _rx(r"\bsakna\w*", r"\bbrist\w*", r"\b(?:finns|fanns) (?:inte|ej|ingen|inga)\b")
ATTENDEE = re.compile(r"^[A-ZÅÄÖÉ][\wåäöé\-]+(?: [A-ZÅÄÖÉ][\wåäöé\-]+)+, [A-ZÅÄÖÉ][\w åäöé]+$")
_URL = re.compile(r"https?://|www\.")
# "Barnområdet saknar data ... till motsats på äldreområdet": the area after a comparison
# is the yardstick, not the subject.
_COMPARISON = re.compile(r"\b(?:som inom|till motsats|i motsats till|jämfört med)\b.*", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*✓]|\d+[.)])\s*")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[\wåäöéÅÄÖÉ]+")


@dataclass(frozen=True)
class Candidate:
    """One proposed need, with the passage that states it."""

    doc_id: str
    source_id: str
    title: str
    quote: str  # verbatim from the cleaned document
    page: int | None
    section: str | None
    formulation: str  # short, Swedish, OCR residue repaired
    kind: str
    area: str
    score: float
    doc_hash: str
    rules: tuple[str, ...]  # which cues made it a candidate, for the analyst

    @property
    def key(self) -> str:
        """Stable identity of a candidate across runs: its document and normalised quote."""
        return hashlib.sha256(f"{self.doc_id}\n{normalise(self.quote)}".encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rules"] = list(self.rules)
        out["key"] = self.key
        return out


def normalise(text: str) -> str:
    """Whitespace and case folded: how quotes are compared (here and in the evaluation)."""
    return _SPACE.sub(" ", text).strip().lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _sentences(doc: CleanDocument) -> Iterable[tuple[int, int, str]]:
    headings = {(s.heading or "").strip() for s in doc.sections}
    for start, end in sentence_spans(doc.text):
        raw = doc.text[start:end]
        body = _BULLET.sub("", raw).strip().strip("-–").strip()
        if not body or body in headings:
            continue
        yield start, end, body


def readable(text: str, tuning: NeedsSettings = DEFAULTS) -> bool:
    """Whether a sentence is read for a need at all: neither too short nor an OCR run-on,
    not an attendee line, not a link."""
    words = tokens(text)
    long_enough = tuning.mining_min_words <= len(words) <= tuning.mining_max_words
    return long_enough and not ATTENDEE.match(text) and not _URL.search(text)


def score_sentence(text: str, tuning: NeedsSettings = DEFAULTS) -> tuple[float, str, list[str]]:
    """Rule points, kind and the names of the rules that fired, for one sentence."""
    if not readable(text, tuning):
        return 0.0, "kunskap", []
    return _rule_points(text, tuning)


def _rule_points(text: str, tuning: NeedsSettings) -> tuple[float, str, list[str]]:
    """Rule points (0 without a lack cue, whatever else fired), kind and fired rules."""
    penalty = tuning.mining_penalty
    points, fired, lack_at = 0.0, [], len(text)
    for name, pattern, value in LACK_CUES:
        if found := pattern.search(text):
            points += value
            fired.append(name)
            lack_at = min(lack_at, found.start())
    lacks = points > 0
    kind = _kind(text, lack_at if lacks else 0)
    if kind is not None:
        points += tuning.mining_object_points
        fired.append(f"objekt:{kind}")
    if text.rstrip().endswith("?"):
        points -= penalty  # a checklist or discussion question asks, it does not state a lack
        fired.append("fråga")
    if MODEL_TALK.search(text):
        points -= penalty
        fired.append("modellbeskrivning")
    if LEGAL_DUTY.search(text) and not STRONG_LACK.search(text):
        points -= penalty
        fired.append("lagkrav")
    if LOGISTICS.search(text):
        points -= penalty
        fired.append("mötesformalia")
    # Without a stated lack nothing is a need, but the model reads what did fire.
    return (points if lacks else 0.0), kind or "kunskap", fired


def _kind(text: str, lack_at: int) -> str | None:
    """The kind of the object that lacks: the first kind word after the first lack cue
    ("saknas *forskning* om vilka insatser"), else the nearest one before it
    ("Barnområdet saknar *data*" has it after; "*data* saknas" before)."""
    hits = [(m.start(), kind) for kind, p in KIND_CUES for m in p.finditer(text)]
    after = [h for h in hits if h[0] >= lack_at]
    if after:
        return min(after)[1]
    return max(hits)[1] if hits else None


def area_of(text: str, tuning: NeedsSettings = DEFAULTS) -> str:
    """The area a need names, by the register's own rule (``areas.leading_area``);
    "osäker" when none or two as strongly (a document sentence rarely names its area the
    way a question does)."""
    best = leading_area(area_scores(_COMPARISON.sub("", text)), tuning.area_min_lead)
    return best if best in AREAS else UNSURE_AREA


def formulate(
    text: str, tuning: NeedsSettings = DEFAULTS, display: DisplaySettings | None = None
) -> str:
    """A short formulation: the sentence with OCR residue repaired, list marks and filler
    removed, cut at a clause boundary near ``mining_formulation_words`` words."""
    body = shown(_SPACE.sub(" ", text), display).strip()
    most = tuning.mining_formulation_words
    body = re.sub(r"^(?:från gruppdiskussionerna:\s*)", "", body, flags=re.IGNORECASE)
    body = re.sub(r"\s*[-–]\s+", " – ", body).strip(" –-")
    words = body.split(" ")
    if len(words) > most:
        cut = " ".join(words[:most])
        clause = max(cut.rfind(","), cut.rfind(";"), cut.rfind(" – "))
        body = cut[:clause] if clause > len(cut) // 2 else cut + " …"
    body = body.rstrip(" .,;:")
    return body[:1].upper() + body[1:]


def mine_document(
    doc: CleanDocument,
    *,
    source_id: str,
    doc_hash: str,
    tuning: NeedsSettings = DEFAULTS,
    display: DisplaySettings | None = None,
    scorer: Scorer | None = None,
) -> list[Candidate]:
    """Candidate needs stated in one cleaned document, in document order. ``tuning`` is
    ``Settings.needs`` and ``display`` ``Settings.display`` (their defaults when not given);
    ``scorer`` (``learned_scorer``) adds what the rules pass over and it is sure of."""
    out: list[Candidate] = []
    seen: set[str] = set()
    readings = read_sentences(doc, tuning)
    probabilities = scorer.additions(readings, tuning) if scorer else {}
    for n, sentence in enumerate(readings):
        proposed = sentence.points >= tuning.mining_min_score
        score = min(1.0, sentence.points / tuning.mining_full_score)
        rules = sentence.rules
        if n in probabilities:
            probability = probabilities[n]
            proposed, score = probability >= tuning.mining_model_min_probability, probability
            rules = (*sentence.rules, f"modell:{probability:.2f}")
        if not proposed or normalise(sentence.quote) in seen:
            continue
        seen.add(normalise(sentence.quote))
        page, _, _ = doc.pages_between(sentence.start, sentence.end)
        out.append(
            Candidate(
                doc_id=doc.doc_id,
                source_id=source_id,
                title=doc.title,
                quote=sentence.quote,
                page=page,
                section=doc.section_at(sentence.start),
                formulation=formulate(sentence.body, tuning, display),
                kind=sentence.kind,
                area=area_of(sentence.body, tuning),
                score=round(score, 3),
                doc_hash=doc_hash,
                rules=rules,
            )
        )
    return out


@dataclass(frozen=True)
class Reading:
    """One readable sentence of a document and what the rules make of it: what both the
    finder and the training of its model (``scripts/train_mining_model.py``) read."""

    start: int
    end: int
    body: str  # without list marks, what is scored
    quote: str  # verbatim from the cleaned document
    points: float
    kind: str
    rules: tuple[str, ...]


def read_sentences(doc: CleanDocument, tuning: NeedsSettings = DEFAULTS) -> list[Reading]:
    """Every readable sentence of a cleaned document (list items on their own), in order."""
    out = []
    for start, end, body in _sentences(doc):
        if not readable(body, tuning):
            continue
        points, kind, fired = _rule_points(body, tuning)
        quote = _BULLET.sub("", doc.text[start:end].strip()).strip()
        out.append(Reading(start, end, body, quote, points, kind, tuple(fired)))
    return out


@dataclass(frozen=True)
class Scorer:
    """The learned scorer with the embedding its vectors come from."""

    model: MiningModel
    embed: Callable[[list[str]], np.ndarray]  # passage vectors, one row per text

    def additions(self, readings: list[Reading], tuning: NeedsSettings) -> dict[int, float]:
        """The model's probability for each sentence the rules do not propose, by index:
        one call of the embedding per document."""
        asked = [n for n, r in enumerate(readings) if r.points < tuning.mining_min_score]
        if not asked:
            return {}
        vectors = self.embed([readings[n].body for n in asked])
        found = self.model.probabilities(
            [(readings[n].body, readings[n].rules) for n in asked], vectors
        )
        return {n: float(p) for n, p in zip(asked, found, strict=True)}


def sentences_to_score(manifest_path: Path, tuning: NeedsSettings = DEFAULTS) -> list[str]:
    """What the learned scorer embeds when it mines a manifest's sources that state needs:
    the readable sentences the rules do not propose (the tests' vector seed holds them)."""
    documents, _ = read_manifest(manifest_path)
    return [
        r.body
        for read in documents
        for r in read_sentences(read.doc, tuning)
        if r.points < tuning.mining_min_score
    ]


def learned_scorer(settings: Settings) -> Scorer | None:
    """The learned scorer when ``needs.mining_scorer`` asks for it, the package ships it
    and the settings' embedding is the one it was trained on; else None (rules alone).

    Its vectors are kept by content, so a sentence is embedded once: in the embedding store
    when one is set (the tests, the evaluation), else in the data dir's sentence store,
    which ingest has already filled with most of a document's sentences (the composer's)."""
    if settings.needs.mining_scorer != "rules_and_model":
        return None
    model = bundled_model_for(settings.embedding)
    if model is None:
        return None
    from assistant.sentence_vectors import sentence_store
    from ingest.embedding import build_embedding, embed_passages, stored

    inner = build_embedding(settings)
    kept = settings.embedding.store_dir is not None
    embedding = stored(inner, settings) if kept else sentence_store(inner, settings)
    return Scorer(model, lambda texts: embed_passages(embedding, texts))


@dataclass
class MinedCorpus:
    candidates: list[Candidate]
    doc_hashes: dict[str, str]  # every document read, with its content hash
    failures: list[str]
    # The cleaned text of every document read: where a quote stands (the evaluation scores
    # only the labelled chapters of a partly labelled report).
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadDocument:
    source_id: str
    doc_hash: str  # the content hash ``kunskap ingest`` gives it
    doc: CleanDocument


def read_manifest(
    manifest_path: Path, sources: list[str] | None = None
) -> tuple[list[ReadDocument], list[str]]:
    """A manifest's documents read the way ``kunskap ingest`` reads them (same loaders,
    cleaning and OCR repair, same content hash), and what could not be read.

    Without ``sources``, every source whose type states needs (``MINED_DOC_TYPES``); named
    sources are read whatever their type. Unknown source ids raise ``KeyError``.
    """
    from ingest.cleaning import clean_document
    from ingest.loaders import load_source
    from ingest.manifest import load_manifest
    from ingest.pipeline import document_hash

    manifest = load_manifest(manifest_path)
    by_id = manifest.by_id
    if sources:
        missing = [s for s in sources if s not in by_id]
        if missing:
            raise KeyError(", ".join(missing))
        entries = [by_id[s] for s in sources]
    else:
        entries = [e for e in manifest.sources if e.doc_type in MINED_DOC_TYPES]
    documents: list[ReadDocument] = []
    failures: list[str] = []
    for entry in entries:
        load = load_source(entry, manifest.base_dir)
        failures.extend(f"{f.source_id}: {f.path}: {f.reason}" for f in load.failures)
        documents.extend(
            ReadDocument(entry.id, document_hash(raw, entry), clean_document(raw))
            for raw in load.documents
        )
    return documents, failures


def mine_corpus(
    manifest_path: Path,
    sources: list[str] | None = None,
    *,
    tuning: NeedsSettings = DEFAULTS,
    display: DisplaySettings | None = None,
    scorer: Scorer | None = None,
    read: tuple[list[ReadDocument], list[str]] | None = None,
) -> MinedCorpus:
    """Read the manifest's sources (``read_manifest``, or ``read``: what it returned for
    them before) and mine each document."""
    documents, failures = read or read_manifest(manifest_path, sources)
    out = MinedCorpus([], {}, list(failures))
    for document in documents:
        out.doc_hashes[document.doc.doc_id] = document.doc_hash
        out.texts[document.doc.doc_id] = document.doc.text
        out.candidates.extend(
            mine_document(
                document.doc,
                source_id=document.source_id,
                doc_hash=document.doc_hash,
                tuning=tuning,
                display=display,
                scorer=scorer,
            )
        )
    return out
