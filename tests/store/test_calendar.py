"""The election calendar in the store, on both stores: a file's rows become calendar
entries with events; loading it again changes nothing; a replaced file takes off the
rows it no longer has (kept in the log: a replay still sees them); scope and versions
hold; milestones prefer a commune's own row; and the review's per-phase figures agree
with a scenario counted by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from geo import calendar as cal
from geo import incidents as inc
from geo.accounts import Forbidden
from geo.analysis.replay import state_at
from geo.clock import local_to_utc
from geo.drills.demo import DEMO_CALENDAR
from geo.errors import NotFound, StaleVersion
from geo.store import Filters

from ..conftest import make_account, report_args

HEADER = "code,kind,name,starts,ends,commune_code,place_code,place,source\n"


def _rows(text: str) -> list[dict]:
    return cal.read_calendar((HEADER + text).encode("utf-8"))


def test_loading_a_calendar_twice_writes_it_once_with_events(store):
    rows = cal.read_calendar(DEMO_CALENDAR)
    first = cal.import_calendar(store, rows, actor="admin", source="hai-duong-2021.csv")
    assert first == {"added": len(rows), "changed": 0, "removed": 0, "unchanged": 0}
    again = cal.import_calendar(store, rows, actor="admin", source="hai-duong-2021.csv")
    assert again == {"added": 0, "changed": 0, "removed": 0, "unchanged": len(rows)}
    events = store.events("calendar_entry")
    assert len(events) == len(rows) and set(events["action"]) == {"add"}
    assert set(events["actor"]) == {"admin"}
    assert len(cal.entries(store, [])) == len(rows)


def test_a_replaced_file_takes_off_what_it_lacks_and_a_replay_still_sees_it(store):
    old = _rows("peak,phase,Cao điểm,2021-04-23,2021-06-23,,,,seeds/001\n"
                "extra,event,Mít tinh,2021-05-20 08:00,2021-05-20 10:00,,,Sân UBND,minh họa\n")
    cal.import_calendar(store, old, actor="admin", source="v1.csv",
                        at=datetime(2021, 4, 1))
    new = _rows("peak,phase,Cao điểm (sửa),2021-04-23,2021-06-30,,,,seeds/001 (sửa)\n")
    n = cal.import_calendar(store, new, actor="admin", source="v2.csv", replace=True,
                            at=datetime(2021, 4, 2))
    assert n == {"added": 0, "changed": 1, "removed": 1, "unchanged": 0}
    now = cal.entries(store, [])
    assert list(now["code"]) == ["peak"] and now["name"].iloc[0] == "Cao điểm (sửa)"
    before = state_at(store, datetime(2021, 4, 1, 12))["calendar_entry"]
    assert {r["code"] for r in before.values() if r["active"]} == {"peak", "extra"}
    assert store.get("calendar_entry", "*:extra")["active"] is False


def test_scope_and_roles(store, loaded):
    rows = _rows("c1ev,event,Văn nghệ,2021-05-22 19:30,2021-05-22 21:30,C1,,,minh họa\n")
    admin_c2 = make_account(store, "admin", username="qt2", communes="C2")
    with pytest.raises(Forbidden):  # a row of C1 by an admin of C2
        cal.import_calendar(store, rows, actor=admin_c2, source="f.csv")
    everyone = _rows("peak,phase,Cao điểm,2021-04-23,2021-06-23,,,,seeds/001\n")
    with pytest.raises(Forbidden):  # an every-commune row needs an every-commune account
        cal.import_calendar(store, everyone, actor=admin_c2, source="f.csv")
    operator = make_account(store, "operator")
    with pytest.raises(Forbidden):
        cal.import_calendar(store, rows, actor=operator, source="f.csv")
    assert store.events("calendar_entry").empty
    admin_c1 = make_account(store, "admin", username="qt1", communes="C1")
    cal.import_calendar(store, rows, actor=admin_c1, source="f.csv")
    assert list(cal.entries(store, ["C1"])["code"]) == ["c1ev"]
    assert cal.entries(store, ["C2"]).empty


def test_removing_names_the_version_it_read(store):
    (row,) = _rows("x,anniversary,30/4,2021-04-30,2021-04-30,,,,seeds/001\n")
    written = cal.add_entry(store, {**row, "starts": "2021-04-30", "ends": "2021-04-30"},
                            actor="admin")
    assert written["version"] == 1
    cal.add_entry(store, {**row, "name": "Kỷ niệm 30/4", "starts": "2021-04-30",
                          "ends": "2021-04-30"}, actor="admin")
    with pytest.raises(StaleVersion) as e:
        cal.remove_entry(store, "*:x", expected_version=1, actor="admin")
    assert e.value.current == 2
    cal.remove_entry(store, "*:x", expected_version=2, actor="admin")
    assert cal.entries(store, []).empty
    with pytest.raises(NotFound):
        cal.remove_entry(store, "*:nothing", expected_version=1, actor="admin")


def test_milestones_prefer_a_communes_own_row(store):
    rows = _rows("voter_list_posted,milestone,Niêm yết,2021-04-13,,,,,Điều 32\n"
                 "voter_list_posted,milestone,Niêm yết (C1),2021-04-10,,C1,,,Điều 32\n"
                 "election_day,election_day,Bầu cử,2021-05-23,2021-05-23,,,,seeds/001\n")
    cal.import_calendar(store, rows, actor="admin", source="f.csv")
    assert cal.milestones(store, "C1") == {"voter_list_posted": datetime(2021, 4, 9, 17),
                                           "election_day": datetime(2021, 5, 22, 17)}
    assert cal.milestones(store, "C2")["voter_list_posted"] == datetime(2021, 4, 12, 17)


def _hand_scenario(store) -> None:
    """Phases: preparation 1–2/5, peak 3–9/5, election day 5/5 (inside the peak).
    Incidents (Vietnam time): 1/5 10:00 sev 2 · 2/5 23:59 sev 3 · 3/5 00:00 sev 4 ·
    5/5 08:00 complaint sev 2 · 5/5 23:00 sev 3 · 9/5 12:00 sev 1 · 10/5 00:00 (after
    every phase). By hand: preparation 2 (1 serious) over 2 days = 1.00/day; peak 4
    (2 serious, 1 complaint) over 7 days = 0.57/day; election day 2 (1 serious, 1
    complaint) over 1 day."""
    cal.import_calendar(store, _rows(
        "preparation,phase,Chuẩn bị,2021-05-01,2021-05-02,,,,x\n"
        "peak,phase,Cao điểm,2021-05-03,2021-05-09,,,,x\n"
        "election_day,election_day,Ngày bầu cử,2021-05-05,2021-05-05,,,,x\n"),
        actor="admin", source="f.csv", at=datetime(2021, 4, 1))
    for local, sev, kind in ((datetime(2021, 5, 1, 10), 2, "disorder"),
                             (datetime(2021, 5, 2, 23, 59), 3, "disorder"),
                             (datetime(2021, 5, 3, 0, 0), 4, "fire"),
                             (datetime(2021, 5, 5, 8), 2, "complaint"),
                             (datetime(2021, 5, 5, 23), 3, "gathering"),
                             (datetime(2021, 5, 9, 12), 1, "traffic"),
                             (datetime(2021, 5, 10, 0), 4, "fire")):
        inc.report(store, **report_args(severity=sev, kind=kind), at=local_to_utc(local))


HAND = {"preparation": (2.0, 2, 1.0, 1, 0), "peak": (7.0, 4, 0.57, 2, 1),
        "election_day": (1.0, 2, 2.0, 1, 1)}


def test_incidents_per_phase_match_a_scenario_counted_by_hand(store):
    _hand_scenario(store)
    table = cal.phase_table(store, Filters(statuses=[]), cal.entries(store, []))
    got = {r["code"]: (r["days"], r["incidents"], r["per_day"], r["serious"], r["complaints"])
           for r in table.to_dict("records")}
    assert got == HAND


def test_the_written_review_compares_the_phases(store):
    from geo.clock import parse_period
    from geo.io.report import build_review, render_html, render_pdf

    from .test_review import _text
    _hand_scenario(store)
    rev = build_review(store, parse_period("2021-05-05"))
    got = {r["code"]: (r["days"], r["incidents"], r["per_day"], r["serious"], r["complaints"])
           for r in rev.phases.to_dict("records")}
    assert got == HAND
    html = render_html(rev)
    assert "So sánh các giai đoạn của lịch bầu cử" in html
    assert "<td>Cao điểm</td><td>03/05/2021 – 09/05/2021</td><td>7</td><td>4</td>" \
        "<td>0,57</td>" in html
    pdf = _text(render_pdf(rev))
    assert "So sánh các giai đoạn của lịch bầu cử" in pdf and "0,57" in pdf


def test_the_csv_export_carries_the_calendar_in_words(store, tmp_path):
    from geo.io.exports import export

    cal.import_calendar(store, cal.read_calendar(DEMO_CALENDAR), actor="admin",
                        source="hai-duong-2021.csv")
    files = {f.name: f for f in export(store, tmp_path, ["csv"])}
    text = files["calendar.csv"].read_text(encoding="utf-8-sig")
    head = text.splitlines()[0]
    assert head.startswith("Mã,Loại,Nội dung,Xã") and "Căn cứ" in head
    assert "Giai đoạn" in text and "2021-04-23 00:00:00" in text  # the peak, Vietnam time
    assert "từ ngày 23/4/2021 đến ngày 23/6/2021" in text
