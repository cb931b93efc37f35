"""What the assistant hands out: every answer is one structured, validated object."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from assistant.input_types import CleanText, IsoDate
from kunskap.limits import MAX_QUESTION_CHARS
from kunskap.text import web_url

# The one refusal sentence, shared by the extractive path, the LLM prompt and the tests.
REFUSAL_SV = (
    "Jag hittar inget i det underlag jag har tillgång till som besvarar frågan. "
    "Frågan har noterats som ett möjligt kunskapsbehov."
)
REFUSAL_EN = (
    "I cannot find anything in the material I have access to that answers the question. "
    "The question has been noted as a possible knowledge need."
)


def refusal_for(language: str) -> str:
    return REFUSAL_EN if language == "en" else REFUSAL_SV


class SearchFilters(BaseModel):
    """Narrow the search; every field is optional and fields combine with AND."""

    model_config = ConfigDict(extra="forbid")

    areas: list[str] | None = Field(None, description="Any of these areas (slugs).")
    doc_types: list[str] | None = Field(None, description="Any of these source types.")
    publishers: list[str] | None = Field(None, description="Any of these publishers.")
    languages: list[str] | None = Field(None, description="Any of these language codes.")
    published_from: IsoDate | None = Field(None, description="Published on or after.")
    published_to: IsoDate | None = Field(None, description="Published on or before.")


class SourceRef(BaseModel):
    """Which document, and where in it: what a reader needs to find a source."""

    doc_id: str
    title: str
    publisher: str | None = None
    doc_type: str
    doc_type_label: str = Field(description="Swedish label of the source type, for weighing.")
    page: int | None = Field(None, description="Page of the quote (first page of a range).")
    page_end: int | None = None
    page_estimated: bool = Field(
        False, description="True when the page is interpolated between printed page markers."
    )
    section: str | None = None
    url: str | None = Field(None, description="The source's web address; only http(s).")
    file_url: str | None = Field(
        None,
        description="This app's own link to the document, relative to the app's address "
        "(never another host): the kept PDF at the quote's page (`/api/sources/{doc_id}/"
        "file#page=N`) or, for other formats, the text view with the quote highlighted "
        "(`/api/sources/{doc_id}/text?start=…&end=…#citat`). Behind the chat's login.",
    )

    @field_validator("url", mode="before")
    @classmethod
    def _web_url_only(cls, value: object) -> str | None:
        # The manifest accepts only http(s), but an index built before that check may hold
        # anything: a javascript: link must never reach a reader.
        return web_url(value) if isinstance(value, str) else None

    @field_validator("file_url", mode="before")
    @classmethod
    def _own_path_only(cls, value: object) -> str | None:
        # Built by us from the document id, but a reader must never get another host's link
        # here either: only a path on this app.
        if isinstance(value, str) and value.startswith("/api/sources/") and "//" not in value:
            return value
        return None


class Citation(SourceRef):
    n: int = Field(description="The number used as [n] in the answer text.")
    quote: str = Field(description="The sentence or sentences that support the claim.")
    text: str = Field(description="The whole chunk the quote comes from.")
    chunk_id: str
    score: float


AnswerStatus = Literal["answered", "partial", "declined"]


class Answer(BaseModel):
    answered: bool = Field(description="True exactly when status is 'answered' (kept for clients).")
    status: AnswerStatus = Field(
        "answered",
        description="answered: a passage states what was asked; partial: the material treats "
        "the topic but not the asked fact (the nearest passages are shown and the question is "
        "logged as a knowledge need); declined: nothing relevant was found.",
    )
    answer: str
    language: str
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)
    need_id: str | None = Field(None, description="Set when logged as a knowledge need.")
    mode: Literal["extractive", "llm", "extractive_fallback"] = "extractive"
    notice: str | None = Field(
        None, description="A note for the user, e.g. that the LLM was unreachable."
    )
    question: str = Field(description="The question as answered (stand-alone form).")
    decline_reason: str | None = Field(
        None,
        description="Why the material was judged not to answer the question (English, for "
        "logs and evaluation); null when answered.",
    )
    nearest_sources: list[SourceRef] = Field(
        default_factory=list,
        description="Only when not answered: the documents the search found closest to the "
        "question (at most 3, one entry per document), which were judged not to answer it. "
        "Shown so that the reader can look for themselves.",
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _status_from_answered(cls, values: Any) -> Any:
        # Clients and tests written before the graded verdict give only ``answered``.
        if isinstance(values, dict) and "status" not in values and "answered" in values:
            values = {**values, "status": "answered" if values["answered"] else "declined"}
        return values

    @model_validator(mode="after")
    def _answered_means_status_answered(self) -> Answer:
        if self.answered != (self.status == "answered"):
            raise ValueError("answered must be true exactly when status is 'answered'")
        return self


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AnswerDelta(BaseModel):
    """A piece of answer text while it streams."""

    type: Literal["delta"] = "delta"
    text: str


class AnswerDone(BaseModel):
    """The last event of a stream: the complete, verified answer."""

    type: Literal["done"] = "done"
    answer: Answer


StreamEvent = AnswerDelta | AnswerDone


class FeedbackIn(BaseModel):
    """Thumbs up/down on one answer, from the chat or the API."""

    model_config = ConfigDict(extra="forbid")

    question: CleanText = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question; it must contain letters once control characters are gone.",
    )
    rating: Literal["up", "down"]
    comment: CleanText | None = Field(None, max_length=2000)
    answer: CleanText | None = Field(None, max_length=20000, description="The answer text shown.")
    cited_doc_ids: list[Annotated[CleanText, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    language: str | None = Field(None, max_length=10)
    session_id: CleanText | None = Field(
        None, max_length=200, description="Chat session id; stored only as a salted hash."
    )

    @field_validator("question")
    @classmethod
    def _has_letters(cls, question: str) -> str:
        if not any(ch.isalpha() for ch in question):
            raise PydanticCustomError(
                "question", "Frågan innehåller inga bokstäver. Skriv frågan med ord."
            )
        return question


class FeedbackResult(BaseModel):
    stored: bool
    need_id: str | None = None
