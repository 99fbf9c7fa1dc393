"""A session is checked where it acts, and scope covers every entity a command names.

Every command run for a dashboard session checks that session inside its transaction:
after a logout (anywhere), a password change, the account's disabling or the session's
expiry, the command is refused and nothing is written, whatever page or callback called
it. Every command checks the commune scope of each entity it names (the team dispatched,
the site or target reported at, the incident a suspension links, the checkpoint checked
in at), and unknown codes are refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
import shapely

from geo import accounts, sites, units
from geo import incidents as inc
from geo.accounts import Forbidden, SessionEnded
from geo.errors import Invalid
from geo.store import Store

from ..conftest import TEST_PASSWORD, add_checkpoints, make_account, report_args


def _dashboard_account(store: Store, role: str, **kw) -> accounts.Account:
    """An account as the dashboard holds it: logged in, with its session's token."""
    who = make_account(store, role, **kw)
    token = accounts.start_session(store, who)
    return accounts.session_account(store, token)


def _end_by(store: Store, how: str, who: accounts.Account) -> accounts.Account:
    """End *who*'s session the way *how* says; the account as the open tab still has it."""
    if how == "disable":
        accounts.disable_user(store, _admin(store), who.username)
    elif how == "passwd":
        accounts.set_password(store, _admin(store), who.username, "mat-khau-moi-hoan-toan")
    elif how == "logout elsewhere":
        other = accounts.login(store, who.username, TEST_PASSWORD)
        accounts.logout(store, other)
    else:
        assert how == "expiry"
        token = "het-han-" + who.username
        store.transact(lambda tx: tx.open_session(accounts.token_hash(token), who.username,
                                                  tx.at))  # expired as it opens
        return replace(who, session=accounts.token_hash(token))
    return who


def _admin(store: Store) -> accounts.Account:
    if "admin0" not in {a.username for a in accounts.users(store)}:
        accounts.add_user(store, "setup", username="admin0", role="admin",
                          password=TEST_PASSWORD)
    return accounts.login(store, "admin0", TEST_PASSWORD)


def _commands(store: Store, who: accounts.Account) -> dict:
    """Each command an operator's tab may send, ready to run against *store*."""
    fresh = inc.report(store, **report_args(actor="setup"))
    sent = inc.report(store, **report_args(actor="setup", lon=106.531))
    sent = inc.verify(store, sent["id"], expected_version=1, actor="setup")
    return {
        "report": lambda: inc.report(store, **report_args(actor=who)),
        "verify": lambda: inc.verify(store, fresh["id"], expected_version=1, actor=who),
        "dispatch": lambda: inc.dispatch(store, sent["id"], "T1",
                                         expected_version=sent["version"], actor=who),
        "acknowledge": lambda: inc.acknowledge(store, fresh["id"], expected_version=1,
                                               actor=who),
        "note": lambda: inc.add_note(store, fresh["id"], "ghi chú", expected_version=1,
                                     actor=who),
        "site status": lambda: sites.move(store, "S1", "open", expected_version=1, actor=who),
        "team status": lambda: units.set_status(store, "T2", "start_patrol",
                                                expected_version=1, actor=who),
        "check in": lambda: units.check_in(store, "T1", "CP1", 106.53, 21.04, actor=who),
        "position": lambda: units.report_position(store, "T1", 106.53, 21.04, actor=who),
    }


COMMANDS = ("report", "verify", "dispatch", "acknowledge", "note", "site status",
            "team status", "check in", "position")


@pytest.mark.parametrize("how", ["disable", "passwd", "logout elsewhere", "expiry"])
@pytest.mark.parametrize("what", COMMANDS)
def test_an_ended_session_writes_nothing(staffed, how, what):
    who = _dashboard_account(staffed, "operator")
    tab = _end_by(staffed, how, who)
    run = _commands(staffed, tab)[what]
    before = staffed.counts()["events"]
    with pytest.raises(SessionEnded, match="has ended"):
        run()
    assert staffed.counts()["events"] == before


