"""Optional chat login (``KUNSKAP_AUTH_CHAT_LOGIN=true``), following ``KUNSKAP_AUTH_MODE``:

- ``local``: the analysts' local accounts (table ``users``, argon2 hashes) log in with a
  password form;
- ``sso_header``: a reverse proxy that has authenticated the user passes the name in
  ``KUNSKAP_AUTH_SSO_USER_HEADER``. The proxy must strip that header from client requests,
  otherwise anyone can claim any name;
- ``none``: no login (development).

Chainlit signs its session cookie with ``CHAINLIT_AUTH_SECRET``; ``chat_secret`` derives it
from ``KUNSKAP_AUTH_SECRET_KEY`` or keeps a random one in the data dir.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from kunskap.settings import Settings

log = logging.getLogger(__name__)

CHAT_SECRET_FILE = "chat-auth-secret"


def chat_secret(settings: Settings) -> str:
    if settings.auth.secret_key is not None:
        # A separate key for the chat cookie, so it never equals the analysts' cookie key.
        key = settings.auth.secret_key.get_secret_value().encode()
        return hmac.new(key, b"kunskap-chat-cookie", hashlib.sha256).hexdigest()
    path = Path(settings.data_dir) / CHAT_SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


def verify_local_user(settings: Settings, username: str, password: str) -> str | None:
    """The user's role when the name and password match an active local account."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from assistant.needs.db import User

    engine = create_engine(settings.sqlalchemy_url)
    try:
        with Session(engine) as session:
            user = session.scalars(
                select(User).where(User.username == username, User.active.is_(True))
            ).first()
            if user is None:
                # Hash anyway so a wrong name takes as long as a wrong password.
                PasswordHasher().hash(password)
                return None
            try:
                PasswordHasher().verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return user.role
    finally:
        engine.dispose()


def sso_user(settings: Settings, headers: Mapping[str, str]) -> str | None:
    name = headers.get(settings.auth.sso_user_header.lower()) or headers.get(
        settings.auth.sso_user_header
    )
    name = (name or "").strip()
    return name[:200] or None
