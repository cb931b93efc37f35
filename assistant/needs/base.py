"""What every part of the needs store shares: transactions, redaction, embedding, the audit.

``StoreBase`` holds the engine and the collaborators (the embedding, the centring of
vectors, the area classifier); the parts of the register (``register``, ``queries``,
``review``, ``curation``, ``retention``, ``regrouping``) and the analyst accounts
(``assistant.accounts``) build on it, and ``store.NeedsStore`` puts them together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, overload

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from assistant.needs import grouping
from assistant.needs import redact as _redaction
from assistant.needs.areas import AreaClassifier, need_area
from assistant.needs.db import AuditEntry, Need, Question, utcnow
from kunskap.settings import Settings
from kunskap.text import strip_control

Embed = Callable[[list[str]], np.ndarray]


# Everything text that enters the register passes these two: control characters (a NUL
# would be exported raw in the CSV, and PostgreSQL refuses it) go before redaction.
def redact(text: str) -> _redaction.Redaction:
    return _redaction.redact(strip_control(text))


def redact_text(text: str | None) -> str | None:
    return None if text is None else redact(text).text


class NeedsError(Exception):
    """A request the store refuses (unknown id, forbidden status change). Safe to show."""


class NotFound(NeedsError):
    pass


def to_blob(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float32).tobytes()


def seed_need(
    representative: str,
    area: str,
    vector: np.ndarray,
    *,
    origin: str,
    at: dt.datetime,
    locked: bool = False,
    rewritten: bool = False,
) -> Need:
    """A new need of one formulation and no questions yet, centred on its own vector: what a
    logged question, a passage found in a document and an analyst's own entry all start."""
    return Need(
        id=str(uuid.uuid4()),
        representative=representative,
        area=area,
        areas={},
        status="ny",
        reasons={},
        question_count=0,
        session_count=0,
        first_seen=at,
        last_seen=at,
        centroid=to_blob(vector),
        centroid_n=1,
        locked=locked,
        rewritten=rewritten,
        origin=origin,
        created_at=at,
        updated_at=at,
    )


def need_of_questions(
    questions: list[Question],
    representative: str,
    *,
    centroid: np.ndarray | None,
    locked: bool,
) -> Need:
    """A new need holding ``questions`` (a split, or a group of a regrouping): its areas,
    reasons, counts and dates are theirs. Sessions are counted by the caller."""
    areas = Counter(q.area for q in questions)
    at = utcnow()
    return Need(
        id=str(uuid.uuid4()),
        representative=representative,
        area=need_area(areas),
        areas=dict(areas),
        status="ny",
        reasons=dict(Counter(q.reason for q in questions)),
        question_count=len(questions),
        session_count=0,
        first_seen=min(q.created_at for q in questions),
        last_seen=max(q.created_at for q in questions),
        centroid=None if centroid is None else to_blob(centroid),
        centroid_n=len(questions),
        locked=locked,
        created_at=at,
        updated_at=at,
    )


@overload
def from_blob(b: bytes) -> np.ndarray: ...
@overload
def from_blob(b: bytes | None) -> np.ndarray | None: ...
def from_blob(b: bytes | None) -> np.ndarray | None:
    """A stored vector (None stays None: a question logged without one)."""
    return None if b is None else np.frombuffer(b, dtype=np.float32).copy()


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


class StoreBase:
    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings,
        salt: bytes,
        embed: Embed | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._salt = salt
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._embed_fn = embed
        self._centring: grouping.Centring | None = None
        self._classifier: AreaClassifier | None = None

    def close(self) -> None:
        self.engine.dispose()

    @property
    def backend(self) -> Literal["sqlite", "postgresql"]:
        return "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"

    def health(self) -> dict[str, Any]:
        try:
            with self._sessions() as s:
                s.execute(text("SELECT 1"))
                needs = s.scalar(select(func.count()).select_from(Need)) or 0
                questions = s.scalar(select(func.count()).select_from(Question)) or 0
            return {"ok": True, "backend": self.backend, "needs": needs, "questions": questions}
        except Exception as exc:  # health must answer, not raise
            return {"ok": False, "backend": self.backend, "error": type(exc).__name__}

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._embed_fn is None:
            from ingest.embedding import build_embedding, embed_queries

            model = build_embedding(self.settings)
            self._embed_fn = lambda batch: embed_queries(model, batch)
        return self._embed_fn(texts)

    def warm_up(self) -> None:
        """Embed the reference questions now, so the first logged need does not wait for it."""
        _ = self.centring.mean
        self.classifier.classify("Vilket stöd finns för barn och unga i familjehem?")

    @property
    def centring(self) -> grouping.Centring:
        if self._centring is None:
            self._centring = grouping.Centring(self._embed)
        return self._centring

    @property
    def classifier(self) -> AreaClassifier:
        if self._classifier is None:
            self._classifier = AreaClassifier(
                self._embed, self.settings.needs, embedding=self.settings.embedding
            )
        return self._classifier

    @property
    def threshold(self) -> float:
        needs = self.settings.needs
        return grouping.effective_threshold(needs.group_similarity, needs)

    def session_hash(self, session_id: str | None) -> str | None:
        if not session_id:
            return None
        return hmac.new(self._salt, session_id.encode(), hashlib.sha256).hexdigest()

    def _audit(
        self, s: Session, need_id: str | None, actor: str, action: str, **detail: Any
    ) -> None:
        s.add(AuditEntry(need_id=need_id, actor=actor, action=action, detail=detail))
