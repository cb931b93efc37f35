"""Needs that may be one need in other words, offered on a need's page for merging.

The grouping keeps a question apart from a need unless they are clearly alike, because a
mixed need misleads the compilation while a split one only costs a merge (docs/needs.md).
Paraphrases that share few words are therefore often split over two or three needs. This
ranks the other open needs against one need by the grouping's own score between two needs
(``grouping.similar``), so the analyst sees the likely other parts next to it.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.needs import grouping
from assistant.needs.base import NotFound, StoreBase
from assistant.needs.db import Need, Question
from assistant.needs.schemas import STATUSES, SimilarNeed
from kunskap.domain import AREAS


class SimilarNeeds(StoreBase):
    def similar_needs(self, need_id: str) -> list[SimilarNeed]:
        """Up to ``needs.similar_limit`` open needs scoring ``needs.similar_floor`` or more
        against this one, most similar first; none for a merged need or one without
        questions."""
        tuning = self.settings.needs
        with self._sessions() as s:
            need = s.get(Need, need_id)
            if need is None:
                raise NotFound(f"behovet {need_id} finns inte")
            if need.merged_into is not None or need.centroid is None or not tuning.similar_limit:
                return []
            others = {
                n.id: n
                for n in s.scalars(
                    select(Need).where(
                        Need.merged_into.is_(None), Need.centroid.is_not(None), Need.id != need_id
                    )
                )
            }
            texts = self._texts(s, [need_id, *others])
            candidates = [
                grouping.Candidate(i, np.frombuffer(n.centroid or b"", dtype=np.float32), texts[i])
                for i, n in others.items()
            ]
            ranked = grouping.similar(
                np.frombuffer(need.centroid, dtype=np.float32),
                texts[need_id],
                candidates,
                limit=tuning.similar_limit,
                floor=tuning.similar_floor,
                tuning=tuning,
            )
            return [
                SimilarNeed(
                    id=key,
                    representative=others[key].representative,
                    area=others[key].area,
                    area_label=AREAS.get(others[key].area, others[key].area),
                    status=others[key].status,
                    status_label=STATUSES.get(others[key].status, others[key].status),
                    question_count=others[key].question_count,
                    score=round(score, 3),
                )
                for key, score in ranked
            ]

    def _texts(self, s: Session, need_ids: list[str]) -> dict[str, list[frozenset[str]]]:
        """The stems of each need's formulation and latest questions (``needs.group_texts``),
        as the grouping compares them."""
        limit = self.settings.needs.group_texts
        out: dict[str, list[frozenset[str]]] = {
            i: [grouping.stems(rep)]
            for i, rep in s.execute(
                select(Need.id, Need.representative).where(Need.id.in_(need_ids))
            ).all()
        }
        rows = s.execute(
            select(Question.need_id, Question.text)
            .where(Question.need_id.in_(need_ids))
            .order_by(Question.created_at.desc())
        ).all()
        for need, text_ in rows:
            if len(out[need]) <= limit:
                out[need].append(grouping.stems(text_))
        return out
