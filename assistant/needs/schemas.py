"""Shapes and vocabularies of the needs register: statuses, reasons, and API models.

Slugs are stored; the Swedish labels are what analysts read (page, exports, CLI).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Reason = Literal["no_evidence", "partial", "low_confidence", "negative_feedback"]
REASONS: dict[str, str] = {
    "no_evidence": "inget underlag",
    "partial": "ämnet finns, men inte det som efterfrågas",
    "low_confidence": "osäkert svar",
    "negative_feedback": "negativ återkoppling",
}

# The review workflow: ny → granskad → bekräftat behov | avvisad → vidarebefordrad → besvarad.
STATUSES: dict[str, str] = {
    "ny": "ny",
    "granskad": "granskad",
    "bekraftat_behov": "bekräftat behov",
    "avvisad": "avvisad",
    "vidarebefordrad": "vidarebefordrad",
    "besvarad": "besvarad",
}
# Allowed moves. Going back one step is allowed so that a mistake can be undone, and an
# answered or rejected need can be reopened when the questions keep coming.
TRANSITIONS: dict[str, frozenset[str]] = {
    "ny": frozenset({"granskad", "avvisad"}),
    "granskad": frozenset({"bekraftat_behov", "avvisad", "ny"}),
    "bekraftat_behov": frozenset({"vidarebefordrad", "avvisad", "granskad"}),
    "avvisad": frozenset({"ny", "granskad"}),
    "vidarebefordrad": frozenset({"besvarad", "bekraftat_behov"}),
    "besvarad": frozenset({"vidarebefordrad", "ny"}),
}
REJECT_REASONS: dict[str, str] = {
    "redan_besvarad": "redan besvarat av ett kunskapsstöd",
    "utanfor_uppdraget": "utanför uppdraget",
    "dubblett": "dubblett",
}
FORWARD_TARGETS = ("RSS", "SKR")
# Where a need comes from: a chat question, a thumbs-down, a passage of a document.
ORIGINS: dict[str, str] = {
    "fråga": "fråga i chatten",
    "återkoppling": "negativ återkoppling",
    "dokument": "dokument",
    "analytiker": "analytikerns egen post",
}
Status = Literal["ny", "granskad", "bekraftat_behov", "avvisad", "vidarebefordrad", "besvarad"]


class SourceHit(BaseModel):
    doc_id: str
    title: str = ""
    score: float = 0.0


class DocumentSource(BaseModel):
    """A passage of an ingested document that states the need."""

    doc_id: str
    source_id: str
    title: str
    quote: str
    page: int | None = None
    section: str | None = None
    formulation: str
    kind: str
    area: str
    score: float


class PossibleAnswer(BaseModel):
    """A passage of new or changed material that may answer the need (an ingest found it)."""

    doc_id: str
    title: str = ""
    quote: str
    page: int | None = None
    status: str = Field("answered", description="The judge's verdict: answered or partial.")
    confidence: float = 0.0
    found_at: str | None = None


class SimilarNeed(BaseModel):
    """Another open need that may be the same need in other words: the grouping keeps
    paraphrases apart when they share few words, and an analyst merges them."""

    id: str
    representative: str
    area: str
    area_label: str
    status: str
    status_label: str
    question_count: int
    score: float = Field(
        description="The two needs' average centred similarity plus the word bonus; the "
        "grouping joins a question to a need from about 0.40."
    )


class QuestionPublic(BaseModel):
    id: str
    text: str
    language: str
    area: str
    reason: str
    top_sources: list[SourceHit]
    session: str | None = Field(None, description="First characters of the session hash.")
    index_version: str
    app_version: str
    comment: str | None = None
    created_at: dt.datetime


class NeedPublic(BaseModel):
    id: str
    representative: str
    area: str
    area_label: str
    areas: dict[str, int]
    status: str
    status_label: str
    reject_reason: str | None = None
    assignee: str | None = None
    target_group: str | None = None
    support_type: str | None = None
    forwarded_to: str | None = None
    answer_url: str | None = None
    reasons: dict[str, int]
    question_count: int
    session_count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    examples: list[str] = Field(default_factory=list)
    locked: bool = False
    rewritten: bool = Field(False, description="An analyst has rewritten the formulation.")
    origin: str = Field("fråga", description="Where the need was first seen (ORIGINS).")
    origins: list[str] = Field(default_factory=list, description="Every origin it has now.")
    documents: list[DocumentSource] = Field(default_factory=list)
    possibly_answered_by: list[PossibleAnswer] = Field(
        default_factory=list,
        description="Möjligen besvarad: passages of new material an analyst has to confirm.",
    )


class NotePublic(BaseModel):
    id: int
    author: str
    text: str
    created_at: dt.datetime


class AuditPublic(BaseModel):
    id: int
    need_id: str | None
    actor: str
    action: str
    detail: dict[str, Any]
    at: dt.datetime


class NeedDetail(NeedPublic):
    questions: list[QuestionPublic] = Field(default_factory=list)
    notes: list[NotePublic] = Field(default_factory=list)
    audit: list[AuditPublic] = Field(default_factory=list)


class NeedUpdate(BaseModel):
    """What an analyst may change on a need. Unset fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    reject_reason: Literal["redan_besvarad", "utanfor_uppdraget", "dubblett"] | None = None
    assignee: str | None = Field(None, max_length=200)
    representative: str | None = Field(None, min_length=1, max_length=1000)
    area: str | None = None
    target_group: str | None = Field(None, max_length=500)
    support_type: str | None = Field(None, max_length=500)
    forwarded_to: str | None = Field(None, max_length=200)
    answer_url: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=4000)


class NeedFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str | None = None
    status: str | None = None
    reason: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    text: str | None = None
    sort: Literal["count", "last_seen", "first_seen", "sessions"] = "count"
    include_merged: bool = False
    limit: int = Field(default=500, ge=1, le=10000)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: str
    source_ids: list[str] = Field(min_length=1)


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_ids: list[str] = Field(min_length=1)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


class Stats(BaseModel):
    per_area: dict[str, int]
    per_month: dict[str, int]
    per_status: dict[str, int]
    top: list[NeedPublic]


# --- the seven moments of SKR's model (rounds.py) ---------------------------------------------

# A round's phases: gathering (moments 2-3), compiling (4), prioritising (5), handed over (6).
ROUND_STATUSES: dict[str, str] = {
    "insamling": "insamling",
    "sammanstallning": "sammanställning",
    "prioritering": "prioritering",
    "overlamnad": "överlämnad",
}


Origin = Literal["fråga", "återkoppling", "dokument", "analytiker"]


def _every_origin() -> list[Origin]:
    return ["fråga", "återkoppling", "dokument", "analytiker"]


class RoundIn(BaseModel):
    """Moment 1: start an inventory round."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    area: str = Field(description="Verksamhetsområde (slug).")
    period_from: dt.date
    period_to: dt.date
    owner: str = Field(min_length=1, max_length=200, description="Who runs the round.")
    sources: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Manifest source ids whose documents count; empty: every source.",
    )
    origins: list[Origin] = Field(
        default_factory=_every_origin,
        min_length=1,
        description="Which origins of needs count in the round.",
    )


class AnalystNeedIn(BaseModel):
    """Moments 2-3: an analyst's own entry."""

    model_config = ConfigDict(extra="forbid")

    formulation: str = Field(min_length=1, max_length=1000)
    area: str
    round_id: str | None = None


class SupportOffer(BaseModel):
    """Moment 4: the knowledge support the assistant's own search found for a need."""

    doc_id: str
    title: str
    quote: str
    page: int | None = None
    status: str = Field(description="The judge's verdict: answered or partial.")
    confidence: float


class SetAsideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="Which support meets it.")


class VoteIn(BaseModel):
    """Moment 5: points from one decider (0-10); voting again replaces the earlier vote."""

    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=0, le=10)


class HandOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: Literal["RSS", "SKR"]


class VotePublic(BaseModel):
    voter: str
    points: int
    at: dt.datetime


class RoundNeedPublic(BaseModel):
    need: NeedPublic
    added_by: str
    added_at: dt.datetime
    support: SupportOffer | None = None
    set_aside: bool = False
    set_aside_reason: str | None = None
    set_aside_by: str | None = None
    votes: list[VotePublic] = Field(default_factory=list)
    points: int = 0


class BatchPublic(BaseModel):
    id: str
    round_id: str | None
    recipient: str
    created_by: str
    created_at: dt.datetime
    contents: list[dict[str, Any]]
    withheld: int


class RoundPublic(BaseModel):
    id: str
    title: str
    area: str
    area_label: str
    period_from: dt.date
    period_to: dt.date
    owner: str
    sources: list[str]
    origins: list[str]
    status: str
    status_label: str
    created_by: str
    created_at: dt.datetime


class RoundDetail(RoundPublic):
    needs: list[RoundNeedPublic] = Field(default_factory=list, description="Ranked by points.")
    batches: list[BatchPublic] = Field(default_factory=list)
    answered: list[NeedPublic] = Field(
        default_factory=list, description="Moment 7: needs of the round answered since."
    )
