"""The shapes a document takes on its way from a file to chunks.

``RawDocument`` is what a loader read (pages of text as they came out of the file);
``CleanDocument`` is what cleaning made of it (one cleaned text, with page and section spans
as character offsets into that text); ``Chunk`` is one piece ready for the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawPage:
    """One page (PDF) or the whole text (formats without pages) as extracted."""

    text: str
    number: int | None = None  # 1-based page number when the format has pages


@dataclass
class RawDocument:
    doc_id: str
    title: str
    pages: list[RawPage]
    # Headings the loader already knows from structure (HTML h1-h3, DOCX heading styles)
    # are written into the text as Markdown headings ("## Rubrik"), so cleaning and
    # chunking see one convention.
    metadata: dict[str, Any] = field(default_factory=dict)  # url, publisher, ... per doc
    warnings: list[str] = field(default_factory=list)  # e.g. "page 3 has no text layer"
    has_page_numbers: bool = False  # True when pages[].number are real page numbers


@dataclass(frozen=True)
class PageSpan:
    start: int  # character offsets into CleanDocument.text
    end: int
    number: int
    estimated: bool = False  # True when interpolated between printed page markers


@dataclass(frozen=True)
class SectionSpan:
    start: int
    end: int
    heading: str | None  # None for text before the first heading


@dataclass
class CleanDocument:
    doc_id: str
    title: str
    text: str
    pages: list[PageSpan]
    sections: list[SectionSpan]
    # (start, end) of each page footnote that the text export ran into the body text:
    # kept in the text (it is what was searched), left out of what answers quote.
    footnotes: list[tuple[int, int]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    language: str = "sv"
    stats: dict[str, Any] = field(default_factory=dict)  # e.g. OCR repair counts

    def pages_between(self, start: int, end: int) -> tuple[int | None, int | None, bool]:
        """First and last page overlapping [start, end), and whether any is estimated."""
        hit = [p for p in self.pages if p.start < end and p.end > start]
        if not hit:
            return None, None, False
        return hit[0].number, hit[-1].number, any(p.estimated for p in hit)

    def footnotes_within(self, start: int, end: int) -> list[tuple[int, int]]:
        """The footnote spans overlapping [start, end), relative to ``start`` and clipped."""
        return [
            (max(a, start) - start, min(b, end) - start)
            for a, b in self.footnotes
            if a < end and b > start
        ]

    def page_marks(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """Where each page overlapping [start, end) begins, relative to ``start``; empty
        when the range stands on one page (or none)."""
        hit = [p for p in self.pages if p.start < end and p.end > start]
        if len(hit) < 2:
            return []
        return [(max(p.start - start, 0), p.number, p.estimated) for p in hit]

    def section_at(self, offset: int) -> str | None:
        heading = None
        for s in self.sections:
            if s.start <= offset < s.end:
                return s.heading
            if s.start <= offset:
                heading = s.heading
        return heading


@dataclass
class Chunk:
    doc_id: str
    index: int  # position within the document, 0-based
    text: str
    start: int  # character offsets into the cleaned document text
    end: int
    section: str | None
    page_start: int | None
    page_end: int | None
    page_estimated: bool
    language: str
    # Where each of its pages starts, as (offset into ``text``, page, estimated), the first
    # at 0: a citation names the page its quote stands on, not the chunk's whole range.
    # Empty for a chunk on one page, which is most of them, so the index payload stays small.
    page_marks: list[tuple[int, int, bool]] = field(default_factory=list)
    # Footnotes run into the text, as (start, end) into ``text`` (``CleanDocument.footnotes``).
    footnotes: list[tuple[int, int]] = field(default_factory=list)
