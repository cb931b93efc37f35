"""Who may read the needs register: analysts and admins, never anonymous chat users.

Three modes (``settings.auth.mode``):

- ``local``: accounts in the needs database (argon2 hashes, ``kunskap needs user add``);
  the login page sets a signed, HttpOnly, SameSite=Strict cookie. Scripts may use HTTP Basic.
- ``sso_header``: a reverse proxy that has authenticated the user passes the name in
  ``sso_user_header`` and roles/groups in ``sso_roles_header``. Only safe when the app is
  reachable through that proxy alone.
- ``none``: development only; every request is an admin called "utvecklare".

FastAPI dependencies: ``AnalystUser`` (analyst or admin) and ``AdminUser`` (admin only).
No login: 401; logged in without the role: 403.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status

from kunskap.settings import Settings

if TYPE_CHECKING:
    from assistant.needs.store import NeedsStore

Role = Literal["analyst", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "admin")
COOKIE_NAME = "kunskap_analys"
SESSION_SECONDS = 8 * 3600  # one working day
# Group names a proxy may send for each role (Keycloak/Entra groups often carry a prefix).
SSO_ROLE_NAMES: dict[str, Role] = {
    "admin": "admin",
    "kunskap-admin": "admin",
    "analyst": "analyst",
    "analytiker": "analyst",
    "kunskap-analyst": "analyst",
}
CSRF_HEADER = "X-Requested-With"

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    via: Literal["cookie", "basic", "sso", "none"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("lösenordet måste ha minst 10 tecken")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so that a wrong user name takes as
# long as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def authenticate(store: NeedsStore, username: str, password: str) -> Principal | None:
    user = store.get_user(username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        store.set_password_hash(username, _HASHER.hash(password))
    return Principal(user.username, _role(user.role), "basic")


def _role(value: str) -> Role:
    return "admin" if value == "admin" else "analyst"


# --- signed cookie ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _file_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    try:
        with path.open("xb") as fh:  # exclusive: concurrent workers end up with one key
            fh.write(value)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    return value


def signing_key(settings: Settings) -> bytes:
    if settings.auth.secret_key is not None:
        return settings.auth.secret_key.get_secret_value().encode()
    return _file_key((settings.data_dir / "auth_secret.key").resolve())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_cookie(settings: Settings, name: str, role: Role, *, now: float | None = None) -> str:
    payload = _b64(
        json.dumps(
            {"u": name, "r": role, "exp": int((now or time.time()) + SESSION_SECONDS)}
        ).encode()
    )
    sig = hmac.new(signing_key(settings), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{sig}"


def read_cookie(
    settings: Settings, token: str, *, now: float | None = None
) -> tuple[str, Role] | None:
    payload, _, sig = token.partition(".")
    expected = hmac.new(signing_key(settings), payload.encode(), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < (now or time.time()):
        return None
    return str(data.get("u")), _role(str(data.get("r")))


# --- resolving the caller ----------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    return request.app.state.services.settings  # type: ignore[no-any-return]


def _store(request: Request) -> NeedsStore:
    store = request.app.state.services.needs
    if store is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "behovsregistret är inte igång")
    return store  # type: ignore[no-any-return]


def current_principal(request: Request) -> Principal | None:
    """The logged-in analyst/admin, or None. Raises 403 for an SSO user without a role."""
    settings = _settings(request)
    mode = settings.auth.mode
    if mode == "none":
        return Principal("utvecklare", "admin", "none")
    if mode == "sso_header":
        user = request.headers.get(settings.auth.sso_user_header, "").strip()
        if not user:
            return None
        raw = request.headers.get(settings.auth.sso_roles_header, "")
        roles = {
            SSO_ROLE_NAMES[r.strip().lower()]
            for r in raw.replace(";", ",").replace(" ", ",").split(",")
            if r.strip().lower() in SSO_ROLE_NAMES
        }
        if not roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "saknar behörighet till behovsloggen")
        return Principal(user[:200], "admin" if "admin" in roles else "analyst", "sso")
    token = request.cookies.get(COOKIE_NAME)
    if token:
        found = read_cookie(settings, token)
        if found is not None:
            # Check the account on every request, so that removing it takes effect at once.
            account = _store(request).get_user(found[0])
            if account is not None:
                return Principal(account.username, _role(account.role), "cookie")
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, binascii.Error):
            return None
        return authenticate(_store(request), name, password)
    return None


def _unauthorised(request: Request) -> HTTPException:
    # No Basic challenge for the analyst page's own requests (they carry the CSRF header): a
    # browser answers one with its native password dialog, and the page never gets the 401
    # that sends the analyst to the login form when the session has ended.
    from_page = request.headers.get(CSRF_HEADER) == "kunskap"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "inloggning krävs",
        headers=None if from_page else {"WWW-Authenticate": 'Basic realm="kunskap-analys"'},
    )


def require_analyst(request: Request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise _unauthorised(request)
    # A cross-site form cannot set a custom header; SameSite=Strict covers the rest.
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if principal.via == "cookie" and unsafe and request.headers.get(CSRF_HEADER) != "kunskap":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "saknar CSRF-huvud")
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_analyst)]) -> Principal:
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "endast administratörer")
    return principal


AnalystUser = Annotated[Principal, Depends(require_analyst)]
AdminUser = Annotated[Principal, Depends(require_admin)]
