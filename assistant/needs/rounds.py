"""The seven moments of SKR's model *Lokala behov av kunskap*, as a workflow.

1. An inventory round: an area and a period, who runs it, which sources and which origins
   of needs count (``start_round``).
2-3. Needs gathered into it from chat questions, feedback and documents (``gather``), and
   analysts' own entries (``add_analyst_need``).
4. Compiled (``compile_round``): the assistant's own search and judge offer, per need, the
   existing knowledge support that may already meet it; an analyst sets such needs aside
   (``set_aside``), with the reason.
5. Prioritised by the people who decide: points per need and decider, with who and when
   (``vote``); the round lists its needs by total points.
6. Handed to the regional or national level as an export batch with an id, a date and its
   contents (``hand_over``); the privacy floor of the export (k sessions) applies.
7. Feedback: a need of the round that is answered by a new or updated support (status
   *besvarad* with its link) is listed with the round (``RoundDetail.answered``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.needs.base import NeedsError, NotFound, redact, seed_need
from assistant.needs.db import (
    ExportBatch,
    InventoryRound,
    Need,
    NeedDocument,
    RoundNeed,
    RoundVote,
    utcnow,
)
from assistant.needs.queries import Queries
from assistant.needs.schemas import (
    ROUND_STATUSES,
    AnalystNeedIn,
    BatchPublic,
    NeedDetail,
    RoundDetail,
    RoundIn,
    RoundNeedPublic,
    RoundPublic,
    SupportOffer,
    VotePublic,
)
from ingest.manifest import AREAS
from kunskap.text import strip_control

SupportFinder = Callable[[str], SupportOffer | None]


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _round_public(r: InventoryRound) -> RoundPublic:
    return RoundPublic(
        id=r.id,
        title=r.title,
        area=r.area,
        area_label=AREAS.get(r.area, r.area),
        period_from=r.period_from.date(),
        period_to=(r.period_to - dt.timedelta(days=1)).date(),
        owner=r.owner,
        sources=list(r.sources or []),
        origins=list(r.origins or []),
        status=r.status,
        status_label=ROUND_STATUSES.get(r.status, r.status),
        created_by=r.created_by,
        created_at=r.created_at,
    )


def _batch_public(b: ExportBatch) -> BatchPublic:
    return BatchPublic(
        id=b.id,
        round_id=b.round_id,
        recipient=b.recipient,
        created_by=b.created_by,
        created_at=b.created_at,
        contents=list(b.contents or []),
        withheld=b.withheld,
    )


class Rounds(Queries):
    # --- moment 1 ------------------------------------------------------------------------

    def start_round(self, body: RoundIn, *, actor: str) -> RoundDetail:
        if body.area not in AREAS:
            raise NeedsError(f"okänt område {body.area!r}")
        if body.period_to < body.period_from:
            raise NeedsError("perioden slutar innan den börjar")
        if body.period_to >= dt.date.max:
            # Stored as the start of the next day, which the last date of all has not.
            raise NeedsError("perioden måste sluta före 9999-12-31")
        round_id = str(uuid.uuid4())
        with self._tx() as s:
            s.add(
                InventoryRound(
                    id=round_id,
                    title=redact(body.title).text,
                    area=body.area,
                    period_from=_start(body.period_from),
                    # Stored as the start of the day after: the last day counts in full.
                    period_to=_start(body.period_to) + dt.timedelta(days=1),
                    owner=strip_control(body.owner),
                    sources=list(dict.fromkeys(strip_control(x) for x in body.sources)),
                    origins=list(dict.fromkeys(body.origins)),
                    status="insamling",
                    created_by=actor,
                    created_at=utcnow(),
                )
            )
            self._audit(s, None, actor, "round_start", round=round_id, area=body.area)
        return self.get_round(round_id)

    def list_rounds(self) -> list[RoundPublic]:
        with self._sessions() as s:
            rows = s.scalars(select(InventoryRound).order_by(InventoryRound.created_at.desc()))
            return [_round_public(r) for r in rows]

    def _round(self, s: Session, round_id: str, *, open_only: bool = False) -> InventoryRound:
        r = s.get(InventoryRound, round_id)
        if r is None:
            raise NotFound(f"omgången {round_id} finns inte")
        if open_only and r.status == "overlamnad":
            raise NeedsError("omgången är redan överlämnad")
        return r

    # --- moments 2-3 ---------------------------------------------------------------------

    def add_analyst_need(self, body: AnalystNeedIn, *, actor: str) -> NeedDetail:
        """An analyst's own entry: a need of origin ``analytiker``, embedded so that later
        questions on the same subject join it."""
        if body.area not in AREAS:
            raise NeedsError(f"okänt område {body.area!r}")
        text = redact(body.formulation).text.strip()
        if not text:
            raise NeedsError("skriv behovet med ord")
        vector = self.centring.centre(self.centring.raw([text])[0])
        at = utcnow()
        with self._tx() as s:
            if body.round_id is not None:
                self._round(s, body.round_id, open_only=True)
            need = seed_need(
                text,
                body.area,
                np.asarray(vector),
                origin="analytiker",
                at=at,
                # The analyst wrote it: it quotes no one (the export's privacy floor).
                locked=True,
                rewritten=True,
            )
            need_id = need.id
            s.add(need)
            s.flush()
            self._audit(s, need_id, actor, "analyst_need")
            if body.round_id is not None:
                s.add(RoundNeed(round_id=body.round_id, need_id=need_id, added_by=actor))
        return self.get_need(need_id)

    def gather(self, round_id: str, *, actor: str) -> dict[str, int]:
        """Bring into the round every need of its area, not rejected, that it counts: seen
        in the period as a question or feedback, stated by one of its sources, or entered by
        an analyst in the period. Needs already in the round stay as they are."""
        with self._tx() as s:
            r = self._round(s, round_id, open_only=True)
            counted = set(r.origins or [])
            sources = set(r.sources or [])
            already = set(s.scalars(select(RoundNeed.need_id).where(RoundNeed.round_id == r.id)))
            docs: dict[str, set[str]] = defaultdict(set)
            for need_id, source_id in s.execute(
                select(NeedDocument.need_id, NeedDocument.source_id)
            ):
                docs[need_id].add(source_id)
            needs = s.scalars(
                select(Need).where(
                    Need.merged_into.is_(None), Need.status != "avvisad", Need.area == r.area
                )
            ).all()
            added = 0
            for n in needs:
                if n.id in already:
                    continue
                in_period = n.last_seen >= r.period_from and n.first_seen < r.period_to
                origins: set[str] = set()
                if in_period:
                    reasons = n.reasons or {}
                    if reasons.get("negative_feedback"):
                        origins.add("återkoppling")
                    if any(k != "negative_feedback" for k in reasons):
                        origins.add("fråga")
                    if n.origin == "analytiker":
                        origins.add("analytiker")
                if docs.get(n.id) and (not sources or docs[n.id] & sources):
                    origins.add("dokument")
                if origins & counted:
                    s.add(RoundNeed(round_id=r.id, need_id=n.id, added_by=actor))
                    added += 1
            self._audit(s, None, actor, "round_gather", round=r.id, added=added)
            total = len(already) + added
        return {"added": added, "in_round": total}

    # --- moment 4 ------------------------------------------------------------------------

    def compile_round(
        self, round_id: str, finder: SupportFinder | None, *, actor: str
    ) -> RoundDetail:
        """Ask the assistant's own search, per need not set aside, for an existing support
        that may meet it; the offer is stored for an analyst to confirm with ``set_aside``."""
        with self._tx() as s:
            r = self._round(s, round_id, open_only=True)
            rows = s.scalars(
                select(RoundNeed).where(RoundNeed.round_id == r.id, RoundNeed.set_aside.is_(False))
            ).all()
            texts = {
                n.id: n.representative
                for n in s.scalars(select(Need).where(Need.id.in_([x.need_id for x in rows])))
            }
        offers: dict[int, SupportOffer | None] = {}
        if finder is not None:
            for row in rows:
                offers[row.id] = finder(texts[row.need_id])
        with self._tx() as s:
            r = self._round(s, round_id, open_only=True)
            for row_id, offer in offers.items():
                stored = s.get(RoundNeed, row_id)
                if stored is not None:
                    stored.support = offer.model_dump() if offer else None
            r.status = "sammanstallning"
            found = sum(o is not None for o in offers.values())
            self._audit(s, None, actor, "round_compile", round=r.id, offers=found)
        return self.get_round(round_id)

    def set_aside(
        self, round_id: str, need_id: str, reason: str | None, *, actor: str
    ) -> RoundDetail:
        """Set a need of the round aside as already met (``reason`` names the support), or
        take it back into the round (``reason`` None)."""
        with self._tx() as s:
            self._round(s, round_id, open_only=True)
            row = s.scalar(
                select(RoundNeed).where(
                    RoundNeed.round_id == round_id, RoundNeed.need_id == need_id
                )
            )
            if row is None:
                raise NotFound(f"behovet {need_id} finns inte i omgången")
            row.set_aside = reason is not None
            row.set_aside_reason = redact(reason).text if reason else None
            row.set_aside_by = actor if reason else None
            self._audit(s, need_id, actor, "set_aside" if reason else "taken_back", round=round_id)
        return self.get_round(round_id)

    # --- moment 5 ------------------------------------------------------------------------

    def vote(self, round_id: str, need_id: str, points: int, *, actor: str) -> RoundDetail:
        with self._tx() as s:
            r = self._round(s, round_id, open_only=True)
            row = s.scalar(
                select(RoundNeed).where(
                    RoundNeed.round_id == round_id, RoundNeed.need_id == need_id
                )
            )
            if row is None:
                raise NotFound(f"behovet {need_id} finns inte i omgången")
            if row.set_aside:
                raise NeedsError("behovet är satt åt sidan som redan mött")
            vote = s.scalar(
                select(RoundVote).where(
                    RoundVote.round_id == round_id,
                    RoundVote.need_id == need_id,
                    RoundVote.voter == actor,
                )
            )
            old = vote.points if vote else None
            if vote is None:
                s.add(RoundVote(round_id=round_id, need_id=need_id, voter=actor, points=points))
            else:
                vote.points, vote.at = points, utcnow()
            r.status = "prioritering"
            self._audit(s, need_id, actor, "vote", round=round_id, old=old, new=points)
        return self.get_round(round_id)

    # --- moment 6 ------------------------------------------------------------------------

    def hand_over(self, round_id: str, recipient: str, *, actor: str) -> BatchPublic:
        """Hand the round's needs, highest points first, to RSS or SKR as one batch. Needs
        set aside stay behind, and so do needs under the export's privacy floor."""
        from assistant.needs.export import may_leave

        detail = self.get_round(round_id)
        k = self.settings.needs.export_min_sessions
        going = [x for x in detail.needs if not x.set_aside]
        if not going:
            raise NeedsError("omgången har inga behov att lämna över")
        leaving = [x for x in going if may_leave(x.need, k)]
        contents = [
            {
                "need_id": x.need.id,
                "formulation": x.need.representative,
                "area": x.need.area,
                "origins": x.need.origins,
                "questions": x.need.question_count,
                "sessions": x.need.session_count,
                "points": x.points,
                "rank": rank,
                "sources": [
                    {"doc_id": d.doc_id, "title": d.title, "page": d.page} for d in x.need.documents
                ],
            }
            for rank, x in enumerate(leaving, start=1)
        ]
        batch_id = str(uuid.uuid4())
        with self._tx() as s:
            r = self._round(s, round_id)
            s.add(
                ExportBatch(
                    id=batch_id,
                    round_id=round_id,
                    recipient=recipient,
                    created_by=actor,
                    created_at=utcnow(),
                    contents=contents,
                    withheld=len(going) - len(leaving),
                )
            )
            r.status = "overlamnad"
            for item in contents:
                self._audit(s, str(item["need_id"]), actor, "handed_over", batch=batch_id)
            self._audit(s, None, actor, "round_hand_over", round=round_id, batch=batch_id)
        with self._sessions() as s:
            batch = s.get(ExportBatch, batch_id)
            assert batch is not None
            return _batch_public(batch)

    # --- reading, moment 7 ---------------------------------------------------------------

    def get_round(self, round_id: str) -> RoundDetail:
        with self._sessions() as s:
            r = self._round(s, round_id)
            rows = s.scalars(select(RoundNeed).where(RoundNeed.round_id == round_id)).all()
            votes: dict[str, list[VotePublic]] = defaultdict(list)
            for v in s.scalars(
                select(RoundVote).where(RoundVote.round_id == round_id).order_by(RoundVote.at)
            ):
                votes[v.need_id].append(VotePublic(voter=v.voter, points=v.points, at=v.at))
            ids = [row.need_id for row in rows]
            needs = {n.id: n for n in s.scalars(select(Need).where(Need.id.in_(ids)))}
            examples, documents = self._examples(s, ids), self._documents(s, ids)
            items = [
                RoundNeedPublic(
                    need=self._public(needs[row.need_id], examples[row.need_id],
                                      documents[row.need_id]),
                    added_by=row.added_by,
                    added_at=row.added_at,
                    support=SupportOffer(**row.support) if row.support else None,
                    set_aside=row.set_aside,
                    set_aside_reason=row.set_aside_reason,
                    set_aside_by=row.set_aside_by,
                    votes=votes.get(row.need_id, []),
                    points=sum(v.points for v in votes.get(row.need_id, [])),
                )
                for row in rows
            ]  # fmt: skip
            # Ranked by total points; ties by how many asked, then the oldest first.
            items.sort(key=lambda x: (x.set_aside, -x.points, -x.need.question_count,
                                      x.need.first_seen))  # fmt: skip
            batches = s.scalars(
                select(ExportBatch)
                .where(ExportBatch.round_id == round_id)
                .order_by(ExportBatch.created_at)
            ).all()
            handed = {c["need_id"] for b in batches for c in (b.contents or [])}
            answered = [
                x.need for x in items if x.need.id in handed and x.need.status == "besvarad"
            ]
            return RoundDetail(
                **_round_public(r).model_dump(),
                needs=items,
                batches=[_batch_public(b) for b in batches],
                answered=answered,
            )
