"""Source text as the reader sees it: OCR residue and footnote numbers cleaned away.

Only what is shown is cleaned; a citation keeps the source's own text, so that its quote
stays verifiable against the document. How common a word must be to stand or to replace
another is ``Settings.display``.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from ingest.ocr_repair import NUMBERED_NOUNS
from kunskap.settings import DisplaySettings

# A footnote number fused to the word before it by PDF extraction: "forskning12 visar".
# Only before running text or a sentence's end: "Kommun1;" in a list is a label.
_FUSED_FOOTNOTE = re.compile(r"\b([A-ZÅÄÖa-zåäö][a-zåäö]{4,})(\d{1,2})(?=\s+[a-zåäö]|[.,](?:\s|$))")
# OCR read "år" as "är" after a number: "för tio är sedan", "två är senare", "sedan tio är
# har", "ungefär tio är arbetat"; and before a year set off by commas: "ett initiativ, är
# 2014, i GR". Not before other words: "Kapitel 12 är en", "De fyra är".
_YEAR_AS_IS = re.compile(
    r"\b(\d+|ett|en|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|femton|tjugo)\s+är"
    r"(?=\s+(?:sedan|senare|gammal|gamla|tidigare|framåt|efter|har|hade|[a-zåäö]{3,}at)\b|[,.])",
    re.IGNORECASE,
)
_IS_BEFORE_YEAR = re.compile(r"(?<=, )är(?= (?:19|20)\d\d,)")
# A footnote number that OCR read as a sign, fused to the word or full stop before it:
# "kunskap®", "organisationer®®", "avdelningschefer'®", "kommunerna.'?" (a superscript 12),
# "… hälso- och sjukvård.? I landet", "metodhandledare.?! Dessa" (after a full stop, never a
# question); or as "’" after a sentence's stop: "… hur vi borde göra”.’", "… lite där.’" (all
# four in the sample corpus close no quote).
_FOOTNOTE_SIGN = re.compile(
    r"['’”]?[®™]+|(?<=[\w.])['’]\?(?=[\s;,]|$)|(?<=[a-zåäö]\.)\?!?(?=\s|$)"
    r"|(?<=[.!?])['’](?=\s|$)"
)
# What is left of a footnote mark read as "*’" once the star is gone: a lone apostrophe.
_LONE_APOSTROPHE = re.compile(r"(?:(?<=\s)|^)['’]+\s+")
# OCR read a superscript footnote and the capital I after it as "® |": "| presentationerna …".
_BAR_AS_I = re.compile(r"^[|\[]\s+(?=[a-zåäö])")  # or as a bracket: "[ stället brukar …"
# ... and glued to the word it begins: "|bland PDSA" (Ibland), "|n-kindfinansiering".
_BAR_AS_CAPITAL_I = re.compile(r"^\|(?=[a-zåäö])")
# A full stop with the next sentence glued to it in the source: "… som du behöver.Som
# familjehem får du …" (three FAQ answers of the sample corpus). Only after two lower-case
# letters: not after an abbreviation in capitals ("enligt SoL.Det").
_RUN_TOGETHER = re.compile(r"(?<=[a-zåäö]{2})([.!?])(?=[A-ZÅÄÖ][a-zåäö])")
# Markdown emphasis left over where it spanned more than the quoted sentence ("**Tid för
# respektive nätverk."), and the list marker of a line quoted as a sentence.
_EMPHASIS_MARK = re.compile(r"\*+(?=\S)|(?<=\S)\*+")
# OCR's "*" for an opening quote whose closing ’ stands later in the same sentence:
# "om begreppet *beprovad erfarenhet’." (seed 004). Read before markdown's stars are dropped.
_STAR_QUOTE = re.compile(r"\*(?P<quoted>[^\W\d_][^*’”.!?\n]{0,80})’")
_LEADING_MARKER = re.compile(r"^(?:[-•–✓]\s+)+|(?<=[.!?] )(?:[-•–✓]\s+)+(?=[A-ZÅÄÖ])")
# A list bullet that OCR read as a letter, before an item: "e Funktionshinder för utförare".
_OCR_BULLET = re.compile(r"^[eo]\s+(?=\W*[A-ZÅÄÖ])")  # also before a quote: e ”EBP-…”
# ... and inside a list OCR ran into one line, after its lead-in, an item or a year: "inom
# socialtjänsten: e Barn och unga, 2022; e Funktionshinder …", "mars 2025 o Äldreområdet …".
# After a year the item had no separator of its own: it gets a semicolon.
_OCR_BULLET_INSIDE = re.compile(r"(?:(?<=[:;,])|(?<=\d{4})(?P<year>))\s+[eo]\s+(?=[A-ZÅÄÖ])")
_WORD = re.compile(r"[^\W\d_]{4,}")
# OCR read the word "i" as "1": "finns 1 kommunerna", "socialchefer 1 NSK-S", "FoU 1 Väst".
# A lone 1 after a word is read as "i" only where a number cannot stand: before a
# determiner or "att", a plural in definite form (-na) or a name; after a label ("Steg 1",
# "Moment 1", "kap. 1") only before a determiner or "att". Before a digit, a sign, a month
# or any other word ("den 1 juli", "11 kap. 1 §", "Steg 1 innebär") it stays a number.
_LONE_ONE = re.compile(r"(?<=\S) 1 (?=[^\W\d_])")
_DETERMINERS = frozenset(
    "den det de denna detta dessa en ett sin sitt sina vår vårt våra hans hennes deras "
    "varje alla olika att".split()
)
# The words a number follows: ingest's (ocr_repair) and the labels the sample corpus adds.
_LABELS = NUMBERED_NOUNS | frozenset("moment etapp sidan hus paragraf bild".split())
_MONTHS = frozenset(
    "januari februari mars april maj juni juli augusti september oktober november december "
    "jan feb mar apr jun jul aug sep sept okt nov dec".split()
)
# How common a word must be to stand or to replace another: ``Settings.display``.
DEFAULTS = DisplaySettings()


def _cased_like(word: str, fixed: str) -> str:
    """``fixed`` (lower case) with ``word``'s capital initial, if it has one."""
    return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from ingest.ocr_repair import swedish_lexicon

    return swedish_lexicon()


