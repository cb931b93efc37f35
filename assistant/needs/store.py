"""The needs store: log unanswered questions as candidate knowledge needs, review them.

``NeedsStore`` puts the parts together; each lives in its own module:

- ``register``: log a question or a rating (redacted, classified, grouped);
- ``documents``: needs found in documents (``mining``) enter and stay in step;
- ``queries``: lists, one need in full, statistics;
- ``review``: statuses, edits, notes; ``curation``: merge and split;
- ``similar``: other needs that may be the same one, offered for merging;
- ``rounds``: the seven moments of SKR's model (inventory rounds to export batches);
- ``loop``: open needs that new material may answer, flagged for an analyst;
- ``retention``: delete raw questions after the retention period;
- ``regrouping``: group untouched needs again;
- ``assistant.accounts``: analyst accounts for local login.

Errors raised from here never carry question text: the engine hides SQL parameters
(``database.make_engine``) and our own messages name ids, not content.
"""

from __future__ import annotations

from assistant.accounts import Accounts
from assistant.needs.base import Embed, NeedsError, NotFound, redact, redact_text
from assistant.needs.curation import Curation
from assistant.needs.database import make_engine, persistent_secret, upgrade
from assistant.needs.documents import DocumentRegister, MineResult
from assistant.needs.loop import Loop
from assistant.needs.register import LoggedQuestion
from assistant.needs.regrouping import Regrouping
from assistant.needs.retention import Retention
from assistant.needs.review import Review
from assistant.needs.rounds import Rounds
from assistant.needs.similar import SimilarNeeds
from kunskap.settings import Settings

__all__ = [
    "Embed",
    "LoggedQuestion",
    "MineResult",
    "NeedsError",
    "NeedsStore",
    "NotFound",
    "make_engine",
    "redact",
    "redact_text",
    "upgrade",
]


class NeedsStore(
    DocumentRegister,
    Review,
    Rounds,
    Loop,
    Curation,
    Retention,
    Regrouping,
    SimilarNeeds,
    Accounts,
):
    @classmethod
    def from_settings(cls, settings: Settings, *, embed: Embed | None = None) -> NeedsStore:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.sqlalchemy_url)
        upgrade(engine)
        if settings.needs.session_salt is not None:
            salt = settings.needs.session_salt.get_secret_value().encode()
        else:
            salt = persistent_secret(settings.data_dir / "needs_session_salt")
        return cls(engine, settings=settings, salt=salt, embed=embed)
