"""Reading the register: lists with filters and sorting, one need in full, statistics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.needs.areas import UNSURE_AREA
from assistant.needs.base import NotFound, StoreBase, day_start
from assistant.needs.db import AuditEntry, Need, NeedDocument, Note, Question
from assistant.needs.schemas import (
    ORIGINS,
    STATUSES,
    AuditPublic,
    DocumentSource,
    NeedDetail,
    NeedFilter,
    NeedPublic,
    NotePublic,
    PossibleAnswer,
    QuestionPublic,
    SourceHit,
    Stats,
)
from ingest.manifest import AREAS

EXAMPLES_PER_NEED = 3


def _audit_public(entry: AuditEntry) -> AuditPublic:
    return AuditPublic(
        id=entry.id,
        need_id=entry.need_id,
        actor=entry.actor,
        action=entry.action,
        detail=entry.detail or {},
        at=entry.at,
    )


class Queries(StoreBase):
    def _documents(self, s: Session, need_ids: list[str]) -> dict[str, list[DocumentSource]]:
        out: dict[str, list[DocumentSource]] = {i: [] for i in need_ids}
        if not need_ids:
            return out
        rows = s.scalars(
            select(NeedDocument)
            .where(NeedDocument.need_id.in_(need_ids))
            .order_by(NeedDocument.doc_id, NeedDocument.page, NeedDocument.created_at)
        )
        for row in rows:
            out[row.need_id].append(
                DocumentSource(
                    doc_id=row.doc_id,
                    source_id=row.source_id,
                    title=row.title,
                    quote=row.quote,
                    page=row.page,
                    section=row.section,
                    formulation=row.formulation,
                    kind=row.kind,
                    area=row.area,
                    score=row.score,
                )
            )
        return out

    def _public(
        self, need: Need, examples: list[str], documents: list[DocumentSource] | None = None
    ) -> NeedPublic:
        reasons = need.reasons or {}
        origins = {need.origin or "fråga"}
        if reasons.get("negative_feedback"):
            origins.add("återkoppling")
        if any(r != "negative_feedback" for r in reasons):
            origins.add("fråga")
        if documents:
            origins.add("dokument")
        return NeedPublic(
            id=need.id,
            representative=need.representative,
            area=need.area,
            area_label=AREAS.get(need.area, need.area),
            areas=dict(need.areas or {}),
            status=need.status,
            status_label=STATUSES.get(need.status, need.status),
            reject_reason=need.reject_reason,
            assignee=need.assignee,
            target_group=need.target_group,
            support_type=need.support_type,
            forwarded_to=need.forwarded_to,
            answer_url=need.answer_url,
            reasons=dict(need.reasons or {}),
            question_count=need.question_count,
            session_count=need.session_count,
            first_seen=need.first_seen,
            last_seen=need.last_seen,
            examples=examples,
            locked=need.locked,
            rewritten=need.rewritten,
            origin=need.origin or "fråga",
            origins=[o for o in ORIGINS if o in origins],
            documents=documents or [],
            possibly_answered_by=[PossibleAnswer(**e) for e in need.possibly_answered_by or []],
        )

    def _examples(
        self, s: Session, need_ids: list[str], limit: int = EXAMPLES_PER_NEED
    ) -> dict[str, list[str]]:
        """Each need's latest distinct questions, at most ``limit``."""
        out: dict[str, list[str]] = {i: [] for i in need_ids}
        if not need_ids:
            return out
        rows = s.execute(
            select(Question.need_id, Question.text)
            .where(Question.need_id.in_(need_ids))
            .order_by(Question.created_at.desc())
        ).all()
        for need_id, text_ in rows:
            bucket = out[need_id]
            if len(bucket) < limit and text_ not in bucket:
                bucket.append(text_)
        return out

    def list_needs(self, flt: NeedFilter | None = None) -> list[NeedPublic]:
        flt = flt or NeedFilter()
        with self._sessions() as s:
            q = select(Need)
            if not flt.include_merged:
                q = q.where(Need.merged_into.is_(None))
            if flt.area:
                q = q.where(Need.area == flt.area)
            if flt.status:
                q = q.where(Need.status == flt.status)
            if flt.since:
                q = q.where(Need.last_seen >= day_start(flt.since))
            if flt.until:
                q = q.where(Need.first_seen < day_start(flt.until + dt.timedelta(days=1)))
            order: Any = {
                "count": Need.question_count.desc(),
                "sessions": Need.session_count.desc(),
                "last_seen": Need.last_seen.desc(),
                "first_seen": Need.first_seen.asc(),
            }[flt.sort]
            needs = list(s.scalars(q.order_by(order, Need.last_seen.desc())).all())
            if flt.reason:
                # Reasons are a small JSON counter; filtering in Python keeps SQL portable.
                needs = [n for n in needs if (n.reasons or {}).get(flt.reason)]
            if flt.text:
                needle = flt.text.lower()
                needs = [n for n in needs if needle in n.representative.lower()]
            needs = needs[: flt.limit]
            ids = [n.id for n in needs]
            examples, documents = self._examples(s, ids), self._documents(s, ids)
            return [self._public(n, examples[n.id], documents[n.id]) for n in needs]

    def get_need(self, need_id: str) -> NeedDetail:
        with self._sessions() as s:
            need = s.get(Need, need_id)
            if need is None:
                raise NotFound(f"behovet {need_id} finns inte")
            questions = s.scalars(
                select(Question)
                .where(Question.need_id == need_id)
                .order_by(Question.created_at.desc())
            ).all()
            notes = s.scalars(
                select(Note).where(Note.need_id == need_id).order_by(Note.created_at)
            ).all()
            audit = s.scalars(
                select(AuditEntry).where(AuditEntry.need_id == need_id).order_by(AuditEntry.id)
            ).all()
            examples = self._examples(s, [need_id])[need_id]
            documents = self._documents(s, [need_id])[need_id]
            base = self._public(need, examples, documents).model_dump()
            return NeedDetail(
                **base,
                questions=[
                    QuestionPublic(
                        id=q.id,
                        text=q.text,
                        language=q.language,
                        area=q.area,
                        reason=q.reason,
                        top_sources=[SourceHit(**src) for src in q.top_sources or []],
                        session=q.session_hash[:8] if q.session_hash else None,
                        index_version=q.index_version,
                        app_version=q.app_version,
                        comment=q.comment,
                        created_at=q.created_at,
                    )
                    for q in questions
                ],
                notes=[
                    NotePublic(id=n.id, author=n.author, text=n.text, created_at=n.created_at)
                    for n in notes
                ],
                audit=[_audit_public(a) for a in audit],
            )

    def audit_log(self, limit: int = 200) -> list[AuditPublic]:
        with self._sessions() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return [_audit_public(a) for a in rows]

    def stats(self, top: int = 10) -> Stats:
        needs = self.list_needs(NeedFilter(limit=10000))
        per_area = Counter(n.area for n in needs)
        per_month = Counter(n.first_seen.strftime("%Y-%m") for n in needs)
        per_status = Counter(n.status for n in needs)
        return Stats(
            # Needs no question placed ("osäker") are counted last: an analyst must place them.
            per_area={a: per_area.get(a, 0) for a in AREAS}
            | ({UNSURE_AREA: per_area[UNSURE_AREA]} if per_area[UNSURE_AREA] else {}),
            per_month=dict(sorted(per_month.items())),
            per_status={k: per_status.get(k, 0) for k in STATUSES},
            top=[n for n in needs if n.status != "avvisad"][:top],
        )
