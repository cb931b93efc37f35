"""The request and response models of ``/api/sources`` (what OpenAPI shows of them).

A source's status (``SourceStatus``) gathers the index, the manifests, the worker's jobs
and, for a web page, how it was last fetched; ``source_status.py`` builds it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.input_types import CleanText, IsoDate
from ingest.manifest import AREAS
from kunskap.limits import MAX_UPLOAD_BYTES
from kunskap.text import web_url

# The manifest's vocabularies as types, so OpenAPI lists them (a test keeps them equal).
DocType = Literal[
    "lag",
    "kunskapsstod",
    "evidenssammanstallning",
    "faq",
    "fou_rapport",
    "minnesanteckningar",
    "nyhet",
    "ovrigt",
]
Area = Literal[
    "barn_och_unga",
    "vuxna_beroende",
    "funktionshinder",
    "socialpsykiatri",
    "aldre",
    "ekonomiskt_bistand",
    "vald_i_nara_relationer",
    "overgripande",
]


class JobOut(BaseModel):
    id: int
    reason: str
    state: Literal["queued", "running", "done", "failed"]
    documents_done: int
    documents_total: int
    current: str | None
    chunks: int
    seconds_left: float | None = Field(description="Uppskattning utifrån takten hittills.")
    seconds: float | None
    summary: str | None = Field(description="Sammanfattning när jobbet är klart.")
    failures: list[str]
    error: str | None


class WebPageOut(BaseModel):
    url: str
    status: Literal["ok", "failed", "vanished", "refused", "pending"] = Field(
        description="ok; failed: senaste hämtningen misslyckades; vanished: försvunnen; "
        "refused: robots.txt tillåter inte hämtning; pending: inte hämtad än."
    )
    reason: str | None = None
    since: str | None = Field(None, description="Sedan när sidan inte går att hämta.")
    last_fetched: str | None = None
    last_checked: str | None = None


class SyncOut(BaseModel):
    started_at: str
    seconds: float
    summary: str
    unchanged: int
    updated: int
    failed: int
    vanished: int
    problems: list[dict[str, Any]]
    ingest_failures: list[str]


class SourceStatus(BaseModel):
    doc_id: str
    source_id: str
    title: str
    origin: Literal["manifest", "uploaded"] = Field(
        description="manifest: står i corpus_manifest.yaml (ändras där); uploaded: tillagd "
        "på administrationssidan."
    )
    doc_type: str
    doc_type_label: str = ""
    publisher: str | None = None
    areas: list[str] = []
    published: str | None = None
    url: str | None = None
    license: str | None = None
    status: Literal["indexed", "pending", "failed", "vanished"] = Field(
        description="vanished: en webbsida som inte finns längre (404/410) eller inte svarat "
        "flera synkroniseringar i rad; dess delar ligger kvar tills den tas bort ur manifestet."
    )
    chunks: int = 0
    last_ingested: str | None = None
    error: str | None = None
    file_url: str | None = None
    page: WebPageOut | None = Field(None, description="För en webbsida: hur den hämtades.")

    @field_validator("url", mode="before")
    @classmethod
    def _web_url_only(cls, value: object) -> str | None:
        return web_url(value) if isinstance(value, str) else None


class SourceChange(BaseModel):
    """New metadata for an uploaded source; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: CleanText | None = Field(None, min_length=1, max_length=300)
    doc_type: DocType | None = None
    publisher: CleanText | None = Field(None, min_length=1, max_length=200)
    areas: list[Area] | None = Field(None, min_length=1, max_length=len(AREAS))
    published: IsoDate | None = None
    url: CleanText | None = Field(None, max_length=2000)
    license: CleanText | None = Field(None, max_length=200)


class SourceJob(BaseModel):
    source: SourceStatus | None
    job: JobOut


class SourcesOverview(BaseModel):
    sources: list[SourceStatus]
    jobs: list[JobOut]
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    last_sync: SyncOut | None = Field(None, description="Den senaste hämtningen av webbkällorna.")
    sync_interval_hours: float = Field(
        0, description="Hur ofta servern hämtar webbkällorna (0: bara på begäran)."
    )
