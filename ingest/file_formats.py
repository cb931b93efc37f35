"""One reader per file format: a file's bytes become pages of text (PDF, text, Markdown,
HTML, DOCX), or ``Unreadable`` with a short Swedish reason.

``ingest/loaders.py`` decides which files of a manifest source are read and with which
reader, and turns what they return into ``RawDocument``s (JSONL, one document per line, is
read there). Headings the format knows (HTML h1–h3, DOCX heading styles) are written as
Markdown ``#`` lines so that cleaning sees one convention.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import RawPage

log = logging.getLogger(__name__)


class Unreadable(Exception):
    """A whole file cannot be used; the message is the Swedish reason."""


@dataclass
class Loaded:
    pages: list[RawPage]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    has_page_numbers: bool = False


def read_bytes(file: Path) -> bytes:
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise Unreadable("filen saknas") from None
    except PermissionError:
        raise Unreadable("filen kan inte läsas (behörighet saknas)") from None
    except IsADirectoryError:
        raise Unreadable("är en mapp, inte en fil") from None
    except OSError as exc:
        raise Unreadable(f"filen kan inte läsas ({exc.strerror or exc})") from None
    if not data.strip():
        raise Unreadable("filen är tom")
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused, not guessed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable("inte giltig UTF-16-text") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Guessing Latin-1 would index mojibake; the user should re-save the file.
            raise Unreadable("inte giltig UTF-8-text") from None
    if "\x00" in text:
        raise Unreadable("binär fil, inte text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- text and Markdown -----------------------------------------------------------------------


def _load_text(file: Path) -> Loaded:
    return Loaded(pages=[RawPage(decode_text(read_bytes(file)))])


_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _load_markdown(file: Path) -> Loaded:
    text = decode_text(read_bytes(file))
    match = _MD_TITLE.search(text)
    title = match.group(1).strip("*_ ") if match else None
    return Loaded(pages=[RawPage(text)], title=title or None)


# -- PDF ---------------------------------------------------------------------------------------


def _load_pdf(file: Path) -> Loaded:
    from pypdf import PdfReader

    data = read_bytes(file)
    if not data.lstrip().startswith(b"%PDF"):
        raise Unreadable("inte en PDF-fil (saknar PDF-huvud)")
    # pypdf raises many exception types on damaged files (PdfReadError, ValueError,
    # KeyError, struct errors…); every one of them means "this file cannot be read".
    try:
        import io

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many "encrypted" PDFs only restrict printing and open with an empty password.
            try:
                opened = bool(reader.decrypt(""))
            except Exception:
                opened = False
            if not opened:
                raise Unreadable("krypterad PDF (lösenord krävs)")
        n_pages = len(reader.pages)
    except Unreadable:
        raise
    except Exception as exc:
        log.debug("pypdf could not open %s", file, exc_info=True)
        raise Unreadable(f"trasig eller ofullständig PDF ({type(exc).__name__})") from None

    pages: list[RawPage] = []
    warnings: list[str] = []
    for number in range(1, n_pages + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except Exception:
            log.debug("pypdf could not read page %d of %s", number, file, exc_info=True)
            warnings.append(f"sida {number} kunde inte läsas (trasig sida?)")
            text = ""
        else:
            if not text.strip():
                warnings.append(f"sida {number} saknar textlager (inskannad sida?)")
        pages.append(RawPage(text.replace("\r\n", "\n").replace("\r", "\n"), number))
    if n_pages == 0:
        raise Unreadable("PDF:en har inga sidor")
    if not any(p.text.strip() for p in pages):
        raise Unreadable("PDF:en saknar textlager (inskannad? kör OCR först)")
    title = None
    try:
        meta_title = reader.metadata.title if reader.metadata else None
        title = str(meta_title).strip() if meta_title else None
    except Exception:
        title = None
    if title and title.lower().startswith(("microsoft word", "untitled", "namnlös")):
        title = None  # a converter's placeholder, not the document's title
    return Loaded(pages=pages, title=title or None, warnings=warnings, has_page_numbers=True)


# -- HTML --------------------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "form", "nav", "aside", "footer",
              "iframe", "button", "select", "input")  # fmt: skip
# id/class words of page furniture (Swedish sites use meny, brödsmulor, kakor).
_FURNITURE = re.compile(
    r"(^|[-_\s])(nav|navbar|navigation|menu|meny|cookie|cookies|consent|kakor|breadcrumbs?|"
    r"brodsmulor|brödsmulor|skip|skiplink|sidebar|social|share|dela)([-_\s]|$)",
    re.IGNORECASE,
)
_BLOCK_TAGS = ("p", "div", "section", "article", "main", "table", "tr", "ul", "ol", "dl", "dt",
               "dd", "blockquote", "pre", "figure", "figcaption", "address", "header", "h4",
               "h5", "h6")  # fmt: skip


def _load_html(file: Path) -> Loaded:
    from bs4 import BeautifulSoup, NavigableString, Tag

    data = read_bytes(file)
    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:
        raise Unreadable(f"HTML kan inte tolkas ({type(exc).__name__})") from None
    title = None
    if soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    elif (h1 := soup.find("h1")) is not None:
        title = h1.get_text(" ", strip=True)

    root = soup.find("main") or soup.find("article") or soup.body or soup
    doomed: list[Tag] = [t for t in root.find_all(list(_DROP_TAGS)) if isinstance(t, Tag)]
    for tag in root.find_all(True):
        if not isinstance(tag, Tag) or tag is root:
            continue
        attrs = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
        if attrs.strip() and _FURNITURE.search(attrs):
            doomed.append(tag)
        elif tag.name == "header" and tag.find("h1") is None:
            # A page header (logo, search) goes; an article header holding the h1 stays.
            doomed.append(tag)
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()

    # Source-code line breaks inside a paragraph are not text line breaks.
    for node in list(root.find_all(string=True)):
        if isinstance(node, NavigableString) and node.find_parent("pre") is None:
            node.replace_with(re.sub(r"\s+", " ", str(node)))
    for tag in list(root.find_all(True)):
        if tag.decomposed:
            continue
        if tag.name in ("h1", "h2", "h3"):
            text = tag.get_text(" ", strip=True)
            level = int(tag.name[1])
            tag.replace_with(f"\n\n{'#' * level} {text}\n\n" if text else "")
        elif tag.name == "br":
            tag.replace_with("\n")
        elif tag.name == "li":
            tag.insert(0, "\n- ")
        elif tag.name in ("td", "th"):
            tag.append(" | ")
        elif tag.name in _BLOCK_TAGS:
            tag.insert(0, "\n\n")
            tag.append("\n\n")
    raw = root.get_text()
    lines = [
        re.sub(r"[ \t\xa0]+", " ", line).strip().removesuffix(" |") for line in raw.split("\n")
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise Unreadable("HTML-sidan innehåller ingen text")
    return Loaded(pages=[RawPage(text + "\n")], title=title)


# -- DOCX --------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)


def _load_docx(file: Path) -> Loaded:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    read_bytes(file)  # missing, unreadable and empty files get their own reasons
    try:
        document = docx.Document(str(file))
        title = (document.core_properties.title or "").strip() or None
        lines: list[str] = []
        for block in document.element.body.iterchildren():
            tag = block.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.extend(_docx_paragraph(Paragraph(block, document)))
            elif tag == "tbl":
                for row in Table(block, document).rows:
                    cells: list[str] = []
                    for cell in row.cells:  # merged cells repeat; keep each text once
                        text = " ".join(cell.text.split())
                        if text and (not cells or cells[-1] != text):
                            cells.append(text)
                    if cells:
                        lines.extend([" | ".join(cells), ""])
    except Exception as exc:
        log.debug("python-docx could not read %s", file, exc_info=True)
        raise Unreadable(f"trasig eller oläslig DOCX-fil ({type(exc).__name__})") from None
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise Unreadable("dokumentet innehåller ingen text")
    if title is None:
        match = _MD_TITLE.search(text)
        title = match.group(1) if match else None
    return Loaded(pages=[RawPage(text + "\n")], title=title)


def _docx_paragraph(paragraph: Any) -> list[str]:
    text = paragraph.text.strip()
    if not text:
        return []
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.lower() in ("title", "rubrik"):
        return [f"# {text}", ""]
    match = _HEADING_STYLE.match(style)
    if match:
        return [f"{'#' * max(1, int(match.group(1)))} {text}", ""]
    if "list" in style.lower() or "lista" in style.lower():
        return [f"- {text}"]
    return [text, ""]


# -- dispatch ----------------------------------------------------------------------------------

READERS: dict[str, Callable[[Path], Loaded]] = {
    "pdf": _load_pdf,
    "txt": _load_text,
    "md": _load_markdown,
    "html": _load_html,
    "docx": _load_docx,
}
