"""Accounts and roles: the role matrix (every command × every role), passwords, lockout,
sessions, wall tokens, commune scope, and the CLI's user commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from geo import accounts, sites, units
from geo import incidents as inc
from geo.accounts import Forbidden, LoginFailed
from geo.clock import utcnow
from geo.errors import Invalid
from geo.store import Store

from ..conftest import TEST_PASSWORD, add_accounts, make_account, report_args
from ..helpers_accounts import ROLES
from .test_cli import antt

# The table, written out independently of geo.accounts.PERMISSIONS.
OPS = {"operator", "commander"}
EXPECTED = {
    "report": {"field"} | OPS,
    "verify": OPS, "dispatch": OPS, "reassign": OPS, "arrive": OPS, "resolve": OPS,
    "note": OPS,
    "close": {"commander"}, "escalate": {"commander"}, "false_alarm": {"commander"},
    "site status": {"field"} | OPS,
    "team status": OPS,
    "check in": {"field"} | OPS,
    "register team (layers)": {"admin"},
    "add account": {"admin"},
    "wall token": {"admin"},
}
# The state an incident must be in for each move, reached by an in-process actor.
_BEFORE = {"verify": [], "escalate": [], "false_alarm": [], "note": [],
           "dispatch": ["verify"], "reassign": ["verify", "dispatch"],
           "arrive": ["verify", "dispatch"], "resolve": ["verify", "dispatch", "arrive"],
           "close": ["verify", "dispatch", "arrive", "resolve"]}


def _incident_at(store: Store, steps: list[str]) -> dict:
    row = inc.report(store, **report_args(actor="setup"))
    for step in steps:
        row = inc.move(store, row["id"], step, expected_version=row["version"], actor="setup",
                       team_code="T1" if step == "dispatch" else None)
    return row


def _command(store: Store, what: str):
    """A function of the actor that runs the command *what*."""
    if what == "report":
        return lambda a: inc.report(store, **report_args(actor=a))
    if what in _BEFORE:
        row = _incident_at(store, _BEFORE[what])
        return lambda a: inc.move(store, row["id"], what, expected_version=row["version"],
                                  actor=a, team_code="T2" if what in ("dispatch", "reassign")
                                  else None, note="ghi chú" if what == "note" else None)
    if what == "site status":
        return lambda a: sites.move(store, "S1", "open", expected_version=1, actor=a)
    if what == "team status":
        return lambda a: units.set_status(store, "T1", "start_patrol", expected_version=1,
                                          actor=a)
    if what == "check in":
        return lambda a: units.check_in(store, "T1", "CP1", 106.53, 21.04, actor=a)
    if what == "register team (layers)":
        return lambda a: units.register(store, code="T9", name="Tổ 9", actor=a)
    if what == "add account":
        return lambda a: accounts.add_user(store, a, username="moi", role="viewer",
                                           password=TEST_PASSWORD)
    assert what == "wall token"
    return lambda a: accounts.create_wall_token(store, a, "Màn hình")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", list(EXPECTED))
def test_role_matrix(staffed, role, what):
    run = _command(staffed, what)
    who = make_account(staffed, role, unit="T1", site="S1")
    before = staffed.counts()["events"]
    if role in EXPECTED[what]:
        run(who)
        assert staffed.counts()["events"] > before
    else:
        with pytest.raises(Forbidden, match="needs the role"):
            run(who)
        assert staffed.counts()["events"] == before  # refused: nothing written


def test_field_account_acts_for_its_own_team_and_site_only(staffed):
    sites.register(staffed, code="S2", name="Nhà văn hóa 2", lon=106.531, lat=21.041,
                   actor="setup")
    field = make_account(staffed, "field", unit="T1", site="S1")
    before = staffed.counts()["events"]
    with pytest.raises(Forbidden, match="team T1 only"):
        units.check_in(staffed, "T2", "CP1", 106.53, 21.04, actor=field)
    with pytest.raises(Forbidden, match="site S1 only"):
        sites.move(staffed, "S2", "open", expected_version=1, actor=field)
    assert staffed.counts()["events"] == before
    units.check_in(staffed, "T1", "CP1", 106.53, 21.04, actor=field)
    sites.move(staffed, "S1", "open", expected_version=1, actor=field)


def test_commune_scope_limits_what_an_account_changes(staffed):
    other = inc.report(staffed, **report_args(actor="setup", commune_code="C2"))
    mine = inc.report(staffed, **report_args(actor="setup", commune_code="C1"))
    op = make_account(staffed, "operator", communes=["C1"])
    before = staffed.counts()["events"]
    with pytest.raises(Forbidden, match="commune C2 is outside"):
        inc.verify(staffed, other["id"], expected_version=1, actor=op)
    with pytest.raises(Forbidden, match="commune C2 is outside"):
        inc.report(staffed, **report_args(actor=op, commune_code="C2"))
    assert staffed.counts()["events"] == before
    assert inc.verify(staffed, mine["id"], expected_version=1, actor=op)["status"] == \
        "verifying"


def test_events_record_the_account_not_typed_text(staffed):
    op = make_account(staffed, "operator", username="tb1", display_name="Trực ban <b>1</b>")
    row = inc.report(staffed, **report_args(actor=op))
    assert row["created_by"] == "tb1"
    ev = staffed.events("incident", row["id"])
    assert list(ev["actor"]) == ["tb1"]
    assert accounts.display_names(staffed)["tb1"] == "Trực ban <b>1</b>"


# ---- passwords, logins, lockout ----------------------------------------------------------------
def test_password_is_argon2id_and_never_in_the_event_log(store):
    accounts.add_user(store, "setup", username="a", role="admin", password=TEST_PASSWORD)
    with store._cursor() as cur:  # the hash itself: only the store speaks SQL, tests may look
        digest = cur.rows("SELECT password_hash FROM credentials")[0][0]
    assert digest.startswith("$argon2id$")
    events = store.events()
    assert not any(TEST_PASSWORD in str(v) or "$argon2" in str(v)
                   for v in events.to_numpy().ravel())


def test_wrong_password_unknown_and_disabled_users_are_refused_alike(store):
    admin = make_account(store, "admin", username="admin")
    make_account(store, "operator", username="tb")
    messages = set()
    for name, pw in (("tb", "sai-mat-khau"), ("khong-co", TEST_PASSWORD), ("", "")):
        with pytest.raises(LoginFailed) as e:
            accounts.login(store, name, pw)
        messages.add(str(e.value))
    accounts.disable_user(store, admin, "tb")
    with pytest.raises(LoginFailed) as e:
        accounts.login(store, "tb", TEST_PASSWORD)
    messages.add(str(e.value))
    assert len(messages) == 1  # says nothing about which part was wrong
    failed = store.audit(action="login_failed")
    assert len(failed) == 4


def test_five_failures_in_five_minutes_lock_the_name_for_five_minutes(store):
    make_account(store, "operator", username="tb")
    t0 = utcnow() + timedelta(hours=1)  # after the setup's own events
    for k in range(5):
        with pytest.raises(LoginFailed):
            accounts.login(store, "tb", "sai", at=t0 + timedelta(seconds=k))
    with pytest.raises(LoginFailed) as e:  # the right password, but locked
        accounts.login(store, "tb", TEST_PASSWORD, at=t0 + timedelta(seconds=10))
    assert e.value.locked_until is not None
    later = t0 + timedelta(minutes=5, seconds=5)
    assert accounts.login(store, "tb", TEST_PASSWORD, at=later).username == "tb"


def test_sessions_expire_end_on_logout_everywhere_and_on_disable(store, monkeypatch):
    admin = make_account(store, "admin", username="admin")
    op = make_account(store, "operator", username="tb")
    one, two = accounts.start_session(store, op), accounts.start_session(store, op)
    assert accounts.session_account(store, one).username == "tb"
    accounts.logout(store, op)
    assert accounts.session_account(store, one) is None
    assert accounts.session_account(store, two) is None  # every browser
    three = accounts.start_session(store, op)
    accounts.disable_user(store, admin, "tb")
    assert accounts.session_account(store, three) is None
    monkeypatch.setenv("ANTT_SESSION_HOURS", "-1")  # a session that has already expired
    assert accounts.session_account(store, accounts.start_session(store, admin)) is None
    assert accounts.session_account(store, "not-a-token") is None
    assert [r for r in store.audit(action="logout")["actor"]] == ["tb"]


def test_wall_token_is_a_viewer_until_revoked(store):
    admin = make_account(store, "admin", username="admin")
    row, token = accounts.create_wall_token(store, admin, "Màn hình phòng chỉ huy", ["10732"])
    wall = accounts.wall_account(store, token)
    assert wall.role == "viewer" and wall.communes == ("10732",)
    assert token not in json.dumps(store.events()["after"].tolist())  # only its hash
    with pytest.raises(Forbidden):
        inc.report(store, **report_args(actor=wall))
    accounts.revoke_wall_token(store, admin, row["id"])
    assert accounts.wall_account(store, token) is None


def test_first_account_needs_no_login_then_only_admins_add(store):
    assert accounts.needs_bootstrap(store)
    accounts.add_user(store, make_bootstrap_actor(), username="admin", role="admin",
                      password=TEST_PASSWORD)
    op = make_account(store, "operator", username="tb")
    with pytest.raises(Forbidden):
        accounts.add_user(store, op, username="x", role="admin", password=TEST_PASSWORD)
    with pytest.raises(Invalid, match="password"):
        accounts.add_user(store, "setup", username="y", role="viewer", password="short")
    with pytest.raises(Invalid, match="role"):
        accounts.add_user(store, "setup", username="z", role="boss", password=TEST_PASSWORD)


def make_bootstrap_actor() -> str:
    return "setup:test"


# ---- the command line ---------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_user_commands(tmp_path):
    db = tmp_path / "u.duckdb"
    r = antt(db, "init", "--empty")
    assert "antt user add admin --role admin" in r.stdout
    r = antt(db, "--password-stdin", "user", "add", "admin", "--role", "admin",
             input=TEST_PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    r = antt(db, "--user", "admin", "--password-stdin", "user", "add", "tb", "--role",
             "operator", "--commune", "10732", "--display-name", "Trực ban 1",
             input="mat-khau-cua-tb\n")
    assert r.returncode == 0, r.stderr
    r = antt(db, "--user", "admin", "user", "list")
    assert "tb" in r.stdout and "operator" in r.stdout and "10732" in r.stdout
    r = antt(db, "--user", "tb", "incident", "report", "--kind", "fire", "--severity", "2",
             "--lon", "106.5", "--lat", "21", "--source", "patrol")
    assert r.returncode == 2 and "error:" in r.stderr  # the tests' password is not tb's
    r = antt(db, "--user", "admin", "--password-stdin", "user", "passwd", "tb",
             input="mat-khau-moi-cua-tb\n")
    assert r.returncode == 0, r.stderr
    r = antt(db, "--user", "admin", "wall-token", "create", "Màn hình", "--commune", "10732")
    assert r.returncode == 0 and "?wall=1&token=" in r.stdout and "&commune=10732" in r.stdout
    r = antt(db, "--user", "admin", "user", "disable", "tb")
    assert r.returncode == 0
    r = antt(db, "--user", "nobody", "user", "list")
    assert r.returncode == 2 and "wrong user name or password" in r.stderr


def test_cli_refused_command_names_the_role_and_writes_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    add_accounts(db, xem="viewer")
    store = Store(db)
    before = store.counts()["events"]
    store.close()
    r = antt(db, "--user", "xem", "incident", "report", "--kind", "fire", "--severity", "2",
             "--lon", "106.5", "--lat", "21", "--source", "patrol")
    assert r.returncode == 2
    assert "'incident.report' needs the role field or operator or commander" in r.stderr
    store = Store(db)
    assert store.counts()["events"] == before + 1  # the login only
    assert store.incidents().empty
    store.close()
