"""Builders shared by the needs tests: log a question, read every stored text."""

from __future__ import annotations

import re

from sqlalchemy import text

from assistant.needs.store import NeedsStore

PNR = "19811218-9876"  # Luhn-valid
SOURCES = [{"doc_id": "sos-bbic", "title": "BBIC", "score": 0.71}]


def log(store: NeedsStore, question: str, session: str | None = "s1", **kw: object) -> str:
    """Log a question; returns the question record's id."""
    args: dict[str, object] = {
        "question": question,
        "language": "sv",
        "reason": "no_evidence",
        "top_sources": SOURCES,
        "session_id": session,
        "index_version": "kunskap_abc123",
        "app_version": "0.1.0",
    }
    args.update(kw)
    return store.log_question(**args).question_id  # type: ignore[arg-type]  # kw is loose


# Random ids and hashes (uuid4, sha256 hex) hold any four digits now and then: "9876" of the
# personnummer turned up inside one once. They cannot leak what was asked, so they are
# left out of the text searched for leaks.
_RANDOM_IDS = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32,}\b"
)


def all_stored_text(store: NeedsStore) -> str:
    """Every text column of every table, as one string (to search for leaks), with random
    ids and hashes replaced by "<id>"."""
    parts: list[str] = []
    with store.engine.connect() as conn:
        for table in ("questions", "needs", "feedback", "notes", "audit_log", "need_sessions"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                parts.extend(str(v) for v in row)
    return _RANDOM_IDS.sub("<id>", "\n".join(parts))
