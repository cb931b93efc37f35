"""Needs found in documents enter the register: origin ``dokument``, same review as questions.

A mined candidate (``mining.Candidate``) is grouped like a question: its formulation is
embedded and joins the need on the same subject when there is one (a question-born need
then also shows the passage), or starts a new need. The passage is kept in
``need_documents`` under the candidate's key (document id + normalised quote), so:

- mining an unchanged document again adds nothing;
- when a document changes, its candidates that are still there are updated (page,
  formulation, score), new ones are added, and those that are gone are removed; a need
  that only that passage stated, and that nobody has acted on yet, goes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from assistant.needs import grouping
from assistant.needs.base import redact, seed_need
from assistant.needs.db import AuditEntry, Need, NeedDocument, Question, utcnow
from assistant.needs.mining import Candidate
from assistant.needs.register import Register


@dataclass
class MineResult:
    """What one ``kunskap needs mine`` run did to the register."""

    added: list[tuple[Candidate, str]] = field(default_factory=list)  # (candidate, need id)
    updated: list[tuple[Candidate, str]] = field(default_factory=list)
    unchanged: int = 0
    removed: int = 0
    needs_removed: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "removed": self.removed,
            "needs_removed": self.needs_removed,
        }


class DocumentRegister(Register):
    def record_mined(
        self,
        candidates: list[Candidate],
        doc_hashes: Mapping[str, str],
        *,
        actor: str = "mine",
    ) -> MineResult:
        """Bring the register in step with the candidates of the documents in
        ``doc_hashes`` (doc id → content hash of this run)."""
        result = MineResult()
        by_key = {c.key: c for c in candidates}
        with self._tx() as s:
            known = {
                row.id: row
                for row in s.scalars(
                    select(NeedDocument).where(NeedDocument.doc_id.in_(list(doc_hashes)))
                )
            }
        for key, cand in by_key.items():
            row = known.get(key)
            if row is None:
                result.added.append((cand, self._add_candidate(cand, key, actor)))
            elif row.doc_hash != cand.doc_hash:
                self._update_candidate(key, cand)
                result.updated.append((cand, row.need_id))
            else:
                result.unchanged += 1
        # A passage no longer found in a document that changed is gone; one of a document
        # that did not change (same hash) can only be missing because the rules changed,
        # and then it stays until the document itself changes or an analyst acts.
        gone = [
            row
            for key, row in known.items()
            if key not in by_key and doc_hashes.get(row.doc_id) != row.doc_hash
        ]
        for row in gone:
            result.removed += 1
            result.needs_removed += self._remove_candidate(row.id, actor)
        return result

    def _add_candidate(self, cand: Candidate, key: str, actor: str) -> str:
        formulation = redact(cand.formulation).text
        raw = self.centring.raw([formulation])[0]
        vector = self.centring.centre(raw)
        words = grouping.stems(formulation)
        at = utcnow()
        with self._tx() as s:
            need = self._assign(s, vector, words)
            if need is None:
                need = seed_need(formulation, cand.area, vector, origin="dokument", at=at)
                s.add(need)
                s.flush()
            s.add(
                NeedDocument(
                    id=key,
                    need_id=need.id,
                    doc_id=cand.doc_id[:200],
                    source_id=cand.source_id[:120],
                    # Meeting notes name people: everything that enters passes redaction.
                    title=redact(cand.title).text,
                    quote=redact(cand.quote).text,
                    page=cand.page,
                    section=redact(cand.section).text if cand.section else None,
                    formulation=formulation,
                    kind=cand.kind,
                    area=cand.area[:40],
                    score=cand.score,
                    doc_hash=cand.doc_hash[:64],
                    created_at=at,
                    updated_at=at,
                )
            )
            self._audit(s, need.id, actor, "document", doc_id=cand.doc_id, page=cand.page)
            return need.id

    def _update_candidate(self, key: str, cand: Candidate) -> None:
        with self._tx() as s:
            row = s.get(NeedDocument, key)
            if row is None:
                return
            row.quote = redact(cand.quote).text
            row.page = cand.page
            row.section = redact(cand.section).text if cand.section else None
            row.formulation = redact(cand.formulation).text
            row.kind, row.area, row.score = cand.kind, cand.area[:40], cand.score
            row.doc_hash = cand.doc_hash[:64]
            row.updated_at = utcnow()

    def _remove_candidate(self, key: str, actor: str) -> int:
        """Delete a passage; returns 1 when its need went with it."""
        with self._tx() as s:
            row = s.get(NeedDocument, key)
            if row is None:
                return 0
            need_id, doc_id = row.need_id, row.doc_id
            s.delete(row)
            s.flush()
            need = s.get(Need, need_id)
            others = s.scalar(
                select(func.count())
                .select_from(NeedDocument)
                .where(NeedDocument.need_id == need_id)
            )
            questions = s.scalar(
                select(func.count()).select_from(Question).where(Question.need_id == need_id)
            )
            acted = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.need_id == need_id, AuditEntry.action != "document")
            )
            untouched = (
                need is not None
                and need.status == "ny"
                and not need.locked
                and not need.rewritten
                and need.question_count == 0
                and not questions
                and not others
                and not acted
            )
            if untouched:
                assert need is not None
                s.delete(need)
                self._audit(s, None, actor, "document_need_removed", need=need_id, doc_id=doc_id)
                return 1
            self._audit(s, need_id, actor, "document_removed", doc_id=doc_id)
            return 0
