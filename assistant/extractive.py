"""The offline answer: the most relevant sentences of the evidence, each with its [n].

No LLM is involved, so nothing is invented: every sentence is quoted from a source. The
composer picks sentences that carry the question's key terms (or, given the question's
vector, the shortlisted ones closest in meaning), avoids repeating itself, and keeps each
source's sentences in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.asked_facts import AskedFact, asked_step_word, steps_stated
from assistant.citations import SENTENCE_STOP
from assistant.display import quotable_text, shown
from assistant.retrieval import Hit, jaccard
from kunskap.analysis import analyze, matched_terms
from kunskap.settings import AnswerSettings, DisplaySettings
from kunskap.text import split_sentences

INTRO = {
    "sv": "Så här beskriver underlaget det:",
    "en": "Here is what the sources say (quoted in Swedish):",
}
# What a quotable piece is. Not settings: the composer, the passage finder (passages.py) and
# the sentence vectors computed after ingest (sentence_vectors.py, whose record of done
# chunks is keyed by this file's and display.py's hash) must all cut the material the same
# way, so a change here is a change of code. The composer's own choices are in AnswerSettings.
MIN_WORDS = 5
ECHO_JACCARD = 0.6  # a source sentence this close to the question restates it
MAX_LIST_ITEMS = 10
MAX_NAME_ITEMS = 40

# A quote must be a whole sentence: a chunk cut mid-sentence leaves a fragment behind.
_COMPLETE = re.compile(r"[.!?…\"”)]$")
# ... at either end: a piece that begins in lower case is the tail of a sentence that a
# chunk's start, a page break or a footnote cut ("framgångar sa att dessa kan …", "i en
# eller flera studier …"), or OCR's reading of a figure; not a bullet OCR read as a letter
# ("e Funktionshinder för utförare", which the display cleans).
_TAIL = re.compile(r"^(?![eo]\s+\W*[A-ZÅÄÖ])[a-zåäö]")
_EMPHASIS = re.compile(r"\*{1,2}([^*\n]+?)\*{1,2}")
# A line in bold and nothing else, a list marker before it at most: a heading of minutes or
# an agenda ("- **Dialog/workshop. Att arbeta i enlighet med beprövad erfarenhet.**").
_BOLD_LINE = re.compile(r"^[ \t]*(?:[-•*][ \t]+)?\*\*([^*\n]+)\*\*[ \t]*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-•*✓]|\d+[.)])\s+(.*\S)\s*$")
# Minutes list people one to a line without bullets ("Närvarande:" … "Per Åkerman, Tjörn"):
# a short line that is not a sentence and not a heading.
_PLAIN_ITEM = re.compile(r"^(?!#)([^.!?:]{3,100}?)\s*$")

_FIELD = re.compile(r"^\**[A-ZÅÄÖ][\wåäö ]{1,20}:\**\s+\S")  # "Plats: GR", "**Plats:** Ersta"

EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class Candidate:
    hit_rank: int  # 0-based position of the hit in the evidence list
    position: int  # sentence position within the hit
    text: str
    terms: set[str]
    score: float = 0.0
    # A list read as one sentence is scored by its intro and its best-matching item, so
    # that forty names do not drown the one asked about.
    intro_terms: set[str] = field(default_factory=set)
    item_terms: list[set[str]] = field(default_factory=list)
    intro: str = ""  # a list's lead-in and items as written, for showing it as a list
    items: list[str] = field(default_factory=list)
    # A line introducing what follows ("Modellen består av sju moment:") whose items are
    # not in this hit: quoted only when it states the fact asked for (the count).
    lead_in: bool = False
    gives_fact: bool = False  # states the kind of fact the question asks for


def _list_item_text(item: str) -> str:
    item = item.strip().strip("*").rstrip("?.!;, ")
    if len(item) > 1 and item[0].isupper() and not item[1].isupper():
        item = item[0].lower() + item[1:]
    return item


@dataclass
class _List:
    sentence: str  # the intro and its items read as one sentence
    lines: list[str]  # the item lines as they stand in the text
    intro: str
    items: list[str]


def _lists(text: str) -> list[_List]:
    """Lists introduced by a line ending in ':' become one readable sentence each.

    Meeting notes answer many questions with a bullet list ("Frågor att ställa inför
    förändring:" followed by twenty short questions); single items are too short to quote
    on their own, and the list read as one sentence is what the user asked for.
    """
    lines = [line.strip() for line in text.splitlines()]
    found: list[_List] = []
    for i, line in enumerate(lines):
        intro = line.strip("*# ")  # "#### **IFO-chefsnätverket:**"
        if not intro.endswith(":") or _LIST_ITEM.match(line):
            continue
        items: list[str] = []
        item_lines: list[str] = []
        plain_items = False
        for following in lines[i + 1 :]:
            if not following or (following.strip("*# ").endswith(":") and not items):
                continue  # blank lines and a second intro line may sit before the items
            bullet = _LIST_ITEM.match(following)
            plain = None if bullet else _PLAIN_ITEM.match(following)
            if bullet:
                items.append(_list_item_text(bullet.group(1)))
            elif plain:
                items.append(plain.group(1).strip())  # names: keep their capitals
                plain_items = True
            else:
                break
            item_lines.append(following)
        if len(items) >= 2:
            # A list of people is asked about one name at a time: keep them all.
            limit = MAX_NAME_ITEMS if plain_items else MAX_LIST_ITEMS
            more = " med flera" if len(items) > limit else ""
            shown = items[:limit]
            found.append(
                _List(f"{intro} {'; '.join(shown)}{more}.", [line, *item_lines], intro, shown)
            )
    return found


# A numbered step of a model or process on a line of its own, its text on the lines below
# (or after it): "Moment 2 och 3", "Steg 1", "Fas 3: Uppföljning".
_STEP_LABEL = re.compile(
    r"^\**(?P<label>(?:Moment|Steg|Fas|Etapp)\s+\d{1,2}(?:\s+(?:och|&|-|–)\s+\d{1,2})?)\**"
    r"\s*(?::\s*|$)(?P<rest>.*)$"
)
# A footnote of a PDF page read in among the lines: "'2 Nationella samverkansgruppen …".
_FOOTNOTE_LINE = re.compile(r"^['’]?\d{1,2}\s+[A-ZÅÄÖ]")
_STEP_END = re.compile(r"[\s.;,'’?]+$")
# A page's running header or footer: a section number ("6.1.1"), a web address.
_PAGE_FURNITURE = re.compile(r"^(?:\d+(?:\.\d+)+\b|[\w.-]+\.(?:se|nu|com|org)$)")


def _step_lists(text: str) -> list[_List]:
    """Numbered steps, each a label line and the lines of text under it, as one list.

    A report's figure of a model's steps comes out of OCR as short wrapped lines under
    "Moment 1", "Moment 2 och 3" …; read as sentences they run into each other ("Moment 4
    SKR sammanställer de identifierade"). Read as a list, each step is one item with its
    label, and the whole is quoted as the answer to "Vilka steg …?" (issue 16 §1: numbered
    steps stay lists). Steps whose text is on the label's line are prose already and are
    left to the sentence splitter. The list ends where the numbers stop rising (a second
    figure of the same steps) or at the page's furniture ("6.1.1", "goteborg.se").
    """
    lines = [line.strip() for line in text.splitlines()]
    steps: list[tuple[str, list[str], list[str]]] = []  # label, text lines, source lines
    intro = ""
    last = 0
    for i, line in enumerate(lines):
        label = _STEP_LABEL.match(line)
        if label and not label.group("rest"):
            numbers = [int(n) for n in re.findall(r"\d+", label.group("label"))]
            if numbers[0] <= last:
                break
            last = numbers[-1]
            if not steps and i > 0:
                before = next((b for b in reversed(lines[:i]) if b), "")
                intro = before if before.endswith(":") else ""
            steps.append((label.group("label"), [], [line]))
        elif steps and _PAGE_FURNITURE.match(line):
            break
        elif steps and line:
            steps[-1][2].append(line)
            if not _FOOTNOTE_LINE.match(line):
                steps[-1][1].append(line)
    # A step's text ends without its full stop (and a footnote mark read as ".'?"), so that
    # the steps read as one sentence, "; " between them.
    items = [_STEP_END.sub("", f"{label}: {' '.join(body)}") for label, body, _ in steps if body]
    if len(items) < 2:
        return []
    source_lines = [line for _label, _body, block in steps for line in block]
    kept = items[:MAX_LIST_ITEMS]
    sentence = f"{intro} {'; '.join(kept)}.".strip()
    return [_List(sentence, source_lines, intro, kept)]


def _only_listed(sentence: str, listed: list[str]) -> bool:
    rest = " ".join(sentence.split())
    for line in listed:
        rest = rest.replace(line, " ")
    return bool(listed) and not rest.strip()


def _without_heading(piece: str) -> str:
    """A heading is not a claim (issue 16 §1: no heading-only line): a piece that starts with
    a markdown heading or a line in bold alone keeps only what follows that line, which is
    nothing when the heading stands alone ("## Om beprövad erfarenhet")."""
    first, _newline, rest = piece.lstrip().partition("\n")
    return rest if first.startswith("#") or _BOLD_LINE.fullmatch(first) else piece


# A star OCR left before a paragraph, a bullet or a footnote's mark: "* Denna tioåriga
# satsning inleddes 2017 …", or the scanned report's bullet glyph: "» Utveckla stöd i …".
# What follows it is the piece, lower-case start and all.
_STAR_BULLET = re.compile(r"^[*»]\s+(?=\S)")


def _plain(text: str) -> str:
    return " ".join(_STAR_BULLET.sub("", _EMPHASIS.sub(r"\1", text.strip())).split())


def candidates(hits: list[Hit], question_terms: set[str]) -> list[Candidate]:
    out = []
    for rank, hit in enumerate(hits):
        # What a reader may be quoted: the chunk with any footnote run into it set apart.
        body = quotable_text(hit.text, hit.footnotes)
        sentences = split_sentences(body)
        last = sentences[-1].strip() if sentences else ""
        if last and not _COMPLETE.search(last) and not last.endswith(":"):
            sentences = sentences[:-1]  # the chunk was cut mid-sentence: not quotable
        lists = _lists(body) + _step_lists(body)
        # Unbulleted items run together into one "sentence" for the splitter; the list
        # sentence says the same with its intro and separators.
        listed = [" ".join(line.split()) for found in lists for line in found.lines]
        sentences = [s for s in sentences if not _only_listed(s, listed)]
        short_lines = _short_lines(body, set(listed))
        sentences = _cut_before_lines(sentences, short_lines)
        pieces = [*sentences, *short_lines]
        headings = [_plain(m.group(1)) for m in _BOLD_LINE.finditer(body)]
        for pos, piece in enumerate(pieces):
            sentence = _plain(_without_heading(piece))
            if any(sentence in heading for heading in headings):
                continue
            too_short = len(sentence.split()) < (2 if pos >= len(sentences) else MIN_WORDS)
            lead_in = sentence.endswith(":")
            if too_short or _TAIL.match(sentence):
                continue
            if lead_in and any(_plain(f.intro).endswith(sentence) for f in lists):
                continue
            terms = set(analyze(sentence))
            if sentence.endswith("?") and jaccard(terms, question_terms) >= ECHO_JACCARD:
                continue
            text = f"{sentence[:-1].rstrip()}." if lead_in else sentence
            out.append(Candidate(rank, pos, text, terms, lead_in=lead_in))
        for found in lists:
            sentence = _plain(found.sentence)
            out.append(
                Candidate(
                    rank,
                    len(pieces),
                    sentence,
                    set(analyze(sentence)),
                    intro_terms=set(analyze(found.intro)),
                    item_terms=[set(analyze(item)) for item in found.items],
                    intro=_plain(found.intro),
                    items=[_plain(item) for item in found.items],
                )
            )
    return out


def _cut_before_lines(sentences: list[str], lines: list[str]) -> list[str]:
    """A header line without a full stop runs into the field line below it for the splitter
    ("… kl. 09:00-15:00 Plats: GR."); the field line is offered whole, so the sentence ends
    where it begins – or the answer would say "Plats: GR" twice."""
    starts = [piece for line in lines for piece in split_sentences(line)[:1]]
    out = []
    for sentence in sentences:
        flat = " ".join(sentence.split())
        for start in starts:
            if flat.endswith(start) and flat != start:
                flat = flat[: -len(start)].rstrip()
                break
        out.append(flat if flat != " ".join(sentence.split()) else sentence)
    return out


def _short_lines(text: str, listed: set[str]) -> list[str]:
    """Lines of minutes' headers that say one thing in a few words ("Antecknat av Nicholas
    Singelton", "Plats: GR. Anders Persons gatan 8. Lokal Sexan"): the sentence splitter cuts
    them into pieces too short to quote, so the whole line is offered instead."""
    lines = [" ".join(raw.split()) for raw in text.splitlines()]
    out = []
    for i, line in enumerate(lines):
        if (
            not line[:1].isupper()  # "behoven av kunskap": the tail of a wrapped sentence
            or line.startswith("#")
            or line in listed
            or _LIST_ITEM.match(line)
            or line.rstrip("*").endswith(":")
            or len(line.split()) > 3 * MIN_WORDS
        ):
            continue
        # A line of wrapped running text (PDF, OCR) is not a unit of its own: it neither
        # goes on from the line before (lower-case start, above) nor runs on into the next.
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if after[:1].islower() or line.endswith(("-", ",")):
            continue
        # Only a labelled field or a line naming someone or somewhere says something on its
        # own; "Gett ut rapport" is an agenda fragment.
        names = any(word[:1].isupper() for word in line.split()[1:])
        if (_FIELD.match(line) or names) and all(
            len(piece.split()) < MIN_WORDS for piece in split_sentences(line)
        ):
            out.append(line)
    return out


def _score_lexical(cands: list[Candidate], key_terms: list[str], hits: list[Hit]) -> None:
    for c in cands:
        terms = c.terms
        if c.item_terms:
            best = max(c.item_terms, key=lambda item: len(matched_terms(key_terms, item)))
            terms = c.intro_terms | best
        overlap = len(matched_terms(key_terms, terms))
        length_norm = max(len(terms), 4) ** 0.5
        c.score = overlap / length_norm + 0.3 * hits[c.hit_rank].dense_score - 0.03 * c.hit_rank
        if c.gives_fact:
            c.score += 0.5


def _shortlist(
    cands: list[Candidate], source_terms: list[str], hits: list[Hit], size: int
) -> list[Candidate]:
    """The ``size`` candidates worth embedding, ranked by the question's words in the
    sources' language (the glossary's Swedish for an English question).

    Embedding every sentence of the top hits was the slowest stage of an English question
    (a dozen sentences on average, up to 24, on the development sets). The lexical score
    reads the words the glossary found, so a sentence naming them is kept, and meaning still
    decides among the kept. Candidates of equal score keep their reading order."""
    _score_lexical(cands, source_terms, hits)
    ranked = sorted(range(len(cands)), key=lambda i: -cands[i].score)[:size]
    return [cands[i] for i in sorted(ranked)]


def _score_semantic(cands: list[Candidate], query_vec: np.ndarray, embed: EmbedFn) -> None:
    sims = embed([c.text for c in cands]) @ query_vec
    for c, sim in zip(cands, sims, strict=True):
        c.score = float(sim) - 0.01 * c.hit_rank
        # Similarities of on-topic sentences lie within a few hundredths of each other: a
        # sentence of the asked kind is moved up among them, not above everything.
        if c.gives_fact:
            c.score += 0.03


def _steps_in_order(
    cands: list[Candidate], hits: list[Hit], asked: AskedFact | None
) -> tuple[list[Candidate], list[Candidate]]:
    """For a question on the steps of something, the candidates of one source that state two
    steps or more ("Steg 1 innebär …" and "Steg 2 innebär …", in two chunks, or one list of
    moments 1–5), first step first; the source whose steps are called what the question calls
    them, then the one stating most. Second, that source's candidates that only repeat steps
    the first already state. Both empty for any other question."""
    if asked is None or "steps" not in asked.kinds:
        return [], []
    asked_word = asked_step_word(asked.question)
    groups: dict[tuple[str, str], list[tuple[set[int], Candidate]]] = {}
    for cand in cands:
        stated = steps_stated(cand.text) if cand.gives_fact else []
        if not stated:
            continue
        word = stated[0][0]
        # A sentence states its first step ("Steg 2 innebär att sammanställningen i steg 1
        # stäms av" is step 2); a list states each of its items' steps.
        own = {n for w, n in stated if w == word} if cand.items else {stated[0][1]}
        groups.setdefault((hits[cand.hit_rank].doc_id, word), []).append((own, cand))

    def numbers(key: tuple[str, str]) -> set[int]:
        return set().union(*(own for own, _ in groups[key]))

    best = max(
        (key for key in groups if len(numbers(key)) >= 2),
        key=lambda key: (
            key[1] == asked_word,
            len(numbers(key)),
            -min(c.hit_rank for _, c in groups[key]),
        ),
        default=None,
    )
    if best is None:
        return [], []
    shown_steps: set[int] = set()
    out, repeated = [], []
    for own, cand in sorted(groups[best], key=lambda pair: (min(pair[0]), -len(pair[0]))):
        if own <= shown_steps:
            repeated.append(cand)
        else:
            shown_steps |= own
            out.append(cand)
    return out, repeated


def select_sentences(
    hits: list[Hit],
    key_terms: list[str],
    *,
    max_sentences: int,
    language: str,
    query_vec: np.ndarray | None = None,
    embed: EmbedFn | None = None,
    asked: AskedFact | None = None,
    source_terms: list[str] | None = None,
    max_embedded: int = 0,
    tuning: AnswerSettings | None = None,
) -> list[Candidate]:
    tuning = tuning or AnswerSettings()
    # The caller decides which questions are ranked by meaning (``answer.by_meaning``) by
    # giving the question's vector. Scoring by meaning embeds the candidate sentences (read
    # from the sentence store when ingest filled it); the top hits keep that cost bounded.
    semantic = embed is not None and query_vec is not None
    cands = candidates(hits[: tuning.semantic_hits] if semantic else hits, set(key_terms))
    if not cands:
        return []
    for c in cands:
        c.gives_fact = asked is not None and asked.stated_in(c.text)
    cands = [c for c in cands if not c.lead_in or c.gives_fact]
    if not cands:
        return []
    if semantic:
        assert embed is not None and query_vec is not None
        if max_embedded and len(cands) > max_embedded:
            cands = _shortlist(cands, source_terms or [], hits, max_embedded)
        _score_semantic(cands, query_vec, embed)
    else:
        _score_lexical(cands, key_terms, hits)
        # A sentence giving the asked fact may name its subject by another word
        # ("Förkortningen står för …" under a question on HKN).
        cands = [c for c in cands if matched_terms(key_terms, c.terms) or c.gives_fact] or cands[:1]
    steps, repeated = _steps_in_order(cands, hits, asked)
    cands = [c for c in cands if c not in repeated]
    if steps:
        # "Vilka steg har modellen?" is answered by the steps, in their order, before anything
        # else; the sentence that only counts them ("Modellen består av två steg") scores
        # higher by words but says less.
        top = max(c.score for c in cands)
        for i, cand in enumerate(steps):
            cand.score = top + 1.0 - 0.01 * i
    chosen: list[Candidate] = []
    for cand in sorted(cands, key=lambda c: c.score, reverse=True):
        if any(jaccard(cand.terms, other.terms) >= tuning.redundant_overlap for other in chosen):
            continue
        chosen.append(cand)
        if len(chosen) == max_sentences:
            break
    # Read each source in its own order, sources in order of relevance; but "Vad är X?" is
    # answered by the sentence that says what X is, not by the one before it in the source
    # ("Det är svårt att diskutera beprövad erfarenhet …" before "Beprövad erfarenhet är …").
    best_score: dict[int, float] = {}
    for c in chosen:
        best_score[c.hit_rank] = max(best_score.get(c.hit_rank, c.score), c.score)
    first = max(best_score, key=lambda rank: (best_score[rank], -rank), default=None)
    explains = asked is not None and "explanation" in asked.kinds
    return sorted(
        chosen,
        key=lambda c: (
            -best_score[c.hit_rank],
            c.hit_rank,
            not (explains and c.gives_fact and c.hit_rank == first),
            c.position,
        ),
    )


def split_pieces(text: str) -> list[str]:
    """The sentences the citation check will see in ``text``; a stray mark the splitter
    cuts off (the "?" of an OCR ".?") stays with the sentence before it."""
    pieces: list[str] = []
    for piece in split_sentences(text):
        if pieces and not re.search(r"\w", piece):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def unrepeated(pieces: list[str], shown_before: set[str]) -> list[str]:
    """``pieces`` less any the answer already shows (compared by their words), remembering
    the rest in ``shown_before``: a sentence quoted alone and again as a list's lead-in, or
    by two sources that print the same text, is shown once."""
    out = []
    for piece in pieces:
        key = " ".join(re.findall(r"\w+", piece.lower()))
        if key and key not in shown_before:
            shown_before.add(key)
            out.append(piece)
    return out


def compose(
    hits: list[Hit],
    key_terms: list[str],
    *,
    max_sentences: int,
    language: str,
    query_vec: np.ndarray | None = None,
    embed: EmbedFn | None = None,
    asked: AskedFact | None = None,
    source_terms: list[str] | None = None,
    max_embedded: int = 0,
    display: DisplaySettings | None = None,
    tuning: AnswerSettings | None = None,
) -> tuple[str, dict[int, list[str]]]:
    """Answer text with [n] markers (n = 1-based index into ``hits``) and the quotes per n.
    ``display`` is ``Settings.display``: how OCR residue is cleaned from what is shown;
    ``tuning`` is ``Settings.answer`` (the defaults when None)."""
    chosen = select_sentences(
        hits,
        key_terms,
        max_sentences=max_sentences,
        language=language,
        query_vec=query_vec,
        embed=embed,
        asked=asked,
        source_terms=source_terms,
        max_embedded=max_embedded,
        tuning=tuning,
    )
    if not chosen:
        return "", {}
    quotes: dict[int, list[str]] = {}
    paragraphs: list[list[str]] = []
    last_rank = None
    shown_before: set[str] = set()
    for cand in chosen:
        # A heading quoted as a sentence gets a full stop, or the next sentence would run
        # into it and the two be checked as one claim; a line of several short sentences
        # ("Plats: GR. Anders Persons gatan 8. Lokal Sexan") cites its source after each.
        text = shown(cand.text, display)
        text = text if SENTENCE_STOP.search(text) else f"{text}."
        pieces = unrepeated(split_pieces(text), shown_before)
        if not pieces:
            continue
        n = cand.hit_rank + 1
        quotes.setdefault(n, []).append(cand.text)
        if cand.hit_rank != last_rank:
            paragraphs.append([])
            last_rank = cand.hit_rank
        paragraphs[-1].append(" ".join(f"{piece} [{n}]" for piece in pieces))
    intro = INTRO["en" if language == "en" else "sv"]
    body = "\n\n".join(" ".join(p) for p in paragraphs)
    return f"{intro}\n\n{body}", quotes
