"""The complaints register's lifecycle as data (geo.complaints.LIFECYCLE): any sequence of
actions either moves along the table or is refused naming what is allowed, and every
status can still reach an end."""

from hypothesis import given
from hypothesis import strategies as st

from geo.complaints import ACTIONS, LIFECYCLE, OPEN, STAMPS
from geo.errors import IllegalMove

FINAL = ("closed", "refused", "forwarded")


@given(st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_any_sequence_moves_by_the_table_or_is_refused(actions):
    status = LIFECYCLE.initial
    for action in actions:
        allowed = LIFECYCLE.allowed(status)
        try:
            nxt = LIFECYCLE.next(status, action, 1)
        except IllegalMove as e:
            assert action not in allowed and e.allowed == allowed
            continue
        assert action in allowed and nxt in LIFECYCLE.statuses
        status = nxt
    assert status in LIFECYCLE.statuses


def test_the_ends_are_final_and_every_status_reaches_one():
    assert all(LIFECYCLE.is_final(s) for s in FINAL)
    assert set(OPEN) | {"answered"} == {s for s in LIFECYCLE.statuses if not
                                          LIFECYCLE.is_final(s)}
    for start in LIFECYCLE.statuses:
        seen, todo = set(), [start]
        while todo:
            s = todo.pop()
            seen.add(s)
            todo += [n for n in LIFECYCLE.moves.get(s, {}).values() if n not in seen]
        assert seen & set(FINAL), start
    # Every status a move reaches, but the first, is stamped with its time.
    assert set(STAMPS) == set(LIFECYCLE.statuses) - {LIFECYCLE.initial}
    # An extension never changes the status, and forwarding is open to every open one.
    assert all(LIFECYCLE.moves[s].get("extend", s) == s for s in OPEN)
    assert all("forward" in LIFECYCLE.allowed(s) for s in OPEN)