@lru_cache(maxsize=20_000)
def _repaired_word(
    word: str, known: float, common: float, dominance: float, safe: float, long_word: int
) -> str:
    """A word that one collapsed doubled letter ("måånga") or, for a long word, one changed
    letter ("ssmmanlagt") turns into a much commoner word (a hundred times: wordfreq's web
    list holds OCR junk like "måånga" too), as that word; else unchanged. The numbers are
    ``DisplaySettings``' (plain arguments, so that the cache can key on them)."""
    lexicon = _lexicon()
    lower = word.lower()
    own = lexicon.get(lower, 0.0)
    if own >= safe:
        return word
    options: set[str] = set()
    for i in range(1, len(lower)):
        if lower[i] == lower[i - 1]:
            options.add(lower[:i] + lower[i + 1 :])
    if len(lower) >= long_word and own < known:
        for i in range(len(lower)):
            for letter in "aeiouyåäö":
                options.add(lower[:i] + letter + lower[i + 1 :])
    floor = max(common, own + dominance)
    good = sorted(o for o in options if lexicon.get(o, 0.0) >= floor)
    if len(good) != 1:
        return word  # none, or too many readings to choose from
    fixed = good[0]
    return _cased_like(word, fixed)


# A word OCR wrote with "é" for "ä", "ö" or "å", often with a letter beside it
# ("Géteborgsregionens", "nétverksmoéten", "Maénga", "omrédden", "beddéma"): ingest's
# repair (ingest/ocr_repair.py) left these in the Göteborg report, and repairing them there
# would change the text that is searched. What a reader is shown is read again here.
_E_WORD = re.compile(r"\b[^\W\d_]*é[^\W\d_]*\b")
_E_READINGS = (("oé", ("ö",)), ("aé", ("ä", "å")), ("éa", ("ä", "å")), ("éi", ("ä",)),
               ("é", ("ä", "ö", "å")))  # fmt: skip


def _e_variants(word: str) -> set[str]:
    """Readings of ``word`` with up to two of its "é"s read as å/ä/ö, each reading also with
    one doubled letter collapsed ("omrédden" → "områden")."""
    found = {word}
    for _ in range(2):
        more = set()
        for text in found:
            at = text.find("é")
            if at < 0:
                continue
            for pattern, letters in _E_READINGS:
                start = at - 1 if pattern[0] != "é" else at
                if start < 0 or not text.startswith(pattern, start):
                    continue
                more |= {text[:start] + ch + text[start + len(pattern) :] for ch in letters}
        found |= more
    found = {w for w in found if "é" not in w}
    return found | {w[:i] + w[i + 1 :] for w in found for i in range(1, len(w)) if w[i] == w[i - 1]}


