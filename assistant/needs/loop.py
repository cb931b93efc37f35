"""The loop closes: open needs that new material may answer are flagged for an analyst.

After ``kunskap ingest`` adds or changes documents, ``support.recheck`` asks the
assistant's own search and judge, for every open need, whether a passage of the new or
changed documents answers it. Such a need is flagged *möjligen besvarad* with the
document and passage (``possibly_answered_by``); an analyst confirms it (the need becomes
*besvarad*, with the document as its support) or dismisses the flag. Which documents are
new or changed is decided against the content hashes this register saw at its last check
(``document_states``), so a recheck after an unchanged ingest asks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from assistant.needs.base import NeedsError, NotFound, redact
from assistant.needs.db import DocumentState, Need, utcnow
from assistant.needs.queries import Queries
from assistant.needs.schemas import NeedDetail, SupportOffer

OPEN_STATUSES = ("ny", "granskad", "bekraftat_behov", "vidarebefordrad")


class Loop(Queries):
    def changed_documents(self, doc_hashes: Mapping[str, str]) -> set[str]:
        """Documents whose content hash differs from the one recorded at the last check."""
        with self._sessions() as s:
            known = dict(s.execute(select(DocumentState.doc_id, DocumentState.doc_hash)).all())
        return {d for d, h in doc_hashes.items() if known.get(d) != h}

    def remember_documents(self, doc_hashes: Mapping[str, str]) -> None:
        with self._tx() as s:
            for doc_id, doc_hash in doc_hashes.items():
                row = s.get(DocumentState, doc_id[:200])
                if row is None:
                    s.add(DocumentState(doc_id=doc_id[:200], doc_hash=doc_hash[:64]))
                elif row.doc_hash != doc_hash:
                    row.doc_hash, row.checked_at = doc_hash[:64], utcnow()

    def open_needs(self) -> list[tuple[str, str]]:
        """(id, formulation) of every need still waiting for an answer."""
        with self._sessions() as s:
            rows = s.execute(
                select(Need.id, Need.representative).where(
                    Need.merged_into.is_(None), Need.status.in_(OPEN_STATUSES)
                )
            ).all()
        return [(r[0], r[1]) for r in rows]

    def flag_possibly_answered(
        self, need_id: str, offer: SupportOffer, *, actor: str = "ingest"
    ) -> None:
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None:
                raise NotFound(f"behovet {need_id} finns inte")
            entry = {
                "doc_id": offer.doc_id,
                "title": redact(offer.title).text,
                "quote": redact(offer.quote).text,
                "page": offer.page,
                "status": offer.status,
                "confidence": offer.confidence,
                "found_at": utcnow().isoformat(),
            }
            # One flag per document: a newer passage of the same document replaces it.
            kept = [e for e in need.possibly_answered_by or [] if e.get("doc_id") != offer.doc_id]
            need.possibly_answered_by = [*kept, entry]
            self._audit(s, need_id, actor, "possibly_answered", doc_id=offer.doc_id)

    def confirm_answered(self, need_id: str, doc_id: str, *, actor: str) -> NeedDetail:
        """An analyst confirms that the flagged document answers the need: it becomes
        *besvarad* with that document as its support, from whatever open status it had."""
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None or need.merged_into is not None:
                raise NotFound(f"behovet {need_id} finns inte")
            flags = need.possibly_answered_by or []
            if not any(e.get("doc_id") == doc_id for e in flags):
                raise NeedsError(f"dokumentet {doc_id} är inte föreslaget för behovet")
            old = need.status
            need.status = "besvarad"
            need.answer_url = need.answer_url or f"dokument:{doc_id}"
            need.possibly_answered_by = []
            need.updated_at = utcnow()
            self._audit(s, need_id, actor, "status", old=old, new="besvarad", doc_id=doc_id)
        return self.get_need(need_id)

    def dismiss_possible_answer(self, need_id: str, doc_id: str, *, actor: str) -> NeedDetail:
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None:
                raise NotFound(f"behovet {need_id} finns inte")
            need.possibly_answered_by = [
                e for e in need.possibly_answered_by or [] if e.get("doc_id") != doc_id
            ]
            self._audit(s, need_id, actor, "possibly_answered_dismissed", doc_id=doc_id)
        return self.get_need(need_id)
