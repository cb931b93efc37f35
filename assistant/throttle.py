"""Login throttling: failed logins are counted per account name and per client address.

After ``login_max_failures_account`` failures to one name, or ``login_max_failures_address``
from one address, within ``login_window_s``, that name or address is locked for
``login_lockout_s``: every attempt then gets 429 with ``Retry-After``, the right password
included, and no password is checked (so a lockout also stops the argon2 work). The lock is
logged once, as a warning. A successful login clears the account's count, not the address's:
an attacker with an account of their own must not be able to reset the address count.

Names that have no account are counted like real ones, so a lockout does not tell which
names exist. The counts live in the process: ``kunskap serve`` runs one, and a restart
forgets them (documented in docs/security.md).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kunskap.settings import AuthSettings

log = logging.getLogger("kunskap.security")

# Keys kept at most, per kind; beyond it the oldest are forgotten (bounded memory under a
# spray of random names).
MAX_KEYS = 50_000


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LoginLocked(Exception):
    """Too many failed logins; ``retry_after`` is whole seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"locked for {retry_after} s")
        self.retry_after = retry_after


def account_key(name: str) -> str:
    # Case and surrounding spaces do not make a new account to guess at.
    return name.strip().casefold()


def _shown(name: str) -> str:
    """An account name for the log: short, printable, and hashed when it looks like noise
    (a user may type a password or a personal number into the name field)."""
    plain = name.strip()
    if plain.isascii() and plain.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return plain[:64]
    return "sha256:" + hashlib.sha256(plain.encode("utf-8", "replace")).hexdigest()[:12]


def _forget_oldest(table: dict[str, _Record], count: int, now: float) -> None:
    """Drop ``count`` of the least recently failed keys, never one that is locked."""
    stale = [key for key, record in table.items() if record.locked_until <= now][:count]
    for key in stale:
        del table[key]


class LoginThrottle:
    def __init__(self, settings: AuthSettings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, _Record] = {}
        self._addresses: dict[str, _Record] = {}

    def check(self, account: str, address: str) -> None:
        """Raise ``LoginLocked`` if the account or the address is locked now."""
        now = self.clock()
        with self._lock:
            waits = [
                record.locked_until - now
                for record in (
                    self._accounts.get(account_key(account)),
                    self._addresses.get(address),
                )
                if record is not None and record.locked_until > now
            ]
        if waits:
            raise LoginLocked(max(1, math.ceil(max(waits))))

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        s = self.settings
        with self._lock:
            for kind, table, key, limit in (
                ("account", self._accounts, account_key(account), s.login_max_failures_account),
                ("address", self._addresses, address, s.login_max_failures_address),
            ):
                record = table.pop(key, None) or _Record()
                table[key] = record  # re-inserted: the dict's order is least recently failed
                while record.failures and record.failures[0] <= now - s.login_window_s:
                    record.failures.popleft()
                record.failures.append(now)
                if len(record.failures) >= limit and record.locked_until <= now:
                    record.locked_until = now + s.login_lockout_s
                    record.failures.clear()
                    log.warning(
                        "login lockout: %s locked for %d s after %d failed logins "
                        "(account=%s address=%s)",
                        kind,
                        s.login_lockout_s,
                        limit,
                        _shown(account),
                        address,
                    )
                if len(table) > MAX_KEYS:
                    _forget_oldest(table, len(table) - MAX_KEYS, now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            record = self._accounts.get(account_key(account))
            if record is not None and record.locked_until <= self.clock():
                del self._accounts[account_key(account)]
