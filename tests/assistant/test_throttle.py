"""Login throttling, with a clock the test moves."""

from __future__ import annotations

import logging

import pytest

from assistant.throttle import LoginLocked, LoginThrottle
from kunskap.settings import AuthSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **limits: int) -> LoginThrottle:
    settings = AuthSettings(
        login_max_failures_account=limits.get("account", 3),
        login_max_failures_address=limits.get("address", 5),
        login_window_s=60,
        login_lockout_s=300,
    )
    return LoginThrottle(settings, clock=clock)


def test_account_locks_after_the_limit_and_says_how_long(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    t = throttle(clock)
    with caplog.at_level(logging.WARNING, logger="kunskap.security"):
        for _ in range(3):
            t.check("ann", "10.0.0.1")
            t.failed("ann", "10.0.0.1")
    with pytest.raises(LoginLocked) as locked:
        t.check("ann", "10.0.0.2")  # another address: the account itself is locked
    assert locked.value.retry_after == 300
    lockouts = [r for r in caplog.records if "login lockout" in r.getMessage()]
    assert len(lockouts) == 1 and "account=ann" in lockouts[0].getMessage()
    # Case does not make another account to guess at.
    with pytest.raises(LoginLocked):
        t.check(" ANN ", "10.0.0.3")
    clock.now += 299
    with pytest.raises(LoginLocked) as later:
        t.check("ann", "10.0.0.2")
    assert later.value.retry_after == 1
    clock.now += 2
    t.check("ann", "10.0.0.2")  # lock over


def test_failures_outside_the_window_do_not_count() -> None:
    clock = Clock()
    t = throttle(clock)
    for _ in range(2):
        t.failed("ann", "10.0.0.1")
    clock.now += 61
    t.failed("ann", "10.0.0.1")
    t.check("ann", "10.0.0.1")


def test_address_locks_across_names_and_success_does_not_reset_it() -> None:
    clock = Clock()
    t = throttle(clock, account=100, address=5)
    for i in range(4):
        t.failed(f"namn{i}", "10.0.0.9")
    t.succeeded("attackerns-eget-konto")
    t.failed("namn5", "10.0.0.9")
    with pytest.raises(LoginLocked):
        t.check("vem-som-helst", "10.0.0.9")
    t.check("vem-som-helst", "10.0.0.10")


def test_success_clears_the_account_count() -> None:
    clock = Clock()
    t = throttle(clock)
    t.failed("ann", "a")
    t.failed("ann", "a")
    t.succeeded("ann")
    t.failed("ann", "a")
    t.failed("ann", "a")
    t.check("ann", "a")


def test_names_that_look_like_secrets_are_hashed_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = throttle(Clock(), account=1)
    with caplog.at_level(logging.WARNING, logger="kunskap.security"):
        t.failed("19850312-1234 Anna!", "a")
    message = caplog.records[-1].getMessage()
    assert "19850312" not in message and "account=sha256:" in message
