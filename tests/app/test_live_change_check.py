"""The live page's change check: it reads the store again only when the event log moved
(or the refresh interval passed), and then at once."""

from geo import incidents as inc

from ..conftest import report_args


def test_live_page_reads_again_only_when_the_log_moved(app, demo, monkeypatch):
    monkeypatch.setenv("ANTT_REFRESH_SECONDS", "600")  # only a change can bring a read
    at = app("live")
    first = at.session_state["live_last"]
    assert first["live"] is not None  # the live layers rendered once for this snapshot
    at.run()
    again = at.session_state["live_last"]
    assert again["at"] == first["at"] and again["live"] is first["live"]
    assert again["reads"] == first["reads"]  # what the page shows the browser tests

    site = demo.frame("site").iloc[0]  # a report must lie inside a commune
    row = inc.report(demo, **report_args(lon=float(site["lon"]), lat=float(site["lat"])))
    at.run()
    moved = at.session_state["live_last"]
    assert moved["at"] > first["at"] and moved["reads"] == first["reads"] + 1
    assert row["id"] in set(moved["shown"]["id"].astype(int))
    marker = f'data-id="{row["id"]}"'
    assert marker not in first["live"][0] and marker in moved["live"][0].replace('\\"', '"')
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Vụ việc đang xử lý"] == str(len(moved["open_now"]))


def test_live_page_reads_again_when_the_filters_change(app, demo, monkeypatch):
    monkeypatch.setenv("ANTT_REFRESH_SECONDS", "600")
    at = app("live")
    first = at.session_state["live_last"]
    at.session_state["f_severity"] = [4]
    at.run()
    assert at.session_state["live_last"]["at"] > first["at"]