@lru_cache(maxsize=5_000)
def _e_repaired(word: str) -> str:
    """``word`` read with its "é"s as å/ä/ö when one reading is a known word or a compound
    of two (ingest's measure: wordfreq's list, or two common words), at least ten times
    likelier than any other reading, and the word as written is neither; "idé", "kvalitén"
    and "Iréne" stay."""
    from ingest.ocr_repair import KNOWN_ZIPF, default_repairer

    repairer = default_repairer()
    lower = word.lower()
    if repairer.word_score(lower) >= KNOWN_ZIPF:
        return word
    scored = {v: repairer.word_score(v) for v in _e_variants(lower)}
    good = sorted((z, v) for v, z in scored.items() if z >= KNOWN_ZIPF)
    if not good or (len(good) > 1 and good[-1][0] - good[-2][0] < 1.0):
        return word  # none, or two readings about as likely
    fixed = good[-1][1]
    return _cased_like(word, fixed)


# Å, ä and ö that OCR read as one or two other letters, in words ingest's repair left because
# no reading was a listed word (``ingest/ocr_repair.py``): "anviandas", "bepriovad",
# "synsdittet", "stairka", "vilfiirdsforskning", "socialforvaltningarna", "socialférvaltningar"
# in the Göteborg report.
_LETTER_READINGS: tuple[tuple[str, str], ...] = (
    ("ia", "ä"), ("ai", "ä"), ("ii", "ä"), ("di", "ä"), ("id", "ä"), ("io", "ö"),
    ("o", "ö"), ("a", "ä"), ("a", "å"), ("i", "ä"), ("d", "ä"), ("d", "ö"),
    ("é", "ä"), ("é", "ö"), ("é", "å"),
)  # fmt: skip
# A word, not a piece of an address: "…/partnerskapetsocialtjanst.13268.html" stays.
_LETTERS_WORD = re.compile(r"(?<![\w/.@#%=-])[A-Za-zÅÄÖåäöé][a-zåäöé]{4,}(?![\w/@-]|\.\w)")


def _letter_variants(word: str, changes: int = 2) -> dict[str, int]:
    """``word`` with up to ``changes`` of its letters (or pairs) read as å/ä/ö: each reading
    and the fewest changes that make it."""
    slots = [
        (i, len(seen), letter)
        for i in range(len(word))
        for seen, letter in _LETTER_READINGS
        if word.startswith(seen, i)
    ]
    out: dict[str, int] = {}
    for k in range(changes, 0, -1):
        for combo in itertools.combinations(slots, k):  # slots are in reading order
            if any(a[0] + a[1] > b[0] for a, b in itertools.pairwise(combo)):
                continue  # two readings of overlapping letters
            pieces, last = [], 0
            for start, length, letter in combo:
                pieces += [word[last:start], letter]
                last = start + length
            out["".join(pieces) + word[last:]] = k
    return out


@lru_cache(maxsize=20_000)
def _lenient_score(word: str, head_zipf: float, tail_zipf: float) -> float:
    """How likely ``word`` is a Swedish word: ingest's measure (a listed word, or two common
    words), also for a genitive's stem; else a compound of a listed tail of five letters or
    more and a common head (or a head that is itself a compound of two common words):
    "socialförvaltningarna" (social + förvaltningarna, Zipf 1.7), which ingest's measure,
    wanting both parts at Zipf 3, does not know."""
    from ingest.ocr_repair import KNOWN_ZIPF, default_repairer

    repairer = default_repairer()
    strict = repairer.word_score(word)
    if strict < KNOWN_ZIPF and word.endswith("s"):  # a genitive: "partnerskapets"
        strict = repairer.word_score(word[:-1])
    if strict >= KNOWN_ZIPF or len(word) < 7:
        return strict
    lexicon, best = _lexicon(), 0.0
    for cut in range(4, len(word) - 4):
        head, tail = word[:cut], word[cut:]
        tail_z = lexicon.get(tail, 0.0)
        if tail_z < tail_zipf:
            continue
        head_z = lexicon.get(head, 0.0)
        if head_z < head_zipf and head.endswith("s"):
            head_z = lexicon.get(head[:-1], 0.0)
        if head_z < head_zipf and len(head) >= 7:
            compound = repairer.word_score(head)
            if compound >= KNOWN_ZIPF:
                head_z = compound + 2.0  # a compound head, ranked as ingest does
        if head_z >= head_zipf:
            best = max(best, (head_z + tail_z) / 2 - 2.0)
    return best


