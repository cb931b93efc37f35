"""Auth rules: who may read the needs register, in each mode."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.auth import (
    COOKIE_NAME,
    AdminUser,
    AnalystUser,
    hash_password,
    make_cookie,
    read_cookie,
    verify_password,
)
from assistant.needs.store import NeedsStore
from tests.conftest import make_settings

PASSWORD = "ett-långt-lösenord"
CSRF = {"X-Requested-With": "kunskap"}  # every state-changing call needs it (issue 20)


def build(tmp_path: Path, **auth: object) -> tuple[TestClient, NeedsStore]:
    settings = make_settings(tmp_path / "data", auth=auth or {"mode": "local"})
    # No questions are logged here, so the store never loads the embedding model.
    store = NeedsStore.from_settings(settings)
    store.add_user("ann", hash_password(PASSWORD), "analyst")
    store.add_user("root", hash_password(PASSWORD), "admin")
    app = FastAPI()
    app.state.services = SimpleNamespace(settings=settings, needs=store)

    @app.get("/analyst")
    def analyst(user: AnalystUser) -> dict[str, str]:
        return {"name": user.name, "role": user.role}

    @app.post("/admin")
    def admin(user: AdminUser) -> dict[str, str]:
        return {"name": user.name}

    return TestClient(app), store


def basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def test_password_hashing() -> None:
    h = hash_password(PASSWORD)
    assert h.startswith("$argon2") and PASSWORD not in h
    assert verify_password(h, PASSWORD) and not verify_password(h, "fel-lösenord!")
    with pytest.raises(ValueError):
        hash_password("kort")


def test_local_mode_rules(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    assert client.get("/analyst").status_code == 401  # a chat user, no login
    assert client.get("/analyst", headers=basic("ann", "fel")).status_code == 401
    assert client.get("/analyst", headers=basic("nobody", PASSWORD)).status_code == 401
    assert client.get("/analyst", headers=basic("ann", PASSWORD)).json()["role"] == "analyst"
    assert client.post("/admin", headers={**basic("ann", PASSWORD), **CSRF}).status_code == 403
    assert client.post("/admin", headers={**basic("root", PASSWORD), **CSRF}).status_code == 200
    # HTTP Basic is no exception to the CSRF rule.
    assert client.post("/admin", headers=basic("root", PASSWORD)).status_code == 403


def test_no_basic_challenge_for_the_analyst_page(tmp_path: Path) -> None:
    """Scripts are offered HTTP Basic; the page's own requests are not, because a browser
    would answer the challenge with its password dialog instead of the page's login form."""
    client, _ = build(tmp_path)
    script = client.get("/analyst")
    assert script.headers["WWW-Authenticate"] == 'Basic realm="kunskap-analys"'
    page = client.get("/analyst", headers={"X-Requested-With": "kunskap"})
    assert page.status_code == 401 and "WWW-Authenticate" not in page.headers


def test_cookie_is_signed_and_expires(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    settings = client.app.state.services.settings
    token = make_cookie(settings, "ann", "analyst")
    assert read_cookie(settings, token) == ("ann", "analyst")
    client.cookies.set(COOKIE_NAME, token)
    assert client.get("/analyst").status_code == 200
    # Tampering with the role invalidates the signature.
    _payload, sig = token.split(".")
    forged = make_cookie(settings, "ann", "admin").split(".")[0] + "." + sig
    client.cookies.set(COOKIE_NAME, forged)
    assert client.get("/analyst").status_code == 401
    old = make_cookie(settings, "ann", "analyst", now=time.time() - 10 * 3600)
    assert read_cookie(settings, old) is None


def test_cookie_for_removed_account_is_refused(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    settings = client.app.state.services.settings
    client.cookies.set(COOKIE_NAME, make_cookie(settings, "ghost", "admin"))
    assert client.get("/analyst").status_code == 401


def test_cookie_writes_need_the_csrf_header(tmp_path: Path) -> None:
    client, _ = build(tmp_path)
    settings = client.app.state.services.settings
    client.cookies.set(COOKIE_NAME, make_cookie(settings, "root", "admin"))
    assert client.post("/admin").status_code == 403
    assert client.post("/admin", headers={"X-Requested-With": "kunskap"}).status_code == 200


def test_sso_header_mode(tmp_path: Path) -> None:
    client, _ = build(tmp_path, mode="sso_header")
    assert client.get("/analyst").status_code == 401
    headers = {"X-Forwarded-User": "eva@kommun.se", "X-Forwarded-Groups": "staff, analyst"}
    assert client.get("/analyst", headers=headers).json() == {
        "name": "eva@kommun.se",
        "role": "analyst",
    }
    assert client.post("/admin", headers={**headers, **CSRF}).status_code == 403
    admin = {"X-Forwarded-User": "it", "X-Forwarded-Groups": "kunskap-admin"}
    assert client.post("/admin", headers={**admin, **CSRF}).status_code == 200
    assert client.post("/admin", headers=admin).status_code == 403  # no CSRF header
    chat_user = {"X-Forwarded-User": "socialsekreterare", "X-Forwarded-Groups": "staff"}
    assert client.get("/analyst", headers=chat_user).status_code == 403
    # Local passwords do not work in SSO mode: only the proxy decides.
    assert client.get("/analyst", headers=basic("root", PASSWORD)).status_code == 401


def test_none_mode_is_dev_admin(tmp_path: Path) -> None:
    client, _ = build(tmp_path, mode="none")
    assert client.post("/admin", headers=CSRF).json() == {"name": "utvecklare"}
    assert client.post("/admin").status_code == 403


def test_secret_key_from_settings_or_data_dir(tmp_path: Path) -> None:
    from assistant.auth import signing_key

    s1 = make_settings(tmp_path / "a")
    assert signing_key(s1) == signing_key(s1)  # persisted, stable
    assert (tmp_path / "a" / "auth_secret.key").stat().st_mode & 0o077 == 0
    s2 = make_settings(tmp_path / "b", auth={"secret_key": "x" * 40})
    assert signing_key(s2) == b"x" * 40
