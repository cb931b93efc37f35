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

from assistant.needs import grouping
from assistant.needs.base import NotFound
from assistant.needs.db import Need
from assistant.needs.queries import Queries
from assistant.needs.schemas import STATUSES, SimilarNeed
from kunskap.domain import AREAS


class SimilarNeeds(Queries):
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
            # The formulation and latest questions of each need, as the grouping compares them.
            latest = self._examples(s, [need_id, *others], limit=tuning.group_texts)

            def words(n: Need) -> list[frozenset[str]]:
                return [grouping.stems(t) for t in [n.representative, *latest[n.id]]]

            candidates = [
                grouping.Candidate(i, np.frombuffer(n.centroid or b"", dtype=np.float32), words(n))
                for i, n in others.items()
            ]
            ranked = grouping.similar(
                np.frombuffer(need.centroid, dtype=np.float32),
                words(need),
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