@lru_cache(maxsize=20_000)
def _letters_repaired(word: str, head_zipf: float, tail_zipf: float, dominance: float) -> str:
    """``word`` with OCR's letters read as å/ä/ö, when the word as written is not one ingest
    knows and a reading is a word (``_lenient_score``): any word when no measure knows the word
    as written, else one at least ``dominance`` likelier. Of the readings about as likely
    as the likeliest, the one with fewest changes, if it is one. Measured on the sample
    corpus in ``docs/ocr_repair.md``."""
    from ingest.ocr_repair import KNOWN_ZIPF, default_repairer

    lower = word.lower()
    if default_repairer().word_score(lower) >= KNOWN_ZIPF:
        return word
    own = _lenient_score(lower, head_zipf, tail_zipf)
    scored = [
        (z, k, v)
        for v, k in _letter_variants(lower).items()
        if (z := _lenient_score(v, head_zipf, tail_zipf)) > 0 and (own == 0 or z >= own + dominance)
    ]
    if not scored:
        return word
    top = max(z for z, _, _ in scored)
    # As ingest decides: "kunskapsanvändning" (one change), not "kunskapsånvändning" (two).
    near = [(k, v) for z, k, v in scored if z > top - dominance]
    fewest = min(k for k, _ in near)
    good = [v for k, v in near if k == fewest]
    if len(good) != 1:
        return word  # two readings about as likely
    fixed = good[0]
    return _cased_like(word, fixed)


def _one_as_i(text: str) -> str:
    def read(m: re.Match[str]) -> str:
        before = text[: m.start()].rsplit(None, 1)[-1]
        after = text[m.end() :].split(None, 1)[0]
        word = after.rstrip('.,;:!?)”’"').lower()
        label = before.rstrip(".,:;").lower()
        if word in _MONTHS or (label.isdigit() and not before.endswith(",")):
            return m.group()
        if after[0].islower() and word in _DETERMINERS:  # "Tabell 1 De …" is a caption
            return " i "
        if label in _LABELS:
            return m.group()
        return " i " if after[0].isupper() or word.endswith("na") else m.group()

    return _LONE_ONE.sub(read, text)


# Where a sentence has ended: its stop, with any quote or bracket closing after it.
_ENDED = re.compile(r"[.!?:;][’'\"”»)\]]*$")


# A footnote's number as the text export has it ("22 ", "%6 ", "'2 ", "% ", "9 . ", "24 | ").
_NOTE_MARK = re.compile(r"^(?:[%'’‘]?\d{1,2}|%)(?:\s+[.|](?=\s))?\s+")
# The title of a web page a footnote points to: "Partnerskapet, socialtjänst | SKR".
_WEB_TITLE = re.compile(r"\s\|\s[A-ZÅÄÖ]")
# A footnote that only points elsewhere: "Se Centrum för forskning … för mer information."
_POINTER = re.compile(r"(?:Se|Läs mer|Las mer)\b")
_SENTENCE_ENDS = re.compile(r"[.!?][’'\"”»)\]]*(?=\s|$)")


def quotable_text(text: str, footnotes: list[tuple[int, int]]) -> str:
    """What the composers may quote of a chunk: its text without the footnotes run into it
    (``without_footnotes``), then each footnote that says something in a sentence of its
    own, without its number, as a paragraph of its own ("In-kindfinansiering innebär att en
    förvaltning bidrar med exempelvis en medarbetares arbetstid."). A footnote that only
    names a source or a web page ("Forte - Forskningsrådet för hälsa …", "Partnerskapet,
    socialtjänst | SKR"), or points elsewhere ("Se …"), is not quoted."""
    if not footnotes:
        return text
    notes = []
    for start, end in footnotes:
        for paragraph in text[start:end].split("\n\n"):
            note = _NOTE_MARK.sub("", " ".join(paragraph.split()), count=1)
            if title := _WEB_TITLE.search(note):  # "… Huvudmannagruppen. Huvudmannagruppen | SKR"
                note = note[: title.start()]
                note = note[: max((m.end() for m in _SENTENCE_ENDS.finditer(note)), default=0)]
            if _ENDED.search(note) and not _POINTER.match(note):
                notes.append(note)
    return "\n\n".join([without_footnotes(text, footnotes).rstrip(), *notes])


