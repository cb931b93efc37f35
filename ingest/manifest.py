"""The corpus manifest: which sources to ingest and the facts a reader needs to weigh them.

An entry is a file or folder (``path``) or web pages (no ``path``: ``url`` alone is one page,
``urls`` a list of pages), fetched by ``kunskap sync`` (``ingest/sync.py``).

A mistake in the manifest is reported as one line naming the entry and the field, e.g.
``corpus_manifest.yaml: source 'fou-goteborg' (#5): field 'areas': 'barn' is not one of …``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kunskap.domain import AREAS, DOC_TYPES
from kunskap.text import web_url

SOURCE_WEIGHT: dict[str, int] = {name: rank for rank, name in enumerate(DOC_TYPES)}

Format = Literal["pdf", "txt", "md", "html", "docx", "jsonl"]
EXTENSION_FORMATS: dict[str, Format] = {
    ".pdf": "pdf",
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".jsonl": "jsonl",
}


class ManifestError(Exception):
    """The manifest as a whole cannot be read. The message is one line for the user."""


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=120)
    title: str = Field(min_length=1)
    path: str | None = Field(
        None, min_length=1, description="File or folder, relative to the manifest."
    )
    urls: list[str] | None = Field(
        None,
        min_length=1,
        description="Web pages that make up this source, each fetched by `kunskap sync`.",
    )
    format: Format | None = None
    doc_type: Literal[
        "lag",
        "kunskapsstod",
        "evidenssammanstallning",
        "faq",
        "fou_rapport",
        "minnesanteckningar",
        "nyhet",
        "ovrigt",
    ]
    publisher: str = Field(min_length=1)
    areas: list[str] = Field(min_length=1)
    published: dt.date | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    url: str | None = Field(None, description="The source's web address: http or https only.")
    license: str | None = None
    attribution: str | None = None

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, areas: list[str]) -> list[str]:
        for area in areas:
            if area not in AREAS:
                raise ValueError(f"'{area}' is not one of {', '.join(AREAS)}")
        return areas

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str | None) -> str | None:
        # Shown to readers as a link: javascript:, data: and file: must never get that far.
        if url is not None and web_url(url) != url:
            raise ValueError("must be an absolute http:// or https:// address")
        return url

    @field_validator("urls")
    @classmethod
    def _web_urls(cls, urls: list[str] | None) -> list[str] | None:
        if urls is None:
            return None
        for url in urls:
            if web_url(url) != url:
                raise ValueError(f"'{url}' is not an absolute http:// or https:// address")
        if len(set(urls)) != len(urls):
            raise ValueError("the same address is listed twice")
        return urls

    @model_validator(mode="after")
    def _file_or_web(self) -> SourceEntry:
        if self.path is None and self.url is None and not self.urls:
            raise ValueError("give 'path' (a file or folder) or 'url' / 'urls' (web pages)")
        if self.path is not None and self.urls:
            raise ValueError("'urls' is for web sources: give 'path' or 'urls', not both")
        return self

    @property
    def is_web(self) -> bool:
        """No file: the entry's pages are fetched from the web."""
        return self.path is None

    @property
    def pages(self) -> list[str]:
        """The web pages to fetch: ``urls``, or ``url`` alone; none for a file source."""
        if not self.is_web:
            return []
        return list(self.urls) if self.urls else [self.url] if self.url else []

    def resolved_path(self, base_dir: Path) -> Path:
        if self.path is None:
            raise ValueError(f"source '{self.id}' is a web source, not a file")
        return (base_dir / self.path).resolve()

    def format_for(self, file: Path) -> Format | None:
        return self.format or EXTENSION_FORMATS.get(file.suffix.lower())


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceEntry]
    base_dir: Path = Path(".")

    @property
    def by_id(self) -> dict[str, SourceEntry]:
        return {s.id: s for s in self.sources}


def _describe(error: dict, raw_sources: list) -> str:
    loc = list(error["loc"])
    if loc and loc[0] == "sources" and len(loc) > 1 and isinstance(loc[1], int):
        idx = loc[1]
        raw = raw_sources[idx] if idx < len(raw_sources) else {}
        name = raw.get("id", "?") if isinstance(raw, dict) else "?"
        field = ".".join(str(p) for p in loc[2:]) or "(entry)"
        return f"source '{name}' (#{idx + 1}): field '{field}': {error['msg']}"
    return f"field '{'.'.join(str(p) for p in loc)}': {error['msg']}"


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest; raise ManifestError with one clear line on any mistake."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ManifestError(f"{path}: not valid YAML{where}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise ManifestError(f"{path}: expected a mapping with a list under 'sources'")
    try:
        manifest = Manifest(sources=raw["sources"], base_dir=path.parent.resolve())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ManifestError(f"{path}: {_describe(dict(first), raw['sources'])}") from None
    seen: set[str] = set()
    for idx, source in enumerate(manifest.sources):
        if source.id in seen:
            raise ManifestError(
                f"{path}: source '{source.id}' (#{idx + 1}): field 'id': duplicate id"
            )
        seen.add(source.id)
    return manifest
