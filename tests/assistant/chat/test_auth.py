"""The chat's optional login against real local accounts (SQLite) and a trusted SSO header."""

from __future__ import annotations

from pathlib import Path

from assistant.auth import hash_password
from assistant.chat.auth import chat_secret, sso_user, verify_local_user
from assistant.needs.store import NeedsStore
from tests.conftest import make_settings


def test_local_account_logs_in_with_the_right_password_only(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = NeedsStore.from_settings(settings)
    try:
        store.add_user("karin", hash_password("rätt-lösenord-123"), "analyst")
    finally:
        store.close()
    assert verify_local_user(settings, "karin", "rätt-lösenord-123") == "analyst"
    assert verify_local_user(settings, "karin", "fel") is None
    assert verify_local_user(settings, "okänd", "rätt-lösenord-123") is None


def test_sso_header_names_the_user(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, auth={"mode": "sso_header", "chat_login": True})
    assert sso_user(settings, {"x-forwarded-user": " anna.a "}) == "anna.a"
    assert sso_user(settings, {}) is None


def test_chat_cookie_secret_is_derived_or_kept(tmp_path: Path) -> None:
    keyed = make_settings(tmp_path / "a", auth={"secret_key": "en-lång-riktig-hemlighet"})
    assert chat_secret(keyed) == chat_secret(keyed)
    assert chat_secret(keyed) != "en-lång-riktig-hemlighet"
    kept = make_settings(tmp_path / "b")
    first = chat_secret(kept)
    assert first == chat_secret(kept) and len(first) == 64
    assert (tmp_path / "b" / "chat-auth-secret").stat().st_mode & 0o077 == 0
