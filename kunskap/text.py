"""Sentence splitting for Swedish (and English) text, shared by chunking and answering."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nltk.tokenize import PunktTokenizer

# Abbreviations Punkt's Swedish model does not know but Swedish legal and social-services
# text is full of ("enl. 5 kap. SoL" must stay one sentence).
_SWEDISH_ABBREVIATIONS = {
    "enl", "kap", "bl.a", "t.ex", "jfr", "resp", "ca", "st", "nr", "m.m", "dvs", "d.v.s",
    "p", "prop", "sfs", "s", "fr.o.m", "t.o.m", "f.d", "m.fl", "o.d", "osv", "etc", "ff",
    "sou", "ds", "lss", "tel", "kl", "avd", "bet", "tf", "ang", "inkl", "exkl", "pga", "p.g.a",
}  # fmt: skip


def _nltk_data_dir() -> str:
    import llama_index.core

    return os.path.join(os.path.dirname(llama_index.core.__file__), "_static", "nltk_cache")


@lru_cache(maxsize=1)
def _punkt() -> PunktTokenizer:
    import nltk

    # llama-index bundles Punkt's data; use it so nothing is downloaded.
    if _nltk_data_dir() not in nltk.data.path:
        nltk.data.path.insert(0, _nltk_data_dir())
    from nltk.tokenize import PunktTokenizer

    tokenizer = PunktTokenizer("swedish")
    tokenizer._params.abbrev_types.update(_SWEDISH_ABBREVIATIONS)
    return tokenizer


_LINE_BREAK_SENTENCES = re.compile(r"\n\s*\n|\n(?=\s*(?:[-•*]|\d+[.)])\s)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``; paragraph and list breaks also end one."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for block in [*_LINE_BREAK_SENTENCES.split(text)]:
        offset = text.find(block, pos)
        if offset < 0:
            offset = pos
        pos = offset + len(block)
        for s, e in _punkt().span_tokenize(block):
            if block[s:e].strip():
                spans.append((offset + s, offset + e))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def sentence_splitter() -> Callable[[str], list[str]]:
    """The callable llama-index's SentenceSplitter takes as ``chunking_tokenizer_fn``.

    It must return pieces that concatenate back to the input, so whitespace between
    sentences is kept on the preceding piece.
    """

    def split(text: str) -> list[str]:
        spans = sentence_spans(text)
        if not spans:
            return [text] if text else []
        pieces = []
        for i, (s, _) in enumerate(spans):
            start = 0 if i == 0 else s
            end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
            pieces.append(text[start:end])
        return pieces

    return split


SWEDISH_MONTHS = (
    "januari februari mars april maj juni juli augusti september oktober november december"
).split()


def spoken_date(day: int, month: int, year: str | int) -> str:
    """A date as Swedish text writes it: (6, 5, 2022) → "6 maj 2022"."""
    return f"{day} {SWEDISH_MONTHS[month - 1]} {year}"


def one_edit_apart(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one letter changed, added or dropped, or two neighbours
    swapped ("avbi"/"avby", "larson"/"larsson", "sociala"/"soicala"); equal words are not."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


# C0 controls except tab, newline and carriage return; DEL and the C1 controls; lone
# surrogates (a JSON body may carry "\ud800", which no encoder will write); and the
# bidirectional embeddings, overrides and isolates, which can make stored text display
# in another order than it reads.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def strip_control(text: str) -> str:
    """``text`` without control characters, lone surrogates and bidi overrides.

    Applied to everything users send before it is answered or stored: a NUL byte in the
    needs register ends up raw in the CSV export (and PostgreSQL refuses it outright).
    """
    return _CONTROL.sub("", text)


def web_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address, else None: a source link is shown
    to readers and clients, and ``javascript:`` or ``data:`` must never become a link."""
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _CONTROL.search(url) or any(ch.isspace() for ch in url.strip()):
        return None
    return url.strip()
