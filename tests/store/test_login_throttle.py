"""Logins cannot be turned against users: the lock belongs to the source, an unknown
name costs the same password check as a wrong password, a locked attempt costs none,
and the password check runs outside every store lock (writers never queue behind it)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from geo import accounts, units
from geo.accounts import LOCK_FAILURES, SOURCE_FAILURES, LoginFailed
from geo.clock import utcnow

from ..conftest import TEST_PASSWORD, make_account


class _Hasher:
    """The real argon2 hasher, with a hook before each verification."""

    def __init__(self, real, before) -> None:
        self.real, self.before = real, before

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, digest: str, password: str) -> bool:
        self.before(digest)
        return self.real.verify(digest, password)


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """Every argon2 verification made, by hash (the dummy hash shows as 'dummy')."""
    seen: list[str] = []

    def note(digest: str) -> None:
        seen.append("dummy" if accounts._DUMMY and digest == accounts._DUMMY[0] else "real")

    monkeypatch.setattr(accounts, "_HASHER", _Hasher(accounts._HASHER, note))
    return seen


def _fail(store, name: str, source: str, n: int) -> None:
    for _ in range(n):
        with pytest.raises(LoginFailed):
            accounts.login(store, name, "sai-mat-khau", source=source)


def test_lock_belongs_to_the_source(store, checks):
    make_account(store, "operator", username="tb1")
    _fail(store, "tb1", "10.0.0.66", LOCK_FAILURES)
    with pytest.raises(LoginFailed) as locked:
        accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.66")
    assert locked.value.locked_until is not None
    assert locked.value.locked_until > utcnow()
    # The real user, at another desk, gets in while the attacker is locked out.
    assert accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.5").username == "tb1"
    # ... and the attacker is still locked (a login elsewhere clears only its own source).
    with pytest.raises(LoginFailed) as still:
        accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.66")
    assert still.value.locked_until is not None


def test_a_locked_attempt_checks_no_password(store, checks):
    make_account(store, "operator", username="tb1")
    checks.clear()
    _fail(store, "tb1", "10.0.0.66", LOCK_FAILURES)
    assert len(checks) == LOCK_FAILURES
    _fail(store, "tb1", "10.0.0.66", 10)
    assert len(checks) == LOCK_FAILURES  # refused without argon2: a flood costs little


def test_a_source_failing_on_many_names_is_locked_for_all(store):
    make_account(store, "operator", username="tb1")
    for i in range(SOURCE_FAILURES):
        _fail(store, f"ten{i}", "10.0.0.66", 1)  # password spraying: one try a name
    with pytest.raises(LoginFailed) as locked:
        accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.66")
    assert locked.value.locked_until is not None
    assert accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.5").username == "tb1"


def test_the_lock_ends_with_its_window(store):
    make_account(store, "operator", username="tb1")
    t0 = utcnow()
    for i in range(LOCK_FAILURES):
        with pytest.raises(LoginFailed):
            accounts.login(store, "tb1", "sai", source="x", at=t0 + timedelta(seconds=i + 1))
    with pytest.raises(LoginFailed):
        accounts.login(store, "tb1", TEST_PASSWORD, source="x", at=t0 + timedelta(minutes=2))
    ok = accounts.login(store, "tb1", TEST_PASSWORD, source="x", at=t0 + timedelta(minutes=6))
    assert ok.username == "tb1"


def test_unknown_name_and_wrong_password_cost_one_check_each(store, checks):
    make_account(store, "operator", username="tb1")
    checks.clear()
    with pytest.raises(LoginFailed) as unknown:
        accounts.login(store, "khong-co-ai", "sai-mat-khau", source="a")
    with pytest.raises(LoginFailed) as wrong:
        accounts.login(store, "tb1", "sai-mat-khau", source="b")
    assert checks == ["dummy", "real"]  # the same argon2 work either way
    assert str(unknown.value) == str(wrong.value)


def test_unknown_name_never_matches_even_the_dummy_password(store):
    with pytest.raises(LoginFailed):
        accounts.login(store, "khong-co-ai", "", source="a")


def test_disabled_account_costs_a_check_and_is_refused(store, checks):
    make_account(store, "operator", username="tb1")
    admin = make_account(store, "admin", username="admin1")
    accounts.disable_user(store, admin, "tb1")
    checks.clear()
    with pytest.raises(LoginFailed):
        accounts.login(store, "tb1", TEST_PASSWORD, source="a")
    assert checks == ["real"]


def test_every_attempt_is_an_event_with_its_source(store):
    make_account(store, "operator", username="tb1")
    _fail(store, "tb1", "10.0.0.66", 1)
    accounts.login(store, "tb1", TEST_PASSWORD, source="10.0.0.5")
    ev = store.audit(actor="tb1")
    assert list(ev["action"])[:2] == ["login", "login_failed"]
    assert '"source": "10.0.0.66"' in ev["detail"].iloc[1]


def test_a_write_goes_through_while_a_password_is_checked(store, monkeypatch):
    """The password check holds no store lock: a writer completes while it runs. (With
    the check inside the write transaction, the writer would wait for it, and this test
    would find the writer unfinished when the check ends.)"""
    make_account(store, "operator", username="tb1")
    wrote = threading.Event()
    seen: list[bool] = []

    def write_meanwhile(digest: str) -> None:
        writer = threading.Thread(target=lambda: (units.register(
            store, code="T9", name="Tổ 9", actor="setup"), wrote.set()))
        writer.start()
        seen.append(wrote.wait(timeout=60))  # an event, not a timer: done or stuck

    monkeypatch.setattr(accounts, "_HASHER", _Hasher(accounts._HASHER, write_meanwhile))
    accounts.login(store, "tb1", TEST_PASSWORD, source="a")
    assert seen == [True]
    assert store.get("unit", "T9")["name"] == "Tổ 9"
