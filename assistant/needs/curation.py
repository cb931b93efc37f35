"""Merge and split: an analyst corrects the grouping by hand.

A merge moves the questions of the source needs into the target and retires the sources
(``merged_into``); a split moves chosen questions out into a new need. Both lock the needs
they touch, so that ``regroup`` never undoes an analyst's decision. Session counts are
rebuilt from the session rows so that one chat session is never counted twice.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistant.needs.base import NeedsError, NotFound, from_blob, need_of_questions, to_blob
from assistant.needs.db import Need, NeedDocument, NeedSession, Question, utcnow
from assistant.needs.queries import Queries
from assistant.needs.schemas import NeedDetail


class Curation(Queries):
    def merge(self, target_id: str, source_ids: list[str], *, actor: str) -> NeedDetail:
        """Move every question of the source needs into the target; sources are retired."""
        sources = [i for i in dict.fromkeys(source_ids) if i != target_id]
        if not sources:
            raise NeedsError("välj minst ett annat behov att slå ihop med")
        with self._tx() as s:
            target = s.get(Need, target_id)
            if target is None or target.merged_into is not None:
                raise NotFound(f"behovet {target_id} finns inte")
            for source_id in sources:
                src = s.get(Need, source_id)
                if src is None or src.merged_into is not None:
                    raise NotFound(f"behovet {source_id} finns inte")
                s.execute(
                    update(Question).where(Question.need_id == source_id).values(need_id=target_id)
                )
                self._move_sessions(s, source_id, target_id)
                s.execute(
                    update(NeedDocument)
                    .where(NeedDocument.need_id == source_id)
                    .values(need_id=target_id)
                )
                c_t, c_s = from_blob(target.centroid), from_blob(src.centroid)
                if c_t is not None and c_s is not None:
                    total = target.centroid_n + src.centroid_n
                    target.centroid = to_blob(
                        (c_t * target.centroid_n + c_s * src.centroid_n) / max(total, 1)
                    )
                    target.centroid_n = total
                target.question_count += src.question_count
                target.first_seen = min(target.first_seen, src.first_seen)
                target.last_seen = max(target.last_seen, src.last_seen)
                target.areas = dict(Counter(target.areas or {}) + Counter(src.areas or {}))
                target.reasons = dict(Counter(target.reasons or {}) + Counter(src.reasons or {}))
                src.merged_into = target_id
                src.question_count = 0
                src.session_count = 0
                src.updated_at = utcnow()
                self._audit(s, source_id, actor, "merged_into", target=target_id)
            target.locked = True
            target.updated_at = utcnow()
            s.flush()
            target.session_count = self._count_sessions(s, target_id)
            self._audit(s, target_id, actor, "merge", sources=sources)
        return self.get_need(target_id)

    def split(self, need_id: str, question_ids: list[str], *, actor: str) -> NeedDetail:
        """Move the chosen questions out into a new need (status ny); returns the new need."""
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None or need.merged_into is not None:
                raise NotFound(f"behovet {need_id} finns inte")
            moving = list(
                s.scalars(
                    select(Question).where(
                        Question.need_id == need_id, Question.id.in_(question_ids)
                    )
                ).all()
            )
            if not moving or len(moving) != len(set(question_ids)):
                raise NeedsError("frågorna hör inte till det här behovet")
            remaining = s.scalar(
                select(func.count()).select_from(Question).where(Question.need_id == need_id)
            )
            if remaining == len(moving) and need.question_count == len(moving):
                raise NeedsError("minst en fråga måste stanna kvar i behovet")
            vectors = [from_blob(e) for q in moving if (e := q.embedding) is not None]
            centroid = None
            if len(vectors) == len(moving):  # every question has its vector
                centred = self.centring.centre(np.stack(vectors))
                centroid = centred.mean(axis=0)
            new = need_of_questions(moving, moving[0].text, centroid=centroid, locked=True)
            s.add(new)
            s.flush()
            for q in moving:
                q.need_id = new.id
            need.question_count -= len(moving)
            need.areas = _subtract(need.areas, Counter(q.area for q in moving))
            need.reasons = _subtract(need.reasons, Counter(q.reason for q in moving))
            need.locked = True
            need.updated_at = utcnow()
            s.flush()
            self._rebuild_sessions(s, need_id)
            self._rebuild_sessions(s, new.id)
            self._recompute_centroid(s, need)
            self._audit(s, need_id, actor, "split", new_need=new.id, questions=len(moving))
            self._audit(s, new.id, actor, "split_from", source=need_id, questions=len(moving))
            new_id = new.id
        return self.get_need(new_id)

    def _move_sessions(self, s: Session, source_id: str, target_id: str) -> None:
        known = set(
            s.scalars(select(NeedSession.session_hash).where(NeedSession.need_id == target_id))
        )
        for row in s.scalars(select(NeedSession).where(NeedSession.need_id == source_id)).all():
            if row.session_hash in known:
                s.delete(row)
            else:
                row.need_id = target_id
                known.add(row.session_hash)

    def _count_sessions(self, s: Session, need_id: str) -> int:
        return int(
            s.scalar(
                select(func.count()).select_from(NeedSession).where(NeedSession.need_id == need_id)
            )
            or 0
        )

    def _rebuild_sessions(self, s: Session, need_id: str) -> None:
        """Session rows of a need after a split, from its questions on record. Sessions known
        only from purged questions are kept: they can no longer be attributed."""
        need = s.get(Need, need_id)
        if need is None:
            return
        hashes = {
            h
            for h in s.scalars(select(Question.session_hash).where(Question.need_id == need_id))
            if h is not None
        }
        on_record = s.scalar(
            select(func.count()).select_from(Question).where(Question.need_id == need_id)
        )
        nothing_purged = on_record == need.question_count
        existing = {
            row.session_hash: row
            for row in s.scalars(select(NeedSession).where(NeedSession.need_id == need_id))
        }
        for h, row in existing.items():
            if h not in hashes and nothing_purged:
                s.delete(row)
        for h in hashes - set(existing):
            s.add(NeedSession(need_id=need_id, session_hash=h))
        s.flush()
        need.session_count = self._count_sessions(s, need_id)

    def _recompute_centroid(self, s: Session, need: Need) -> None:
        blobs = s.scalars(
            select(Question.embedding).where(
                Question.need_id == need.id, Question.embedding.is_not(None)
            )
        ).all()
        if blobs and len(blobs) == need.question_count:
            # Selected non-null above; the filter tells mypy so.
            vectors = [from_blob(b) for b in blobs if b is not None]
            centred = self.centring.centre(np.stack(vectors))
            need.centroid = to_blob(centred.mean(axis=0))
            need.centroid_n = len(blobs)


def _subtract(counter: dict[str, int] | None, minus: Counter[str]) -> dict[str, int]:
    left = Counter(counter or {})
    left.subtract(minus)
    return {k: v for k, v in left.items() if v > 0}
