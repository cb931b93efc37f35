"""Turn a RawDocument into one clean text with page and section spans.

Steps, in order: printed page markers (``35 (70)``) become page anchors; repeated page
headers/footers and website furniture go; lines are unwrapped into paragraphs (joining
words hyphenated across a line break); OCR-damaged documents get their Swedish letters
repaired; headings are found; finally the text is assembled and every span is a character
offset into that final text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .documents import CleanDocument, PageSpan, RawDocument, SectionSpan
from .language import detect_language
from .ocr_repair import OcrRepairer, default_repairer, word_tokens

# "35 (70)" or "Sida 35 av 70", alone or at the end of a header line.
_MARKER = re.compile(
    r"(?:^|\s)(?:(?:sida|s\.)\s*)?(?P<n>\d{1,4})\s*(?:\((?P<m1>\d{1,4})\)|av\s+(?P<m2>\d{1,4}))\s*$",
    re.IGNORECASE,
)
_PAGE_NUMBER_ONLY = re.compile(r"^(?:sida\s*)?\d{1,4}(?:\s*(?:av|/|\()\s*\d{1,4}\)?)?$", re.I)
_LONE_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})+$")
_PERSON = re.compile(r"^[A-ZÅÄÖÉ][\w'-]+(?: [A-ZÅÄÖÉ][\w'-]+)+, [A-ZÅÄÖ][\w .-]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•–✓]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+[A-ZÅÄÖ]")
_TERMINAL = tuple('.!?:;,"”»')
# A footnote at the foot of a page: its number (which OCR may have read with or as a sign:
# "%6", "'2", "%"), a space and its text. "22 En av enheterna har …", "%6 Se SKR:s hemsida …".
_FOOTNOTE = re.compile(r"^(?:[%'’‘]?\d{1,2}|%)\s+\S")
# How many lines of text a page's footnote block may have before it is taken for body text.
_FOOTNOTE_LINES = 12
# Lines a website prints around every article: share/follow links and the like.
_SOCIAL = frozenset({
    "twitter", "facebook", "youtube", "rss", "prenumerera", "linkedin", "instagram", "x",
    "flickr", "vimeo", "tiktok", "dela", "skriv ut", "dela sidan", "följ oss", "tipsa en vän",
})  # fmt: skip
_UPDATED = re.compile(r"^(senast uppdaterad|sidan uppdaterades|uppdaterad:|publicerad:)", re.I)
# A hyphen before these words is a suspended compound ("individ- och familjeomsorg").
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "respektive", "resp", "till", "som"})


@dataclass
class _Line:
    text: str
    page: int | None = None  # PDF page the line came from
    marker: int | None = None  # a printed page number that starts here (text exports)
    hard_break: bool = False  # Markdown "two spaces" line break: keep the line on its own
    # The first line of a page: a PDF page's first line, or in a text export a line indented
    # by one space (the OCR export of seed 004 starts every page so).
    page_start: bool = False
    footnote: bool = False  # part of a page's footnote block (``_mark_footnotes``)


@dataclass
class _Segment:
    """One output line (paragraph, heading or list item) and the anchors inside it."""

    text: str
    heading: str | None = None
    anchors: list[tuple[int, str, int]] = field(default_factory=list)  # (pos, kind, number)
    joinable: bool = True  # plain paragraph text that a later line may continue
    new_paragraph: bool = True  # preceded by a blank line in the output


def _norm(line: str) -> str:
    return " ".join(line.split()).lower()


# -- page markers and headers ------------------------------------------------------------------


def _extract_markers(lines: list[_Line]) -> list[_Line]:
    """Split printed page markers out of text-export lines into marker pseudo-lines.

    In seed 004 the header block (title, subtitle, office, ``N (70)``, date) stands at the
    *top* of page N: the lines before it are the previous page's footnotes, the lines after
    it continue the previous sentence. So a marker starts page N where it stands.
    """
    found: list[tuple[int, int, int, str]] = []
    for i, line in enumerate(lines):
        match = _MARKER.search(line.text)
        if match:
            total = int(match.group("m1") or match.group("m2"))
            found.append((i, int(match.group("n")), total, line.text[: match.start()].strip()))
    if not found:
        return lines
    # Real markers share the document's page total and count upwards; "Hjelte (2017)" does not
    # even match, "in 12 (13) fall" would break the pattern below.
    total = Counter(t for _, _, t, _ in found).most_common(1)[0][0]
    keep: dict[int, tuple[int, str]] = {}
    last = 0
    for i, n, t, prefix in found:
        standalone = not prefix
        if t == total and last < n <= t and total >= 2 and (standalone or len(found) >= 2):
            keep[i] = (n, prefix)
            last = n
    out: list[_Line] = []
    for i, line in enumerate(lines):
        if i in keep:
            n, prefix = keep[i]
            out.append(_Line("", marker=n))
            if prefix:
                out.append(_Line(prefix, page=line.page))
            continue
        out.append(line)
    return out


def _is_protected(text: str) -> bool:
    """Lines never taken for headers: list items, headings, labels, questions, names."""
    s = text.strip()
    return bool(
        _LIST_ITEM.match(s)
        or _MD_HEADING.match(s)
        or s.endswith((":", "?"))
        or _PERSON.match(s)  # attendance lists repeat people: "Maria Havseng, Kungälv"
    )


def _drop_repeated_lines(lines: list[_Line]) -> int:
    """Blank out running headers/footers of a text export; returns how many lines went."""
    counts = Counter(_norm(line.text) for line in lines if line.text.strip())
    first_text = next((i for i, line in enumerate(lines) if line.text.strip()), -1)
    anchors: set[int] = set()
    for i, line in enumerate(lines):
        key = _norm(line.text)
        starts_paragraph = i == 0 or not lines[i - 1].text.strip()
        if (
            key
            and counts[key] >= 3
            and len(key) <= 100
            and len(key.split()) >= 2
            and starts_paragraph
            and not _is_protected(line.text)
        ):
            anchors.add(i)
    anchors |= {i for i, line in enumerate(lines) if line.marker is not None}
    doomed = set(anchors)
    # Lines of the same header block that repeat only twice ("Socialförvaltningen Centrum",
    # the date) go with it; names ("Maria Havseng, Kungälv") have commas and stay.
    for i, line in enumerate(lines):
        key = _norm(line.text)
        if (
            key
            and counts[key] >= 2
            and len(key) <= 60
            and "," not in key
            and not _is_protected(line.text)
            and any(abs(i - a) <= 5 for a in anchors)
        ):
            doomed.add(i)
    removed = 0
    for line in lines:
        # Section numbers the OCR tore from their headings ("2.1.2" alone on a line) would
        # otherwise split the sentence that runs across a page break.
        if _LONE_SECTION_NUMBER.match(line.text.strip()):
            line.text = ""
            removed += 1
    for i in sorted(doomed):
        if lines[i].marker is not None or not lines[i].text.strip():
            continue
        # The first line of the document is its own title line ("Anteckningar till möte …"),
        # keep it once; later repeats are the running header.
        if i == first_text:
            continue
        lines[i].text = ""
        removed += 1
    return removed


def _drop_pdf_furniture(lines: list[_Line], n_pages: int) -> int:
    """Blank out lines recurring at the top/bottom of many PDF pages, and page numbers."""
    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        if line.page is not None and line.text.strip():
            by_page.setdefault(line.page, []).append(i)
    # Two lines at each end hold a two-line header; short pages get one, or the body goes too.
    zones = {
        p: idx[:2] + idx[-2:] if len(idx) >= 6 else idx[:1] + idx[-1:] for p, idx in by_page.items()
    }

    def shape(text: str) -> str:  # page numbers differ from page to page
        return re.sub(r"\d+", "#", _norm(text))

    seen = Counter(k for idx in zones.values() for k in {shape(lines[i].text) for i in idx})
    need = max(3, math.ceil(0.5 * n_pages))
    removed = 0
    for idx in zones.values():
        for i in set(idx):
            text = lines[i].text.strip()
            if _PAGE_NUMBER_ONLY.match(text) or (
                n_pages >= 3 and seen[shape(text)] >= need and not _is_protected(text)
            ):
                lines[i].text = ""
                removed += 1
    return removed


def _drop_web_footer(lines: list[_Line]) -> int:
    removed = 0
    total = sum(len(line.text) + 1 for line in lines)
    pos = 0
    for i, line in enumerate(lines):
        # "Senast uppdaterad:" near the end of a web page starts the site footer.
        if _UPDATED.match(line.text.strip()) and pos > 0.7 * total:
            for rest in lines[i:]:
                if rest.text.strip():
                    rest.text = ""
                    removed += 1
            return removed
        if _norm(line.text) in _SOCIAL:
            line.text = ""
            removed += 1
        pos += len(line.text) + 1
    return removed


# -- footnotes ---------------------------------------------------------------------------------


def _footnote_block_end(lines: list[_Line], i: int) -> int | None:
    """When a page's footnote block starts at line ``i``: the index of the next page's first
    line, which ends the block. None when ``i`` is not the start of one.

    A footnote block is one or more paragraphs that each open with a footnote number, the
    last lines before a page break. Body text between them means they were not footnotes.
    """
    if not _FOOTNOTE.match(lines[i].text) or lines[i].page_start:
        return None
    seen = 0
    for k in range(i + 1, len(lines)):
        line = lines[k]
        if line.page_start:
            return k
        if line.marker is not None or not line.text.strip():
            continue
        seen += 1
        opens_paragraph = not lines[k - 1].text.strip() and lines[k - 1].marker is None
        if seen > _FOOTNOTE_LINES or (opens_paragraph and not _FOOTNOTE.match(line.text)):
            return None
    return None


def _mark_footnotes(lines: list[_Line]) -> int:
    """Mark the footnote blocks at the foot of a text export's pages; returns how many.

    In a text export a page's footnotes stand between its last line and the next page's
    first, so unwrapping runs them into the sentence that crosses the page break ("… fånga
    upp utmaningar och 22 En av enheterna har sedan ungefär tio år arbetat med en snarlik
    modell. framgångar så att …"). The text is left as it is, because the chunks, their
    vectors and every search rank are built on it; the marked lines become footnote spans
    of the clean document, which the composers quote apart from the text
    (``assistant/display.py``, ``quotable_text``).
    """
    found = 0
    i = 0
    while i < len(lines):
        starts_paragraph = i == 0 or not lines[i - 1].text.strip()
        end = _footnote_block_end(lines, i) if starts_paragraph else None
        if end is None:
            i += 1
            continue
        found += 1
        for line in lines[i:end]:
            line.footnote = bool(line.text.strip())
        i = end
    return found


def _footnote_spans(anchors: list[tuple[int, str, int]], text: str) -> list[tuple[int, int]]:
    """(start, end) of each footnote in the final text, from its lines' anchors: kind
    "footnote", 1 where a line starts and 0 where it ends. Lines of one block that only
    whitespace separates make one span."""
    spans: list[list[int]] = []
    start: int | None = None
    for pos, _kind, n in sorted((a for a in anchors if a[1] == "footnote"), key=lambda a: a[0]):
        if n == 1:
            start = pos
        elif start is not None:
            if spans and not text[spans[-1][1] : start].strip():
                spans[-1][1] = pos
            else:
                spans.append([start, pos])
            start = None
    return [(a, b) for a, b in spans if b > a]


# -- paragraphs --------------------------------------------------------------------------------


def _wrap_width(lines: list[_Line]) -> int:
    lengths = sorted(len(line.text.rstrip()) for line in lines if len(line.text.strip()) >= 20)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _join(left: str, right: str) -> str:
    """Continue ``left`` with the next line, undoing a hyphenation at the line break."""
    right = right.lstrip()
    m = re.search(r"(\w+)-$", left)
    if m and right[:1].islower() and not left.endswith(" -"):
        word = m.group(1)
        next_word = re.match(r"\w+", right)
        if next_word and next_word.group(0) in _CONJUNCTIONS:
            return f"{left} {right}"  # "individ- och familjeomsorg"
        if any(c.isupper() for c in word[1:]) or word.isupper() or word[-1].isdigit():
            return left + right  # "FoU-\nenheter" is FoU-enheter
        return left[:-1] + right
    return f"{left} {right}"


def _plain_heading(text: str) -> bool:
    s = text.strip()
    if not s or len(s) > 80 or len(s.split()) > 12 or s.endswith(_TERMINAL):
        return False
    if _NUMBERED_HEADING.match(s):
        return True
    return s[0].isupper() and "," not in s and ":" not in s and sum(c.isalpha() for c in s) >= 3


def _is_plain_heading(text: str, paragraphs: list[list[_Line]], k: int, real: Any) -> bool:
    """A standalone short line followed by body text (or by a sub-heading and body text)."""
    if not _plain_heading(text):
        return False
    if _NUMBERED_HEADING.match(text.strip()):
        return True
    if len(text.strip()) > 70:
        return False
    following = [real(p) for p in paragraphs[k + 1 : k + 3]]
    if not following or not following[0]:
        return False
    if following[0][0].text.lstrip()[:1].islower():
        return False  # a sentence broken by a blank line, not a heading

    def candidate(p: list[_Line]) -> bool:
        return len(p) == 1 and _plain_heading(p[0].text)

    if not candidate(following[0]):
        return True
    # A heading directly followed by a sub-heading ("Sammanfattning", "Bakgrund", text).
    return len(following) > 1 and bool(following[1]) and not candidate(following[1])


def _clean_heading(text: str) -> str:
    s = _MD_HEADING.match(text)
    body = s.group(2) if s else text
    body = re.sub(r"[*_]{1,3}", "", body).strip()
    return re.sub(r"^[-–]\s+", "", body).strip()


def _segments(lines: list[_Line], markdown: bool) -> list[_Segment]:
    width = _wrap_width(lines)
    # Paragraphs: runs of non-blank lines; marker pseudo-lines are anchors, not breaks.
    paragraphs: list[list[_Line]] = [[]]
    pending: list[_Line] = []
    for line in lines:
        if line.marker is not None:
            pending.append(line)
        elif not line.text.strip():
            if paragraphs[-1]:
                paragraphs.append([])
        else:
            paragraphs[-1].extend([*pending, line])
            pending = []
    if pending:
        paragraphs[-1].extend(pending)
    paragraphs = [p for p in paragraphs if p]

    def real(p: list[_Line]) -> list[_Line]:
        return [line for line in p if line.marker is None]

    segs: list[_Segment] = []
    for k, para in enumerate(paragraphs):
        body = real(para)
        single = len(body) == 1
        first = True
        carry: list[tuple[int, str, int]] = []
        for line in para:
            if line.marker is not None:
                carry.append((0, "marker", line.marker))
                continue
            text = line.text.rstrip()
            md = _MD_HEADING.match(text)
            heading: str | None = None
            if md or (not markdown and single and _is_plain_heading(text, paragraphs, k, real)):
                heading = _clean_heading(text)
            anchors = list(carry)
            carry = []
            if line.page is not None:
                anchors.append((0, "page", line.page))
            if line.footnote:
                anchors += [(0, "footnote", 1), (len(text.strip()), "footnote", 0)]
            prev = segs[-1] if segs else None
            continues = (
                prev is not None
                and heading is None
                and prev.joinable
                and not _LIST_ITEM.match(text)
                and not text.lstrip().startswith("|")
                and (
                    # Inside a paragraph: a hard-wrapped line continues unless it was short
                    # (the author's own line break: names, addresses).
                    (not first and (width < 50 or len(prev.text) >= 0.5 * width))
                    # Across a blank line or a page break: only mid-sentence, when the OCR or
                    # the page layout broke a paragraph ("De kan dock ge annan | vardefull").
                    or (
                        first
                        and not prev.text.endswith(_TERMINAL)
                        and text.lstrip()[:1].islower()
                        and width >= 50
                        and len(prev.text) >= 0.6 * width
                    )
                )
            )
            if prev is not None and continues:
                joined = _join(prev.text, text)
                offset = len(joined) - len(text.lstrip())
                prev.anchors.extend((offset + pos, kind, n) for pos, kind, n in anchors)
                prev.text = joined
                prev.joinable = not line.hard_break
            else:
                segs.append(
                    _Segment(
                        text=heading if heading is not None else text.strip(),
                        heading=heading,
                        anchors=anchors,
                        joinable=heading is None
                        and not line.hard_break
                        and not text.lstrip().startswith("|"),
                        new_paragraph=first,
                    )
                )
            first = False
        if carry and segs:  # markers at the very end of the document
            segs[-1].anchors.extend((len(segs[-1].text), k, n) for _, k, n in carry)
    return segs


# -- OCR ---------------------------------------------------------------------------------------


def _repair(segs: list[_Segment], repairer: OcrRepairer) -> dict[str, Any]:
    whole = "\n".join(s.text for s in segs)
    share = repairer.unknown_share(whole)
    stats: dict[str, Any] = {"unknown_share_before": round(share, 4), "applied": False}
    if not repairer.looks_damaged(whole):
        n_tokens = len(word_tokens(whole))
        unknown = round(share * n_tokens)
        stats.update(tokens=n_tokens, unknown_before=unknown, unknown_after=unknown, repaired=0)
        return stats
    totals = Counter[str]()
    for seg in segs:
        # Repair piece by piece between anchors so anchor positions stay exact.
        cuts = sorted({pos for pos, _, _ in seg.anchors if 0 < pos < len(seg.text)})
        bounds = [0, *cuts, len(seg.text)]
        pieces, new_pos = [], {0: 0}
        for a, b in itertools.pairwise(bounds):
            fixed, piece_stats = repairer.repair_text(seg.text[a:b])
            totals.update(piece_stats)
            pieces.append(fixed)
            new_pos[b] = new_pos[a] + len(fixed)
        seg.text = "".join(pieces)
        seg.anchors = [(new_pos.get(pos, pos), k, n) for pos, k, n in seg.anchors]
        if seg.heading is not None:
            seg.heading = seg.text
    stats.update(totals)
    stats["applied"] = True
    stats["unknown_share_after"] = round(repairer.unknown_share("\n".join(s.text for s in segs)), 4)
    return stats


# -- assembly ----------------------------------------------------------------------------------


def _page_spans(
    anchors: list[tuple[int, str, int]], length: int, exact: bool
) -> tuple[list[PageSpan], int]:
    if exact:
        starts: dict[int, int] = {}
        for pos, kind, n in anchors:
            if kind == "page":
                starts.setdefault(n, pos)
        ordered = sorted(starts.items())
        spans = [
            PageSpan(start, ordered[i + 1][1] if i + 1 < len(ordered) else length, n)
            for i, (n, start) in enumerate(ordered)
        ]
        return [s for s in spans if s.end > s.start], 0
    markers = [(pos, n) for pos, kind, n in anchors if kind == "marker"]
    if not markers or length == 0:
        return [], 0
    return _interpolate(markers, length), len(markers)


def _interpolate(markers: list[tuple[int, int]], length: int) -> list[PageSpan]:
    """Pages from printed markers; pages between markers share the characters evenly."""
    if len(markers) >= 2:
        (p0, n0), (p1, n1) = markers[0], markers[-1]
        density = max((p1 - p0) / max(n1 - n0, 1), 1.0)
    else:
        density = max(length / max(markers[0][1], 1), 1.0)
    points = list(markers)
    # Before the first marker: count back at the measured density, never below page 1.
    first_pos, first_n = markers[0]
    if first_pos > 0 and first_n > 1:
        back = min(first_n - 1, max(1, round(first_pos / density)))
        points.insert(0, (0, first_n - back))
    elif first_pos > 0:
        points.insert(0, (0, first_n))
    last_pos, last_n = markers[-1]
    after = max(1, round((length - last_pos) / density))
    points.append((length, last_n + after))
    spans: list[PageSpan] = []
    for (a, na), (b, nb) in itertools.pairwise(points):
        count = max(nb - na, 1)
        exact = nb - na == 1 and (a, na) in markers and (b, nb) in markers
        for j in range(count):
            start = a + round(j * (b - a) / count)
            end = a + round((j + 1) * (b - a) / count)
            if end > start:
                spans.append(PageSpan(start, end, na + j, estimated=not exact))
    return spans


def clean_document(
    raw: RawDocument, *, ocr_repair: bool = True, repairer: OcrRepairer | None = None
) -> CleanDocument:
    """Clean one loaded document; all spans are offsets into the returned text."""
    lines: list[_Line] = []
    for n_page, page in enumerate(raw.pages):
        number = page.number if raw.has_page_numbers else None
        text = page.text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
        first_line = n_page > 0
        for chunk in text.split("\n"):
            clean = chunk.replace("\t", " ").replace("\xa0", " ").replace("\u00ad", "")
            line = _Line(clean.rstrip(), page=number, hard_break=chunk.endswith("  "))
            if line.text.strip():
                line.page_start = first_line or bool(re.match(r" \S", clean))
                first_line = False
            lines.append(line)
        lines.append(_Line(""))  # a page break ends a paragraph unless mid-sentence
    stats: dict[str, Any] = {}
    if raw.has_page_numbers:
        n_pages = len({p.number for p in raw.pages if p.number is not None})
        stats["removed_lines"] = _drop_pdf_furniture(lines, n_pages)
    else:
        lines = _extract_markers(lines)
        stats["removed_lines"] = _drop_repeated_lines(lines)
    stats["removed_lines"] += _drop_web_footer(lines)
    stats["footnote_blocks"] = _mark_footnotes(lines)
    markdown = any(_MD_HEADING.match(line.text) for line in lines)
    segs = _segments(lines, markdown)
    if ocr_repair and segs:
        stats["ocr"] = _repair(segs, repairer or default_repairer())

    text_parts: list[str] = []
    anchors: list[tuple[int, str, int]] = []
    heads: list[tuple[int, str | None]] = []
    pos = 0
    for i, seg in enumerate(segs):
        if i:
            sep = "\n\n" if seg.new_paragraph or seg.heading or segs[i - 1].heading else "\n"
            text_parts.append(sep)
            pos += len(sep)
        anchors.extend((pos + a, k, n) for a, k, n in seg.anchors)
        if seg.heading is not None:
            heads.append((pos, seg.heading))
        text_parts.append(seg.text)
        pos += len(seg.text)
    text = "".join(text_parts)
    if text:
        text += "\n"
    pages, n_markers = _page_spans(anchors, len(text), exact=raw.has_page_numbers)
    footnotes = _footnote_spans(anchors, text)
    stats["page_markers"] = n_markers

    hint = raw.metadata.get("section_hint")
    sections: list[SectionSpan] = []
    if text and isinstance(hint, str) and hint:
        sections = [SectionSpan(0, len(text), hint)]
    elif text:
        if not heads or heads[0][0] > 0:
            heads.insert(0, (0, None))
        for j, (start, heading) in enumerate(heads):
            end = heads[j + 1][0] if j + 1 < len(heads) else len(text)
            sections.append(SectionSpan(start, end, heading))
    return CleanDocument(
        doc_id=raw.doc_id,
        title=raw.title,
        text=text,
        pages=pages,
        sections=sections,
        footnotes=footnotes,
        metadata=dict(raw.metadata),
        warnings=list(raw.warnings),
        language=detect_language(text[:20000]),
        stats=stats,
    )