@pytest.mark.parametrize("what", COMMANDS)
def test_an_open_session_writes(staffed, what):
    """The same commands, the session open: each goes through (so the refusals above are
    the session's, not something else)."""
    who = _dashboard_account(staffed, "operator")
    before = staffed.counts()["events"]
    _commands(staffed, who)[what]()
    assert staffed.counts()["events"] > before


def test_the_tab_acts_with_the_stored_scope_not_the_remembered_one(staffed):
    """A tab remembers the account as it logged in; the command uses the account as it is
    stored now (an admin narrowing communes takes effect at the next click)."""
    who = _dashboard_account(staffed, "operator", communes=["C1"])
    widened = replace(who, communes=("*",))  # a tampered or stale copy
    other = inc.report(staffed, **report_args(actor="setup", commune_code="C2"))
    with pytest.raises(Forbidden, match="commune C2 is outside"):
        inc.verify(staffed, other["id"], expected_version=1, actor=widened)


def test_wall_token_revoked_is_refused_and_still_open_says_so(staffed):
    admin = _admin(staffed)
    row, token = accounts.create_wall_token(staffed, admin, "Màn hình")
    wall = accounts.wall_account(staffed, token)
    assert accounts.still_open(staffed, wall)
    accounts.revoke_wall_token(staffed, admin, row["id"])
    assert not accounts.still_open(staffed, wall)


@pytest.mark.parametrize("how", ["disable", "passwd", "logout elsewhere"])
def test_still_open_follows_the_session(staffed, how):
    who = _dashboard_account(staffed, "viewer")
    assert accounts.still_open(staffed, who)
    _end_by(staffed, how, who)
    assert not accounts.still_open(staffed, who)


# ---- scope of every referenced entity ---------------------------------------------------
@pytest.fixture
def two_communes(store: Store) -> Store:
    """Commune C1: team T1 (route R1, checkpoint CP1), team T3 (route R3, CP3), site S1,
    target TG1. Commune C2: team T2 (route R2, CP2), site S2, target TG2."""
    for code, commune, route in (("T1", "C1", "R1"), ("T2", "C2", "R2"), ("T3", "C1", "R3")):
        units.register(store, code=code, name=f"Tổ {code}", actor="setup", commune_code=commune,
                       route_code=route)
    for code, commune, x in (("S1", "C1", 106.53), ("S2", "C2", 106.60)):
        sites.register(store, code=code, name=f"Nhà văn hóa {code}", lon=x, lat=21.04,
                       actor="setup", commune_code=commune)
    targets = pd.DataFrame([{"code": code, "name": f"Mục tiêu {code}", "commune_code": c,
                             "props": json.dumps({}),
                             "geom": shapely.to_wkb(shapely.Point(x, 21.05))}
                            for code, c, x in (("TG1", "C1", 106.53), ("TG2", "C2", 106.60))])
    store.transact(lambda tx: tx.put_features("targets", targets, actor="setup",
                                              source="test", added=2, changed=0))
    add_checkpoints(store, {"CP1": ("R1", 106.53, 21.04), "CP2": ("R2", 106.60, 21.04),
                            "CP3": ("R3", 106.531, 21.041)})
    # The checkpoints' commune, as an import fills it from their route's team.
    rows = store.features("checkpoints")
    rows["commune_code"] = rows["code"].map({"CP1": "C1", "CP2": "C2", "CP3": "C1"})
    rows["geom"] = [bytes(g) for g in rows["geom"]]
    store.transact(lambda tx: tx.put_features("checkpoints", rows, actor="setup",
                                              source="test", added=0, changed=3))
    return store


def _refused(store: Store, run, error=Forbidden, match: str = "outside") -> None:
    before = store.counts()["events"]
    with pytest.raises(error, match=match):
        run()
    assert store.counts()["events"] == before


