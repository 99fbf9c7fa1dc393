"""The duty shift on the board: an urgent incident alerts until acknowledged, a resolved
incident stays in view until closed, names instead of codes."""

import json

from geo import incidents as inc

from ..conftest import report_args
from .test_operations_pages import _demo_point


def test_an_urgent_incident_alerts_until_acknowledged(app, demo):
    row = inc.report(demo, **report_args(**_demo_point(demo), severity=4))
    minor = inc.report(demo, **report_args(**_demo_point(demo), severity=1))
    at = app("board")
    banner = [e.value for e in at.error]
    assert any("1 vụ việc khẩn chưa có người nhận" in b for b in banner), banner
    assert at.button(key=f"ack_board_{row['id']}")
    assert not [b for b in at.button if b.key == f"ack_board_{minor['id']}"]
    at.button(key=f"ack_board_{row['id']}").click().run()
    ev = demo.events("incident", row["id"])
    assert ev["action"].tolist() == ["report", "acknowledge"]
    assert ev["actor"].iloc[-1] == "trucban1"  # the record says who
    assert not any("chưa có người nhận" in e.value for e in at.error)
    assert any(f"Đã ghi nhận cảnh báo #{row['id']}" in s.value for s in at.success)
    assert inc.alerts(demo, inc.Filters()).empty


def test_a_resolved_incident_stays_in_view_until_closed(app, demo):
    row = inc.report(demo, **report_args(**_demo_point(demo)))
    team = demo.frame("unit").iloc[0]["code"]
    v = inc.verify(demo, row["id"], expected_version=1, actor="t")["version"]
    v = inc.dispatch(demo, row["id"], team, expected_version=v, actor="t")["version"]
    v = inc.arrive(demo, row["id"], expected_version=v, actor="t")["version"]
    at = app("board")
    at.selectbox(key="board_pick").set_value(row["id"]).run()
    at.button(key=f"do_resolve_{row['id']}").click().run()
    assert demo.get("incident", row["id"])["status"] == "resolved"
    # The default filter shows open incidents only; the resolved one has its own list.
    assert any(m.value.startswith("**Đã giải quyết, chờ kết thúc (1)") for m in at.markdown)
    assert at.selectbox(key="board_pick").value == row["id"]
    assert any(f"Vụ việc #{row['id']}: đã xử lý" in s.value for s in at.success)
    at.button(key=f"do_close_{row['id']}").click().run()
    assert demo.get("incident", row["id"])["status"] == "closed"


def test_the_board_shows_names_not_codes(app, demo):
    site = demo.frame("site").iloc[0]
    row = inc.report(demo, **report_args(lon=float(site["lon"]), lat=float(site["lat"])))
    team = demo.frame("unit").iloc[0]
    v = inc.verify(demo, row["id"], expected_version=1, actor="t")["version"]
    inc.dispatch(demo, row["id"], team["code"], expected_version=v, actor="t")
    at = app("board")
    table = at.dataframe[0].value
    cells = " ".join(str(v) for v in table.to_numpy().ravel())
    assert team["code"] not in cells and str(team["name"]) in cells
    assert str(site["hamlet_code"]) not in cells and "None" not in cells
    timeline = " ".join(str(v) for v in at.dataframe[-1].value.to_numpy().ravel())
    assert team["code"] not in timeline and str(team["name"]) in timeline
    assert json.loads(demo.events("incident", row["id"])["detail"].iloc[-1])["team_code"] == \
        team["code"]  # the record keeps the code; people read the name


def test_the_banner_lists_the_most_urgent_alerts_and_counts_the_rest(app, demo):
    """Many alerts (a province has hundreds): the banner lists ALERT_LINES of them, most
    severe first, then the longest waiting, and counts the rest; acknowledging one brings
    the next into the list."""
    from dashboard.alerts import ALERT_LINES

    rows = [inc.report(demo, **report_args(**_demo_point(demo), severity=3))
            for _ in range(ALERT_LINES + 2)]
    urgent = inc.report(demo, **report_args(**_demo_point(demo), severity=4))
    at = app("board")
    acks = [b.key for b in at.button if (b.key or "").startswith("ack_board_")]
    assert acks[0] == f"ack_board_{urgent['id']}"  # the most severe first, though newest
    assert acks[1:] == [f"ack_board_{r['id']}" for r in rows[:ALERT_LINES - 1]]  # oldest
    assert any(f"{ALERT_LINES + 3} vụ việc khẩn chưa có người nhận" in e.value for e in at.error)
    assert any(m.value.startswith("… và 3 vụ khẩn khác") for m in at.markdown)
    at.button(key=f"ack_board_{urgent['id']}").click().run()
    acks = [b.key for b in at.button if (b.key or "").startswith("ack_board_")]
    assert acks == [f"ack_board_{r['id']}" for r in rows[:ALERT_LINES]]
    assert any(m.value.startswith("… và 2 vụ khẩn khác") for m in at.markdown)
