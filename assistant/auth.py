"""Who may read the needs register: analysts and admins, never anonymous chat users.

Three modes (``settings.auth.mode``):

- ``local``: accounts in the needs database (argon2 hashes, ``kunskap needs user add``);
  the login page sets a signed, HttpOnly, SameSite=Strict cookie. Scripts may use HTTP Basic.
- ``sso_header``: a reverse proxy that has authenticated the user passes the name in
  ``sso_user_header`` and roles/groups in ``sso_roles_header``. Only safe when the app is
  reachable through that proxy alone.
- ``none``: development only; every request is an admin called "utvecklare".

FastAPI dependencies: ``AnalystUser`` (analyst or admin) and ``AdminUser`` (admin only).
No login: 401; logged in without the role: 403; too many failed logins: 429 (see
``assistant.throttle``).

Cross-site request forgery: every state-changing request (any method but GET, HEAD and
OPTIONS) must carry ``X-Requested-With: kunskap``, whatever the authentication: a cookie,
HTTP Basic (a browser may hold cached Basic credentials), an SSO proxy's session or none. A
cross-site form cannot set a custom header, and a cross-site script cannot either without a
CORS preflight, which this app never grants. The two HTML forms (login, logout) cannot send
the header; they are checked by ``check_form_origin`` instead. See docs/security.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status

from assistant.throttle import LoginLocked, LoginThrottle
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
CSRF_VALUE = "kunskap"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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
    return request.app.state.services.settings  # type: ignore[no-any-return]  # app.state is untyped


def _store(request: Request) -> NeedsStore:
    store = request.app.state.services.needs
    if store is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "behovsregistret är inte igång")
    return store  # type: ignore[no-any-return]  # app.state is untyped


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
            raw_auth = base64.b64decode(auth[6:], validate=True)
        except (ValueError, binascii.Error):
            return None
        try:
            decoded = raw_auth.decode("utf-8")
        except UnicodeDecodeError:
            # RFC 7617 leaves the charset open; some clients still send Latin-1.
            decoded = raw_auth.decode("latin-1")
        name, _, password = decoded.partition(":")
        return throttled_authenticate(request, name, password)
    return None


# --- login throttling ---------------------------------------------------------------------------

_THROTTLE_LOCK = threading.Lock()


def login_throttle(request: Request) -> LoginThrottle:
    """The app's throttle (one per app, so each test app starts with clean counts)."""
    state = request.app.state
    with _THROTTLE_LOCK:
        throttle = getattr(state, "login_throttle", None)
        if throttle is None:
            throttle = LoginThrottle(_settings(request).auth)
            state.login_throttle = throttle
    return throttle  # type: ignore[no-any-return]  # app.state is untyped


def client_address(request: Request) -> str:
    # uvicorn has already replaced it with X-Forwarded-For when the proxy is trusted.
    return request.client.host if request.client else "okänd"


def too_many_attempts(retry_after: int) -> HTTPException:
    minutes = max(1, math.ceil(retry_after / 60))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"För många misslyckade inloggningar. Försök igen om {minutes} min.",
        headers={"Retry-After": str(retry_after)},
    )


def throttled_authenticate(request: Request, name: str, password: str) -> Principal | None:
    """``authenticate`` behind the throttle; raises 429 while the name or address is locked."""
    throttle = login_throttle(request)
    address = client_address(request)
    try:
        throttle.check(name, address)
    except LoginLocked as exc:
        raise too_many_attempts(exc.retry_after) from None
    principal = authenticate(_store(request), name, password)
    if principal is None:
        throttle.failed(name, address)
    else:
        throttle.succeeded(name)
    return principal


# --- cross-site request forgery -----------------------------------------------------------------


def looks_like_browser(request: Request) -> bool:
    """Browsers send Sec-Fetch-* on every request (Chrome 76+, Firefox 90+, Safari 16.4+) and
    text/html in Accept on navigations; scripts usually send neither."""
    accept = request.headers.get("Accept", "")
    return "sec-fetch-mode" in request.headers or "text/html" in accept


def has_csrf_header(request: Request) -> bool:
    return request.headers.get(CSRF_HEADER) == CSRF_VALUE


def check_form_origin(request: Request) -> None:
    """403 unless an HTML form post comes from this app's own pages.

    ``Sec-Fetch-Site`` decides where the browser sends it; otherwise ``Origin`` must name
    this host (the analyst pages send it: their Referrer-Policy is same-origin). A request
    with neither header is not from a browser that a cross-site page could drive (curl,
    scripts), and passes.
    """
    if has_csrf_header(request):
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise HTTPException(status.HTTP_403_FORBIDDEN, "förfrågan kommer från en annan webbplats")
    origin = request.headers.get("Origin")
    if origin is None:
        return
    host = request.headers.get("Host", "")
    if origin != "null" and urlsplit(origin).netloc.lower() == host.lower():
        return
    raise HTTPException(status.HTTP_403_FORBIDDEN, "förfrågan kommer från en annan webbplats")


def _unauthorised(request: Request) -> HTTPException:
    # No Basic challenge to a browser: it would answer with its native password dialog and
    # then keep sending the credentials, also on requests other sites make it send; and the
    # analyst page would never get the 401 that sends the analyst to the login form. Scripts
    # (curl, wget, HTTP libraries) still get the challenge.
    browser = looks_like_browser(request) or has_csrf_header(request)
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "inloggning krävs",
        headers=None if browser else {"WWW-Authenticate": 'Basic realm="kunskap-analys"'},
    )


def require_analyst(request: Request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise _unauthorised(request)
    # Whatever the authentication: see the module docstring.
    if request.method not in SAFE_METHODS and not has_csrf_header(request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"saknar CSRF-huvud: skicka {CSRF_HEADER}: {CSRF_VALUE} med ändrande anrop",
        )
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_analyst)]) -> Principal:
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "endast administratörer")
    return principal


AnalystUser = Annotated[Principal, Depends(require_analyst)]
AdminUser = Annotated[Principal, Depends(require_admin)]
