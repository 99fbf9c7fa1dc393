"""A complaint becomes overdue while the wall is open, and the wall shows it: the banner
appears by itself at a refresh (waited for by its selector, never by a sleep), and its
marker on the map turns to the overdue colour.

The shipped rules end a deadline at 24:00 of its last day (Bộ luật Dân sự 2015, Điều 148);
to watch one pass within seconds, this wall runs on a rules file of the office's own
(``ANTT_COMPLAINT_RULES``) whose voter-list rule keeps the time of day (``same_time``)."""

from __future__ import annotations

from datetime import timedelta

from geo import complaints as cp
from geo.clock import utcnow
from geo.store import Store

from .conftest import Dashboard, demo_db, serve

WALL_OVERDUE = ".st-key-antt-complaint-overdue-live"
WALL_SOON = ".st-key-antt-complaint-due-soon-live"
RULES = ("code,kind,matter,step,start_event,days,day_type,extension_days,max_extensions,"
         "variant,legal_basis,note,ends\n"
         "voter_list_decide,khieu_nai,voter_list,decide,received,5,calendar,0,0,*,"
         "\"Luật Bầu cử 2015, Điều 33\",,same_time\n")


def test_a_complaint_turns_overdue_on_the_open_wall(tmp_path, open_page, monkeypatch):
    rules = tmp_path / "rules.csv"
    rules.write_text(RULES, encoding="utf-8")
    monkeypatch.setenv("ANTT_COMPLAINT_RULES", str(rules))  # this process reads them too
    db = demo_db(tmp_path)
    with serve(db, ANTT_COMPLAINT_RULES=str(rules)) as url:
        dashboard = Dashboard(url, Store(db))
        store = dashboard.store
        site = store.frame("site").iloc[0]
        commune, hamlet = site["commune_code"], site["hamlet_code"]
        b = open_page(dashboard.url + f"/?wall=1&commune={commune}",
                      session=dashboard.session())
        b.map_frame()  # the wall is up
        assert b.page.query_selector(WALL_OVERDUE) is None
        # The voter list's 5 days (Điều 33) run out a few seconds from now.
        row = cp.receive(store, kind="khieu_nai", matter="voter_list", channel="in_person",
                         from_whom="voter", commune_code=commune, hamlet_code=hamlet,
                         actor="op",
                         received_at=utcnow() - timedelta(days=5) + timedelta(seconds=8))
        b.page.wait_for_selector(f"{WALL_SOON}, {WALL_OVERDUE}", timeout=30_000)
        banner = b.page.wait_for_selector(WALL_OVERDUE, timeout=60_000)
        assert "Đơn quá hạn: 1" in banner.inner_text()
        assert cp.register(store, [commune]).set_index("id").loc[row["id"], "state"] == \
            "overdue"
        # Its hamlet puts it on the wall's map, in the overdue colour.
        b.map_frame().wait_for_selector(".antt-complaint-overdue", timeout=30_000,
                                        state="attached")
        assert b.blocked == [] and b.errors == []
        store.close()
