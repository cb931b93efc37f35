"""Read the files of one manifest source into RawDocuments (PDF, text, Markdown, HTML, DOCX, JSONL).

A file that cannot be read becomes a ``LoadFailure`` with a short Swedish reason; the other
files of the source still load. No exception from a parser escapes ``load_source``.
Headings the format knows (HTML h1–h3, DOCX heading styles) are written as Markdown
``#`` lines so that cleaning sees one convention.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import RawDocument, RawPage
from .manifest import EXTENSION_FORMATS, SourceEntry

log = logging.getLogger(__name__)

SUPPORTED_FORMATS: frozenset[str] = frozenset({"pdf", "txt", "md", "html", "docx", "jsonl"})


@dataclass(frozen=True)
class LoadFailure:
    source_id: str
    path: str  # relative to the manifest dir when possible; "file:LINE" for a JSONL line
    reason: str  # short, Swedish, for the person running the ingest

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class SourceLoad:
    documents: list[RawDocument] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    # Not an error, but nothing to read yet (a web page `kunskap sync` has not fetched):
    # a warning, and the source's indexed documents are kept.
    waiting: list[LoadFailure] = field(default_factory=list)


class _Unreadable(Exception):
    """A whole file cannot be used; the message is the Swedish reason."""


@dataclass
class _Loaded:
    pages: list[RawPage]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    has_page_numbers: bool = False


def _relative(file: Path, base_dir: Path) -> str:
    try:
        return file.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(file.resolve(), base_dir.resolve())).as_posix()


def _read_bytes(file: Path) -> bytes:
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise _Unreadable("filen saknas") from None
    except PermissionError:
        raise _Unreadable("filen kan inte läsas (behörighet saknas)") from None
    except IsADirectoryError:
        raise _Unreadable("är en mapp, inte en fil") from None
    except OSError as exc:
        raise _Unreadable(f"filen kan inte läsas ({exc.strerror or exc})") from None
    if not data.strip():
        raise _Unreadable("filen är tom")
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused, not guessed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Unreadable("inte giltig UTF-16-text") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Guessing Latin-1 would index mojibake; the user should re-save the file.
            raise _Unreadable("inte giltig UTF-8-text") from None
    if "\x00" in text:
        raise _Unreadable("binär fil, inte text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- text and Markdown -----------------------------------------------------------------------


def _load_text(file: Path) -> _Loaded:
    return _Loaded(pages=[RawPage(decode_text(_read_bytes(file)))])


_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _load_markdown(file: Path) -> _Loaded:
    text = decode_text(_read_bytes(file))
    match = _MD_TITLE.search(text)
    title = match.group(1).strip("*_ ") if match else None
    return _Loaded(pages=[RawPage(text)], title=title or None)


# -- PDF ---------------------------------------------------------------------------------------


def _load_pdf(file: Path) -> _Loaded:
    from pypdf import PdfReader

    data = _read_bytes(file)
    if not data.lstrip().startswith(b"%PDF"):
        raise _Unreadable("inte en PDF-fil (saknar PDF-huvud)")
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
                raise _Unreadable("krypterad PDF (lösenord krävs)")
        n_pages = len(reader.pages)
    except _Unreadable:
        raise
    except Exception as exc:
        log.debug("pypdf could not open %s", file, exc_info=True)
        raise _Unreadable(f"trasig eller ofullständig PDF ({type(exc).__name__})") from None

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
        raise _Unreadable("PDF:en har inga sidor")
    if not any(p.text.strip() for p in pages):
        raise _Unreadable("PDF:en saknar textlager (inskannad? kör OCR först)")
    title = None
    try:
        meta_title = reader.metadata.title if reader.metadata else None
        title = str(meta_title).strip() if meta_title else None
    except Exception:
        title = None
    if title and title.lower().startswith(("microsoft word", "untitled", "namnlös")):
        title = None  # a converter's placeholder, not the document's title
    return _Loaded(pages=pages, title=title or None, warnings=warnings, has_page_numbers=True)


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


def _load_html(file: Path) -> _Loaded:
    from bs4 import BeautifulSoup, NavigableString, Tag

    data = _read_bytes(file)
    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:
        raise _Unreadable(f"HTML kan inte tolkas ({type(exc).__name__})") from None
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
        raise _Unreadable("HTML-sidan innehåller ingen text")
    return _Loaded(pages=[RawPage(text + "\n")], title=title)


# -- DOCX --------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)


def _load_docx(file: Path) -> _Loaded:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _read_bytes(file)  # missing, unreadable and empty files get their own reasons
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
        raise _Unreadable(f"trasig eller oläslig DOCX-fil ({type(exc).__name__})") from None
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise _Unreadable("dokumentet innehåller ingen text")
    if title is None:
        match = _MD_TITLE.search(text)
        title = match.group(1) if match else None
    return _Loaded(pages=[RawPage(text + "\n")], title=title)


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


# -- JSONL -------------------------------------------------------------------------------------

_JSONL_KNOWN = {"id", "text", "title", "url", "link", "publisher", "source", "category"}


def _load_jsonl(file: Path, doc_id: str, rel: str, entry: SourceEntry, load: SourceLoad) -> None:
    text = decode_text(_read_bytes(file))
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{rel}:{number}"

        def fail(reason: str, where: str = where) -> None:
            load.failures.append(LoadFailure(entry.id, where, reason))

        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"ogiltig JSON ({exc.msg}, kolumn {exc.colno})")
            continue
        if not isinstance(record, dict):
            fail("raden är inte ett JSON-objekt")
            continue
        rid = record.get("id")
        if rid is None or isinstance(rid, (dict, list, bool)) or not str(rid).strip():
            fail("fältet 'id' saknas")
            continue
        rid = str(rid).strip()
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            fail(f"fältet 'text' saknas eller är tomt (id '{rid}')")
            continue
        if rid in seen:
            fail(f"id '{rid}' finns redan på rad {seen[rid]}")
            continue
        seen[rid] = number
        metadata: dict[str, Any] = {
            k: v for k, v in record.items() if k not in _JSONL_KNOWN and v is not None
        }
        metadata.update(source_id=entry.id, path=rel, format="jsonl", line=number)
        for key, alias, target in (("url", "link", "url"), ("publisher", "source", "publisher")):
            value = record.get(key) or record.get(alias)
            if isinstance(value, str) and value.strip():
                metadata[target] = value.strip()
        category = record.get("category")
        if isinstance(category, str) and category.strip():
            metadata["section_hint"] = category.strip()
        title = record.get("title")
        if not isinstance(title, str) or not title.strip():
            title = metadata.get("section_hint") or rid
        load.documents.append(
            RawDocument(
                # A JSONL source's lines are documents in their own right ("faq-042"), as the
                # evaluation sets name them; in a folder the file's id keeps them apart.
                doc_id=rid if doc_id == entry.id else f"{doc_id}/{rid}",
                title=str(title).strip(),
                pages=[RawPage(body.replace("\r\n", "\n"))],
                metadata=metadata,
            )
        )


# -- dispatch ----------------------------------------------------------------------------------

_LOADERS: dict[str, Callable[[Path], _Loaded]] = {
    "pdf": _load_pdf,
    "txt": _load_text,
    "md": _load_markdown,
    "html": _load_html,
    "docx": _load_docx,
}


def _source_files(entry: SourceEntry, folder: Path) -> list[Path]:
    wanted = {entry.format} if entry.format else set(SUPPORTED_FORMATS)
    files = []
    for file in folder.rglob("*"):
        rel_parts = file.relative_to(folder).parts
        if any(part.startswith(".") for part in rel_parts) or not file.is_file():
            continue  # hidden files and folders (.git, .DS_Store) are never sources
        if EXTENSION_FORMATS.get(file.suffix.lower()) in wanted:
            files.append(file)
    return sorted(files, key=lambda f: f.relative_to(folder).as_posix())


def load_file(
    entry: SourceEntry,
    file: Path,
    doc_id: str,
    base_dir: Path,
    load: SourceLoad,
    *,
    title: str,
    own_title_first: bool,
) -> None:
    """Load one file of ``entry`` into ``load`` (documents or a failure).

    ``own_title_first``: prefer the title the file itself carries over ``title`` (files in
    a folder source); a single-file source keeps the manifest's curated title.
    """
    rel = _relative(file, base_dir)
    fmt = entry.format_for(file)
    try:
        if fmt is None or fmt not in SUPPORTED_FORMATS:
            if not file.exists():
                raise _Unreadable("filen saknas")
            known = ", ".join(sorted(SUPPORTED_FORMATS))
            raise _Unreadable(f"okänt format '{file.suffix or file.name}' (stöds: {known})")
        if fmt == "jsonl":
            _load_jsonl(file, doc_id, rel, entry, load)
            return
        loaded = _LOADERS[fmt](file)
    except _Unreadable as exc:
        load.failures.append(LoadFailure(entry.id, rel, str(exc)))
        return
    load.documents.append(
        RawDocument(
            doc_id=doc_id,
            title=(loaded.title or title) if own_title_first else title,
            pages=loaded.pages,
            metadata={"source_id": entry.id, "path": rel, "format": fmt},
            warnings=loaded.warnings,
            has_page_numbers=loaded.has_page_numbers,
        )
    )


def load_source(entry: SourceEntry, base_dir: Path) -> SourceLoad:
    """Every document of one manifest source, and one failure per file or line that failed."""
    load = SourceLoad()
    if entry.path is None:
        # Web pages are read from what `kunskap sync` fetched (ingest/web_sources.py).
        for url in entry.pages:
            load.failures.append(LoadFailure(entry.id, url, "webbsida: hämtas av kunskap sync"))
        return load
    path = base_dir / entry.path
    if path.is_dir():
        files = _source_files(entry, path)
        if not files:
            load.failures.append(
                LoadFailure(entry.id, _relative(path, base_dir), "mappen har inga filer som stöds")
            )
        for file in files:
            stem = file.relative_to(path).with_suffix("").as_posix()
            name = file.stem.replace("_", " ").replace("-", " ").strip() or file.name
            load_file(
                entry, file, f"{entry.id}/{stem}", base_dir, load, title=name, own_title_first=True
            )
    elif not path.exists():
        load.failures.append(LoadFailure(entry.id, _relative(path, base_dir), "filen saknas"))
    else:
        load_file(entry, path, entry.id, base_dir, load, title=entry.title, own_title_first=False)
    return load
