"""Read the files of one manifest source into RawDocuments (PDF, text, Markdown, HTML, DOCX, JSONL).

A file that cannot be read becomes a ``LoadFailure`` with a short Swedish reason; the other
files of the source still load. No exception from a parser escapes ``load_source``. The
reader of each format is in ``ingest/file_formats.py``; JSONL (one document per line) is
read here, since one file becomes many documents.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import RawDocument, RawPage
from .file_formats import READERS, Unreadable, decode_text, read_bytes
from .manifest import EXTENSION_FORMATS, SourceEntry

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


def _relative(file: Path, base_dir: Path) -> str:
    try:
        return file.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(file.resolve(), base_dir.resolve())).as_posix()


# -- JSONL -------------------------------------------------------------------------------------

_JSONL_KNOWN = {"id", "text", "title", "url", "link", "publisher", "source", "category"}


def _load_jsonl(file: Path, doc_id: str, rel: str, entry: SourceEntry, load: SourceLoad) -> None:
    text = decode_text(read_bytes(file))
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
                raise Unreadable("filen saknas")
            known = ", ".join(sorted(SUPPORTED_FORMATS))
            raise Unreadable(f"okänt format '{file.suffix or file.name}' (stöds: {known})")
        if fmt == "jsonl":
            _load_jsonl(file, doc_id, rel, entry, load)
            return
        loaded = READERS[fmt](file)
    except Unreadable as exc:
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
