"""Regrouping: group again the questions of needs nobody has touched.

Used after the grouping threshold or the grouping itself changes. Needs an analyst has
acted on (status, notes, merge, split) are left alone, and so are needs whose questions
retention has already deleted (they can no longer be regrouped faithfully).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete, func, select

from assistant.needs import grouping
from assistant.needs.base import StoreBase, from_blob, need_of_questions
from assistant.needs.db import AuditEntry, Need, NeedDocument, NeedSession, Question


class Regrouping(StoreBase):
    def regroup(self, *, actor: str = "system") -> dict[str, int]:
        """Group again the questions of needs nobody has touched (status ny, no analyst
        action, nothing purged yet), in time order, e.g. after changing the threshold."""
        with self._tx() as s:
            needs = s.scalars(
                select(Need).where(
                    Need.status == "ny", Need.locked.is_(False), Need.merged_into.is_(None)
                )
            ).all()
            touched = set(
                s.scalars(select(AuditEntry.need_id).where(AuditEntry.need_id.is_not(None)))
            )
            # A need a document states keeps its passages: regrouping would orphan them.
            with_documents = set(s.scalars(select(NeedDocument.need_id)))
            free: list[Need] = []
            for n in needs:
                if n.id in touched:  # an analyst has noted or edited it: leave it alone
                    continue
                if n.id in with_documents:
                    continue
                on_record = s.scalar(
                    select(func.count()).select_from(Question).where(Question.need_id == n.id)
                )
                if on_record == n.question_count and on_record:
                    free.append(n)
            questions = list(
                s.scalars(
                    select(Question)
                    .where(Question.need_id.in_([n.id for n in free]))
                    .order_by(Question.created_at)
                ).all()
            )
            if not questions or any(q.embedding is None for q in questions):
                return {"questions": 0, "needs_before": len(free), "needs_after": len(free)}
            # Returned above when any embedding is None; the filter tells mypy so.
            raw = np.stack([from_blob(e) for q in questions if (e := q.embedding) is not None])
            centred = self.centring.centre(raw)
            texts = [q.text for q in questions]
            labels = grouping.cluster(centred, texts, self.threshold, self.settings.needs)
            old_ids = [n.id for n in free]
            groups: dict[int, list[int]] = {}
            for idx, label in enumerate(labels):
                groups.setdefault(label, []).append(idx)
            for members in groups.values():
                qs = [questions[i] for i in members]
                vecs = centred[members]
                centroid = vecs.mean(axis=0)
                medoid = qs[int(np.argmax(vecs @ centroid))]
                need = need_of_questions(qs, medoid.text, centroid=centroid, locked=False)
                s.add(need)
                s.flush()
                for q in qs:
                    q.need_id = need.id
                s.flush()
                for h in {q.session_hash for q in qs if q.session_hash}:
                    s.add(NeedSession(need_id=need.id, session_hash=h))
                need.session_count = len({q.session_hash for q in qs if q.session_hash})
            s.flush()
            s.execute(delete(NeedSession).where(NeedSession.need_id.in_(old_ids)))
            s.execute(delete(Need).where(Need.id.in_(old_ids)))
            result = {
                "questions": len(questions),
                "needs_before": len(free),
                "needs_after": len(groups),
            }
            self._audit(s, None, actor, "regroup", **result)
        return result
