"""geo.lifecycle.Lifecycle on its own: a status machine as data, no store."""

import pytest

from geo.errors import IllegalMove
from geo.incidents import LIFECYCLE
from geo.lifecycle import Lifecycle
from geo.sites import SITE_LIFECYCLE
from geo.units import UNIT_LIFECYCLE

DOOR = Lifecycle(
    entity="door",
    initial="shut",
    moves={
        "shut": {"open": "open", "lock": "locked"},
        "open": {"shut": "shut", "slam": "shut", "remove": "gone"},
        "locked": {"unlock": "shut"},
        "gone": {},
    },
)


@pytest.mark.parametrize(("status", "action", "after"), [
    ("shut", "open", "open"), ("shut", "lock", "locked"), ("open", "shut", "shut"),
    ("open", "slam", "shut"), ("open", "remove", "gone"), ("locked", "unlock", "shut"),
])
def test_legal_moves(status, action, after):
    assert DOOR.next(status, action) == after


@pytest.mark.parametrize(("status", "action"), [
    ("shut", "unlock"), ("locked", "open"), ("open", "open"), ("gone", "open"),
    ("shut", ""), ("nowhere", "open"), ("shut", "OPEN"),
])
def test_illegal_moves_raise_and_name_what_is_allowed(status, action):
    with pytest.raises(IllegalMove) as e:
        DOOR.next(status, action, entity_id=7)
    err = e.value
    assert (err.entity, err.entity_id, err.current, err.action) == ("door", 7, status, action)
    assert err.allowed == DOOR.allowed(status)
    assert err.code == "illegal_move"
    msg = str(err)
    assert f"door 7: '{action}' is not allowed from status '{status}'" in msg
    for a in err.allowed:
        assert a in msg


def test_an_illegal_move_from_a_final_state_says_so():
    with pytest.raises(IllegalMove) as e:
        DOOR.next("gone", "shut")
    assert e.value.allowed == []
    assert "none (final state)" in str(e.value)
    assert e.value.__cause__ is None and e.value.__suppress_context__  # no KeyError chained


def test_allowed_keeps_the_order_the_moves_are_written_in():
    assert DOOR.allowed("shut") == ["open", "lock"]
    assert DOOR.allowed("open") == ["shut", "slam", "remove"]
    assert DOOR.allowed("gone") == []
    assert DOOR.allowed("nowhere") == []  # an unknown status allows nothing
    got = DOOR.allowed("shut")
    got.append("kick")  # a copy: the machine is not changed through it
    assert DOOR.allowed("shut") == ["open", "lock"]


def test_final_states():
    assert DOOR.is_final("gone")
    assert DOOR.is_final("nowhere")  # no moves listed
    for status in ("shut", "open", "locked"):
        assert not DOOR.is_final(status), status


def test_statuses_initial_first_then_in_order_of_appearance_without_repeats():
    assert DOOR.statuses == ("shut", "open", "locked", "gone")
    only_targets = Lifecycle("x", "a", {"a": {"go": "b"}})  # b is never a source
    assert only_targets.statuses == ("a", "b")
    assert only_targets.is_final("b")
    assert Lifecycle("x", "solo", {}).statuses == ("solo",)


def test_frozen():
    with pytest.raises(AttributeError):
        DOOR.initial = "open"  # type: ignore[misc]


@pytest.mark.parametrize("lc", [LIFECYCLE, SITE_LIFECYCLE, UNIT_LIFECYCLE],
                         ids=lambda lc: lc.entity)
def test_the_products_machines_are_well_formed(lc):
    # Every status a move leads to is listed, and every status is reachable from the
    # initial one through legal moves only.
    seen, todo = {lc.initial}, [lc.initial]
    while todo:
        src = todo.pop()
        for action in lc.allowed(src):
            dst = lc.next(src, action)
            assert dst in lc.statuses, (src, action, dst)
            if dst not in seen:
                seen.add(dst)
                todo.append(dst)
    assert seen == set(lc.statuses)
    assert lc.statuses[0] == lc.initial
    assert not lc.is_final(lc.initial)


def test_the_incident_machine():
    assert LIFECYCLE.initial == "reported"
    path = ["verify", "dispatch", "arrive", "resolve", "close"]
    status = LIFECYCLE.initial
    for action in path:
        status = LIFECYCLE.next(status, action)
    assert status == "closed" and LIFECYCLE.is_final("closed")
    assert LIFECYCLE.next("dispatched", "reassign") == "dispatched"  # a move to itself
    for give_up, final in (("escalate", "escalated"), ("false_alarm", "false_alarm")):
        for open_status in ("reported", "verifying", "dispatched", "on_scene"):
            assert LIFECYCLE.next(open_status, give_up) == final
        assert LIFECYCLE.is_final(final)
        with pytest.raises(IllegalMove):
            LIFECYCLE.next("resolved", give_up)  # resolved only closes
    assert {s for s in LIFECYCLE.statuses if LIFECYCLE.is_final(s)} == {
        "closed", "escalated", "false_alarm"}
