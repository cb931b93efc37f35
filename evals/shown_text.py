"""What a reader sees of a quoted answer: the defects issue 16 §1 rules out, counted.

The issue's bar for the answer text is "no filler": no markdown left over from the source,
no footnote marks fused into words, no footnote's own text run into the prose, no OCR'd
bullet glyph in front of a quote, no two sentences run together, no fragment cut
mid-sentence, no sentence said twice. Each
quoted piece of an answer (the text before a ``[n]``) is checked for these, so the
evaluation reports how many answers show one. The checks are deliberately narrow: each
pattern is one a reader would call broken, and none of them fires on clean Swedish prose
(``tests/evals/test_shown_text.py``). They are written apart from the code that cleans what
is shown (``assistant/display.py``, ``extractive.unrepeated``) on purpose: a check that
imported the cleaner's own patterns would pass whatever the cleaner does.

Not checked: whether a quoted line is a heading. A short line without a full stop is a heading
in one document and the answer in another (the header of minutes gives the meeting's date),
so no pattern tells them apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

KINDS = (
    "markup",
    "footnote_mark",
    "footnote_text",
    "ocr_bullet",
    "run_together",
    "fragment",
    "repeated",
)

# A quoted piece and its marker: "Texten här [2]." (the marker sits before the full stop,
# which goes with it).
_PIECE = re.compile(r"(.+?)\s*\[\d+\][.!?…:;]*")
# Markdown emphasis the composer did not strip: "**Tid för …", "*Att leda för kunskap*";
# a list marker inside running text: "… chefsnätverk. ✓ Dialog kring 30 mars"; a markdown
# heading quoted as if it were a claim: "## Om beprövad erfarenhet"; a bullet glyph standing
# alone ("… utvecklingsprocesser. » Utveckla uppföljning av resultat"), not a quote mark.
_MARKUP = re.compile(
    r"\*\*|(?<![\w*])\*(?=\w)|(?<=[\w.!?…])\*(?![\w*])|(?<=[.!?] )[-•–✓] (?=[A-ZÅÄÖ])|^✓"
    r"|^#{1,6}\s|^\*\s|(?<!\S)»(?!\S)"
)
# A footnote number that OCR read as a sign, fused to the word before it: "kunskap®",
# "avdelningschefer'®", "identifieras.'?" at a sentence's end.
_FOOTNOTE_MARK = re.compile(r"[®™]|(?<=[\w.])['’]\?(?=[\s;,]|$)")
# A footnote's own text quoted as if it were prose: its number read by OCR as a per cent sign
# ("%6 Se SKR:s hemsida …", "bygger %7 Verktyg"; a real per cent sign follows a number), or
# the title of a web page it cites, parts separated by bars ("Regional samverkan och
# stödstruktur, RSS | SKR"). A bar before a lower-case word is OCR's "I" ("| detta fall");
# before a capital it can be too, which in this corpus happens in a footnote only ("24 |
# Regionalt stödcentrum heder …", itself footnote text).
_FOOTNOTE_TEXT = re.compile(r"(?:^|(?<=[^\d\s])\s)%\d{0,2}\s|\s\|\s[A-ZÅÄÖ]")
# Two sentences run together, the space after the full stop missing in the source: "… som du
# behöver.Som familjehem får du …" (two lower-case letters before the stop: not after an
# abbreviation in capitals, "enligt SoL.Det").
_RUN_TOGETHER = re.compile(r"(?<=[a-zåäö]{2})[.!?](?=[A-ZÅÄÖ][a-zåäö])")
# A list bullet that OCR read as a letter: "e Funktionshinder för utförare, 2024".
_OCR_BULLET = re.compile(r"^[eo]\s+\W*[A-ZÅÄÖ]")
# ... or inside a list run into one line: "socialtjänsten: e Barn och unga, 2022; e Funktion…".
_OCR_BULLET_INSIDE = re.compile(r"(?:[:;,]|\d{4})\s+[eo]\s+[A-ZÅÄÖ]")
# OCR's "I" read as a bracket before a lower-case word: "[ stället brukar …" is as broken to
# a reader as a fragment.
_BRACKET_START = re.compile(r"^\[\s+[a-zåäö]")
# Where a quote may start in lower case on purpose: an ellipsis or "(...)" quoting a quote.
_QUOTED_QUOTE = re.compile(r"^(?:\(?\.\.\.\)?|…|\(…\))")


def pieces(answer: str) -> list[str]:
    """The quoted pieces of an answer, in order, without the framing line before them."""
    body = answer.split("\n\n", 1)[1] if "\n\n" in answer else answer
    return [m.group(1).strip() for m in _PIECE.finditer(body)]


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def piece_defects(piece: str) -> set[str]:
    """The defects of one quoted piece (``repeated`` needs the whole answer)."""
    found = set()
    if _MARKUP.search(piece):
        found.add("markup")
    if _FOOTNOTE_MARK.search(piece):
        found.add("footnote_mark")
    if _FOOTNOTE_TEXT.search(piece):
        found.add("footnote_text")
    if _RUN_TOGETHER.search(piece):
        found.add("run_together")
    text = piece.lstrip("-•– ").strip()
    list_line = text != piece.strip()  # an item shown one to a line: "- vad kostar det"
    if _OCR_BULLET.match(text) or _OCR_BULLET_INSIDE.search(text):
        found.add("ocr_bullet")
    elif (
        (text[:1].islower() or _BRACKET_START.match(text))
        and not list_line
        and not (_QUOTED_QUOTE.match(text))
    ):
        found.add("fragment")
    return found


# The same read as "?" or "’" after a full stop, which the citation marker then stands
# before: "… hälso- och sjukvård [1].? I landet …", "… hur vi borde göra” [4].’" (the piece
# itself ends before the marker).
_STOP_QUESTION = re.compile(r"\[\d+\]\.(?:\?!?|['’])(?=\s|$)")


def defects(answer: str) -> set[str]:
    """Every kind of defect that one or more quoted pieces of ``answer`` show."""
    found: set[str] = {"footnote_mark"} if _STOP_QUESTION.search(answer) else set()
    seen: set[str] = set()
    for piece in pieces(answer):
        found |= piece_defects(piece)
        key = _normalised(piece)
        if key in seen:
            found.add("repeated")
        seen.add(key)
    return found


def summarise(defects_per_answer: Iterable[Iterable[str]]) -> dict[str, object]:
    """Over answered questions: how many answers show any defect, and how many each kind."""
    answers = [set(d) for d in defects_per_answer]
    kinds = Counter(kind for found in answers for kind in found)
    return {
        "answers": len(answers),
        "with_defect": sum(1 for found in answers if found),
        "share_with_defect": round(sum(1 for f in answers if f) / len(answers), 4)
        if answers
        else None,
        "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
    }