def without_footnotes(text: str, footnotes: list[tuple[int, int]]) -> str:
    """A chunk's text with the page footnotes that its text export ran into the body taken
    out (``CleanDocument.footnotes``): the body ``quotable_text`` begins with. Where the
    footnotes cut a sentence at a page break ("… tar licentiatexamen | % Forte -
    Forskningsrådet för hälsa … | våren 2025."), its two halves join again; elsewhere a
    paragraph break stands where the footnotes stood."""
    if not footnotes:
        return text
    spans = sorted(footnotes)
    out = text[: spans[0][0]]
    reached = 0
    for i, (_start, end) in enumerate(spans):
        reached = max(reached, end)
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        out = _rejoined(out, text[reached : max(nxt, reached)])
    return out


# OCR read an opening ” as ’ ("— ’KORP”", "modeller för ’förbättringskunskap”"), or left a
# footnote's number with a quote mark at a line's start ('2" Inom de …').
_SINGLE_FOR_DOUBLE = re.compile(r"(?:(?<=[\s(—–-])|^)’(?=[^’\s][^’]*”)")
_NUMBERED_QUOTE = re.compile(r"^\d{1,2}[\"”]\s+(?=[A-ZÅÄÖ])")
_DOUBLE = re.compile(r"[”“\"]")


def _quotes_mended(text: str) -> str:
    """A quote shown as a quote: OCR's ’ for an opening ”, a footnote's numbered mark, and a
    closing mark whose opening is not in the quoted text ("Förälder på avstånd”, FoU i Väst",
    "… tillhör stadens sociala förvaltningar”", where the quotation began a sentence before)
    dropped. An opening mark whose quotation goes on in the next sentence stays."""
    text = _NUMBERED_QUOTE.sub("", _SINGLE_FOR_DOUBLE.sub("”", text))
    marks = list(_DOUBLE.finditer(text))
    if len(marks) % 2 == 1:
        first = marks[0]
        before = text[first.start() - 1] if first.start() else " "
        if before.isalnum() or before in ".!?,;:)":  # it closes: the opening is not here
            return text[: first.start()] + text[first.end() :]
    return text


def _rejoined(left: str, right: str) -> str:
    before, after = left.rstrip(), right.lstrip()
    if not before or not after:
        return before or after
    gap = left[len(before) :] + right[: len(right) - len(after)]
    if not _ENDED.search(before) and not after[:1].isdigit():  # not "10 Utblick: Skola"
        return f"{before} {after}"
    return before + ("\n\n" if "\n\n" in gap else "\n" if "\n" in gap else " ") + after


def shown(text: str, tuning: DisplaySettings | None = None) -> str:
    """``text`` as the reader sees it: footnote numbers and marks, markdown, OCR'd bullets and
    OCR residue cleaned away. ``tuning`` is ``Settings.display`` (its defaults when not
    given)."""
    t = tuning or DEFAULTS
    numbers = (t.known_zipf, t.common_zipf, t.dominance_zipf, t.safe_zipf, t.long_word_letters)
    text = _STAR_QUOTE.sub(r"”\g<quoted>”", text)
    text = _RUN_TOGETHER.sub(r"\1 ", _EMPHASIS_MARK.sub("", text))
    text = _LONE_APOSTROPHE.sub("", _FOOTNOTE_SIGN.sub("", text)).strip()
    text = _BAR_AS_CAPITAL_I.sub("I", _BAR_AS_I.sub("I ", text))
    text = _OCR_BULLET.sub("", _LEADING_MARKER.sub("", text))  # also after a sentence
    text = _OCR_BULLET_INSIDE.sub(lambda m: "; " if m.group("year") is not None else " ", text)
    text = _FUSED_FOOTNOTE.sub(r"\1", text)
    text = _IS_BEFORE_YEAR.sub("år", _YEAR_AS_IS.sub(lambda m: f"{m.group(1)} år", text))
    text = _quotes_mended(_one_as_i(text))
    text = _E_WORD.sub(lambda m: _e_repaired(m.group()), text)
    letters = (t.compound_head_zipf, t.compound_tail_zipf, t.letters_dominance_zipf)
    text = _LETTERS_WORD.sub(lambda m: _letters_repaired(m.group(), *letters), text)
    return _WORD.sub(lambda m: _repaired_word(m.group(), *numbers), text)
