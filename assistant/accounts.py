"""Analyst accounts (local login): kept in the needs database, beside the audit trail.

``assistant.auth`` checks passwords and roles; this is where the accounts are stored.
Only argon2 hashes are written, never a password.
"""

from __future__ import annotations

from sqlalchemy import select, update

from assistant.needs.base import StoreBase
from assistant.needs.db import User


class Accounts(StoreBase):
    def add_user(self, username: str, password_hash: str, role: str) -> None:
        with self._tx() as s:
            existing = s.scalar(select(User).where(User.username == username))
            if existing is not None:
                existing.password_hash = password_hash
                existing.role = role
                existing.active = True
                action = "user_update"
            else:
                s.add(User(username=username, password_hash=password_hash, role=role))
                action = "user_add"
            self._audit(s, None, "cli", action, username=username, role=role)

    def get_user(self, username: str) -> User | None:
        with self._sessions() as s:
            return s.scalar(select(User).where(User.username == username, User.active.is_(True)))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        with self._tx() as s:
            s.execute(
                update(User).where(User.username == username).values(password_hash=password_hash)
            )
