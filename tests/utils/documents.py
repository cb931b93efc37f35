"""Builders for the files and documents the ingest tests need, generated in tmp_path.

PDFs are written with pypdf alone (a Helvetica text layer with WinAnsi encoding, so å, ä
and ö survive), which keeps the test dependencies to what the project already installs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from ingest.documents import CleanDocument, RawDocument, RawPage
from ingest.manifest import SourceEntry

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "corpus" / "seeds"
FAQ = REPO_ROOT / "corpus" / "faq" / "swefaq_dev_answers.jsonl"


def seed_text(prefix: str) -> str:
    """The text of a seed file by its number, e.g. ``seed_text("004")``."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def entry(path: str, *, id: str = "test-source", **extra: Any) -> SourceEntry:
    fields: dict[str, Any] = {
        "id": id,
        "title": "Testkälla",
        "path": path,
        "doc_type": "ovrigt",
        "publisher": "Testförvaltningen",
        "areas": ["overgripande"],
    }
    fields.update(extra)
    return SourceEntry(**fields)


def raw_text(text: str, *, doc_id: str = "doc", **metadata: Any) -> RawDocument:
    return RawDocument(doc_id=doc_id, title="Titel", pages=[RawPage(text)], metadata=metadata)


def raw_pdf_pages(pages: list[str], *, doc_id: str = "pdf") -> RawDocument:
    return RawDocument(
        doc_id=doc_id,
        title="Titel",
        pages=[RawPage(text, i) for i, text in enumerate(pages, 1)],
        has_page_numbers=True,
    )


def _pdf_escape(line: str) -> bytes:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def write_pdf(
    path: Path,
    pages: list[str | None],
    *,
    user_password: str | None = None,
    title: str | None = None,
) -> Path:
    """A PDF with one page per item: text lines, or None for a page without a text layer."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(width=595, height=842)
        if text is None:
            continue  # a scanned page: an image in real life, nothing to extract here
        ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
        for line in text.split("\n"):
            ops.append(b"(" + _pdf_escape(line) + b") Tj T*")
        ops.append(b"ET")
        stream = DecodedStreamObject()
        stream.set_data(b"\n".join(ops))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    if title:
        writer.add_metadata({"/Title": title})
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="ägare", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def write_docx(path: Path, blocks: list[tuple[str, str]], *, title: str | None = None) -> Path:
    """A DOCX from (kind, text) blocks: kind is "h1".."h3", "p", "li" or "table" (cells "a|b")."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for kind, text in blocks:
        if kind.startswith("h"):
            document.add_heading(text, level=int(kind[1]))
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        elif kind == "table":
            rows = [row.split("|") for row in text.split("\n")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    """One line per row; a str row is written as is (to make bad lines)."""
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_spans_valid(doc: CleanDocument) -> None:
    """Every span lies inside the text; sections cover it in order; pages do not overlap."""
    n = len(doc.text)
    if doc.text:
        assert doc.sections, "a non-empty document has sections"
        assert doc.sections[0].start == 0
        assert doc.sections[-1].end == n
        for a, b in zip(doc.sections, doc.sections[1:], strict=False):
            assert a.end == b.start
    for s in doc.sections:
        assert 0 <= s.start < s.end <= n
        if s.heading is not None and not doc.metadata.get("section_hint"):
            # A detected heading is the first line of its section, verbatim.
            assert doc.text[s.start : s.start + len(s.heading)] == s.heading
    previous_end = 0
    for p in doc.pages:
        assert 0 <= p.start < p.end <= n
        assert p.start >= previous_end
        previous_end = p.end
