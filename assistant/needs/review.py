"""Review: an analyst moves a need through its statuses, edits it and writes notes.

Every field change and every status move is written to the audit log (who, when, what,
old and new). Free text that analysts type is redacted like questions are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assistant.needs.base import NeedsError, NotFound, redact
from assistant.needs.db import Need, Note, utcnow
from assistant.needs.queries import Queries
from assistant.needs.schemas import REJECT_REASONS, STATUSES, TRANSITIONS, NeedDetail
from ingest.manifest import AREAS


class Review(Queries):
    def update_need(self, need_id: str, changes: dict[str, Any], *, actor: str) -> NeedDetail:
        """Apply an analyst's change; every field change and the status move are audited."""
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None or need.merged_into is not None:
                raise NotFound(f"behovet {need_id} finns inte")
            note = changes.pop("note", None)
            status = changes.pop("status", None)
            if status is not None and status != need.status:
                self._check_transition(need, status, changes)
            for field_name in (
                "assignee",
                "target_group",
                "support_type",
                "forwarded_to",
                "answer_url",
                "reject_reason",
                "representative",
                "area",
            ):
                if field_name not in changes or changes[field_name] is None:
                    continue
                value = changes[field_name]
                if field_name in {"representative", "target_group", "support_type"}:
                    value = redact(value).text  # analysts type free text too
                if field_name == "area" and value not in AREAS:
                    raise NeedsError(f"okänt område {value!r}")
                old = getattr(need, field_name)
                if old != value:
                    setattr(need, field_name, value)
                    if field_name == "representative":
                        need.rewritten = True
                    self._audit(s, need_id, actor, "update", field=field_name, old=old, new=value)
            if status is not None and status != need.status:
                old_status = need.status
                need.status = status
                self._audit(s, need_id, actor, "status", old=old_status, new=status)
            if note:
                self._add_note(s, need_id, note, actor)
            need.updated_at = utcnow()
        return self.get_need(need_id)

    @staticmethod
    def _check_transition(need: Need, status: str, changes: dict[str, Any]) -> None:
        if status not in STATUSES:
            raise NeedsError(f"okänd status {status!r}")
        if status not in TRANSITIONS[need.status]:
            raise NeedsError(
                f"status kan inte ändras från {STATUSES[need.status]} till {STATUSES[status]}"
            )
        if status == "avvisad":
            reason = changes.get("reject_reason") or need.reject_reason
            if reason not in REJECT_REASONS:
                raise NeedsError("avvisning kräver ett skäl: " + ", ".join(REJECT_REASONS))
            changes["reject_reason"] = reason
        if status == "vidarebefordrad" and not (changes.get("forwarded_to") or need.forwarded_to):
            raise NeedsError("ange mottagare (RSS eller SKR) för att vidarebefordra")
        if status == "besvarad" and not (changes.get("answer_url") or need.answer_url):
            raise NeedsError("ange en länk till det nya kunskapsstödet för att markera besvarad")

    def _add_note(self, s: Session, need_id: str, note: str, actor: str) -> None:
        clean = redact(note[:4000]).text
        s.add(Note(need_id=need_id, author=actor, text=clean))
        self._audit(s, need_id, actor, "note", text=clean[:200])

    def add_note(self, need_id: str, note: str, *, actor: str) -> None:
        with self._tx() as s:
            if s.get(Need, need_id) is None:
                raise NotFound(f"behovet {need_id} finns inte")
            self._add_note(s, need_id, note, actor)
