"""Retention: raw questions and feedback are deleted after a set number of days.

Needs, their counters, session hashes, notes and the audit trail stay, so the register
keeps what was asked how often without keeping what each person wrote.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from assistant.needs.base import StoreBase
from assistant.needs.db import Feedback, Question, utcnow


class Retention(StoreBase):
    def purge(self, *, actor: str = "system", now: dt.datetime | None = None) -> dict[str, int]:
        """Delete raw questions and feedback older than the retention period; needs stay."""
        cutoff = (now or utcnow()) - dt.timedelta(days=self.settings.needs.retention_days)
        with self._tx() as s:
            q = s.execute(delete(Question).where(Question.created_at < cutoff))
            f = s.execute(delete(Feedback).where(Feedback.created_at < cutoff))
            # A DELETE returns a CursorResult, which has rowcount; Session.execute is typed
            # as returning the Result base class, which has not.
            counts = {"questions": q.rowcount or 0, "feedback": f.rowcount or 0}  # type: ignore[attr-defined]
            self._audit(s, None, actor, "purge", cutoff=cutoff.isoformat(), **counts)
        return counts
