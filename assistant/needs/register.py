"""Logging: an unanswered question or a rating enters the register, redacted, grouped.

Every text is redacted here, inside the store, so no caller can write personal data by
forgetting to. Chat sessions are kept only as a salted HMAC. The need's counters are
incremented in SQL so that concurrent writers lose nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.models import FeedbackIn, FeedbackResult
from assistant.needs import grouping
from assistant.needs.areas import need_area
from assistant.needs.base import (
    NeedsError,
    StoreBase,
    from_blob,
    redact,
    redact_text,
    seed_need,
    to_blob,
)
from assistant.needs.db import Feedback, Need, NeedSession, Question, utcnow
from assistant.needs.schemas import REASONS, Reason
from kunskap.limits import MAX_QUESTION_CHARS


class LoggedQuestion(NamedTuple):
    question_id: str
    need_id: str
    # The support that answered the need, when an analyst has marked it besvarad: the
    # asker is pointed to it (the loop of SKR's model closes for the user too).
    answered_by: str | None = None


def _clean_sources(top_sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in top_sources[:10]:
        try:
            score = round(float(s.get("score", 0.0)), 4)
        except (TypeError, ValueError):
            score = 0.0
        out.append(
            {
                "doc_id": str(s.get("doc_id", ""))[:200],
                # Titles come from the corpus, but redact anyway: a meeting note may be
                # titled with a name, and this costs nothing.
                "title": redact(str(s.get("title", ""))[:300]).text,
                "score": score,
            }
        )
    return out


class Register(StoreBase):
    def log_question(
        self,
        *,
        question: str,
        language: str,
        reason: Reason,
        top_sources: list[dict[str, Any]],
        session_id: str | None,
        index_version: str,
        app_version: str,
        comment: str | None = None,
        now: dt.datetime | None = None,
    ) -> LoggedQuestion:
        """Redact, classify and group one question; returns its record's id and the id of
        the need it joined (the one ``/api/needs/{id}`` finds)."""
        if reason not in REASONS:
            raise NeedsError(f"unknown reason {reason!r}")
        text_ = redact(question[:MAX_QUESTION_CHARS]).text.strip() or "(tom fråga)"
        comment_ = redact_text(comment[:MAX_QUESTION_CHARS] if comment else None)
        raw = self.centring.raw([text_])[0]
        vector = self.centring.centre(raw)
        area = self.classifier.decide(text_, raw).area
        words = grouping.stems(text_)
        at = now or utcnow()
        session_hash = self.session_hash(session_id)
        question_id = str(uuid.uuid4())
        with self._tx() as s:
            need = self._assign(s, vector, words)
            if need is None:
                origin = "återkoppling" if reason == "negative_feedback" else "fråga"
                need = seed_need(text_, area, vector, origin=origin, at=at)
                s.add(need)
                s.flush()
            else:
                centroid = from_blob(need.centroid)
                n = need.centroid_n
                need.centroid = to_blob(
                    vector if centroid is None else grouping.add_to_centroid(centroid, n, vector)
                )
                need.centroid_n = n + 1
                need.first_seen = min(need.first_seen, at)
                need.last_seen = max(need.last_seen, at)
            # JSON columns are replaced, not mutated, so the change is noticed.
            need.areas = dict(Counter(need.areas or {}) + Counter({area: 1}))
            if not need.locked:
                need.area = need_area(need.areas)
            need.reasons = dict(Counter(need.reasons or {}) + Counter({reason: 1}))
            s.add(
                Question(
                    id=question_id,
                    need_id=need.id,
                    text=text_,
                    language=(language or "sv")[:8],
                    area=area,
                    reason=reason,
                    top_sources=_clean_sources(top_sources),
                    session_hash=session_hash,
                    index_version=index_version[:120],
                    app_version=app_version[:60],
                    comment=comment_,
                    embedding=to_blob(raw),
                    created_at=at,
                )
            )
            s.flush()
            # Counters are updated in SQL so that two writers cannot lose an increment.
            s.execute(
                update(Need)
                .where(Need.id == need.id)
                .values(question_count=Need.question_count + 1)
            )
            if session_hash:
                self._add_session(s, need.id, session_hash)
            need_id = need.id
            answered_by = need.answer_url if need.status == "besvarad" else None
        return LoggedQuestion(question_id, need_id, answered_by)

    def _add_session(self, s: Session, need_id: str, session_hash: str) -> None:
        known = s.scalar(
            select(NeedSession.id).where(
                NeedSession.need_id == need_id, NeedSession.session_hash == session_hash
            )
        )
        if known is None:
            s.add(NeedSession(need_id=need_id, session_hash=session_hash))
            s.flush()
            s.execute(
                update(Need).where(Need.id == need_id).values(session_count=Need.session_count + 1)
            )

    def _assign(self, s: Session, vector: np.ndarray, words: frozenset[str]) -> Need | None:
        rows = s.execute(
            select(Need.id, Need.centroid).where(
                Need.merged_into.is_(None), Need.centroid.is_not(None)
            )
        ).all()
        if not rows:
            return None
        ids = [r[0] for r in rows]
        matrix = np.stack([np.frombuffer(r[1] or b"", dtype=np.float32) for r in rows])
        sims = matrix @ vector
        tuning = self.settings.needs
        order = [
            i
            for i in np.argsort(-sims)[: tuning.group_candidates]
            if sims[i] + tuning.group_word_weight >= self.threshold
        ]
        candidates = []
        for i in order:
            texts = s.scalars(
                select(Question.text)
                .where(Question.need_id == ids[i])
                .order_by(Question.created_at.desc())
                .limit(tuning.group_texts)
            ).all()
            rep = s.scalar(select(Need.representative).where(Need.id == ids[i])) or ""
            candidates.append(
                grouping.Candidate(ids[i], matrix[i], [grouping.stems(t) for t in [rep, *texts]])
            )
        key, _ = grouping.best_match(vector, words, candidates, self.threshold, tuning)
        return None if key is None else s.get(Need, key)

    def record_feedback(
        self,
        feedback: FeedbackIn,
        *,
        top_sources: list[dict[str, Any]],
        index_version: str,
        app_version: str,
    ) -> FeedbackResult:
        """Store every rating (redacted); a thumbs-down is also logged as a question."""
        question_id: str | None = None
        need_id: str | None = None
        if feedback.rating == "down":
            logged = self.log_question(
                question=feedback.question,
                language=feedback.language or "sv",
                reason="negative_feedback",
                top_sources=top_sources,
                session_id=feedback.session_id,
                index_version=index_version,
                app_version=app_version,
                comment=feedback.comment,
            )
            question_id, need_id = logged.question_id, logged.need_id
        with self._tx() as s:
            s.add(
                Feedback(
                    id=str(uuid.uuid4()),
                    rating=feedback.rating,
                    question=redact(feedback.question).text,
                    comment=redact_text(feedback.comment),
                    answer=redact_text(feedback.answer),
                    cited_doc_ids=[str(d)[:200] for d in feedback.cited_doc_ids[:20]],
                    language=(feedback.language or None),
                    session_hash=self.session_hash(feedback.session_id),
                    question_id=question_id,
                    need_id=need_id,
                    index_version=index_version[:120],
                    app_version=app_version[:60],
                )
            )
        return FeedbackResult(stored=True, need_id=need_id)