def test_dispatch_and_reassign_only_teams_in_scope(two_communes):
    s = two_communes
    op = _dashboard_account(s, "operator", communes=["C1"])
    row = inc.verify(s, inc.report(s, **report_args(actor="setup", commune_code="C1"))["id"],
                     expected_version=1, actor="setup")
    _refused(s, lambda: inc.dispatch(s, row["id"], "T2", expected_version=row["version"],
                                     actor=op), match="team T2 is in commune C2, outside")
    row = inc.dispatch(s, row["id"], "T1", expected_version=row["version"], actor=op)
    _refused(s, lambda: inc.reassign(s, row["id"], "T2", expected_version=row["version"],
                                     actor=op), match="team T2 is in commune C2")
    row = inc.reassign(s, row["id"], "T3", expected_version=row["version"], actor=op)
    assert row["team_code"] == "T3"
    assert s.get("unit", "T2")["status"] == "available"


@pytest.mark.parametrize("role", ["operator", "field"])
def test_report_only_at_sites_and_targets_in_scope(two_communes, role):
    s = two_communes
    who = _dashboard_account(s, role, communes=["C1"], unit="T1", site="S1")
    at_c1 = report_args(actor=who, commune_code="C1")
    _refused(s, lambda: inc.report(s, **at_c1, site_code="S2"),
             match="polling site S2 is in commune C2")
    _refused(s, lambda: inc.report(s, **at_c1, target_code="TG2"),
             match="key target TG2 is in commune C2")
    _refused(s, lambda: inc.report(s, **at_c1, target_code="TG-NOPE"), error=Invalid,
             match="unknown key target 'TG-NOPE'")
    _refused(s, lambda: inc.report(s, **at_c1, site_code="S-NOPE"), error=Invalid,
             match="unknown polling site 'S-NOPE'")
    row = inc.report(s, **at_c1, site_code="S1", target_code="TG1")
    assert (row["site_code"], row["target_code"]) == ("S1", "TG1")


def test_a_suspension_links_only_an_incident_in_scope(two_communes):
    s = two_communes
    op = _dashboard_account(s, "operator", communes=["C1"])
    theirs = inc.report(s, **report_args(actor="setup", commune_code="C2"))
    mine = inc.report(s, **report_args(actor="setup", commune_code="C1"))
    site = sites.move(s, "S1", "open", expected_version=1, actor=op)
    _refused(s, lambda: sites.move(s, "S1", "suspend", expected_version=site["version"],
                                   actor=op, reason="gây rối", incident_id=theirs["id"]),
             match=f"incident {theirs['id']} is in commune C2")
    done = sites.move(s, "S1", "suspend", expected_version=site["version"], actor=op,
                      reason="gây rối", incident_id=mine["id"])
    assert done["incident_id"] == mine["id"]


def test_check_in_only_at_the_teams_own_checkpoints(two_communes):
    s = two_communes
    field = _dashboard_account(s, "field", communes=["C1"], unit="T1")
    op = _dashboard_account(s, "operator", communes=["C1"], username="op-c1")
    everyone = _dashboard_account(s, "operator", username="op-all")
    # Another team's checkpoint in the same commune: refused for the field account and
    # for an operator alike (a check-in says "this team was there").
    for who in (field, op, everyone):
        _refused(s, lambda who=who: units.check_in(s, "T1", "CP3", 106.531, 21.041, actor=who),
                 error=Invalid, match="checkpoint CP3 is on route R3, not on team T1's route")
    # Another commune's team at its own checkpoint: out of the scoped operator's scope.
    _refused(s, lambda: units.check_in(s, "T2", "CP2", 106.60, 21.04, actor=op),
             match="commune C2 is outside")
    _refused(s, lambda: units.check_in(s, "T1", "CP-NOPE", 106.53, 21.04, actor=field),
             error=Invalid, match="unknown checkpoint 'CP-NOPE'")
    assert units.check_in(s, "T1", "CP1", 106.53, 21.04, actor=field)["last_checkpoint"] == "CP1"
    assert units.check_in(s, "T2", "CP2", 106.60, 21.04, actor=everyone)["last_checkpoint"] \
        == "CP2"


def test_within_scope_offers_only_what_the_command_accepts(two_communes):
    s = two_communes
    op = _dashboard_account(s, "operator", communes=["C1"])
    assert set(accounts.within_scope(s.frame("unit"), op)["code"]) == {"T1", "T3"}
    assert set(accounts.within_scope(s.frame("unit"), "setup")["code"]) == {"T1", "T2", "T3"}
