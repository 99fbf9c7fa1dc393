"""A complaint becomes overdue while the wall is open, and the wall shows it: the banner
appears by itself at a refresh (waited for by its selector, never by a sleep)."""

from __future__ import annotations

from datetime import timedelta

from geo import complaints as cp
from geo.clock import utcnow

WALL_OVERDUE = ".st-key-antt-complaint-overdue-live"
WALL_SOON = ".st-key-antt-complaint-due-soon-live"


def test_a_complaint_turns_overdue_on_the_open_wall(dashboard, open_page):
    store = dashboard.store
    site = store.frame("site").iloc[0]
    commune, hamlet = site["commune_code"], site["hamlet_code"]
    b = open_page(dashboard.url + f"/?wall=1&commune={commune}", session=dashboard.session())
    b.map_frame()  # the wall is up
    assert b.page.query_selector(WALL_OVERDUE) is None
    # The voter list's 5 days (Điều 33) run out a few seconds from now: due soon first.
    row = cp.receive(store, kind="khieu_nai", matter="voter_list", channel="in_person",
                     from_whom="voter", commune_code=commune, hamlet_code=hamlet,
                     actor="op",
                     received_at=utcnow() - timedelta(days=5) + timedelta(seconds=8))
    b.page.wait_for_selector(f"{WALL_SOON}, {WALL_OVERDUE}", timeout=30_000)
    banner = b.page.wait_for_selector(WALL_OVERDUE, timeout=60_000)
    assert "Đơn quá hạn: 1" in banner.inner_text()
    assert cp.register(store, [commune]).set_index("id").loc[row["id"], "state"] == "overdue"
    # Its hamlet puts it on the wall's map, in the overdue colour.
    b.map_frame().wait_for_selector(".antt-complaint-overdue", timeout=30_000,
                                    state="attached")
    assert b.blocked == [] and b.errors == []
