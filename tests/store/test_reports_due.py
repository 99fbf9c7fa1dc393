"""Reports sent upward (geo.upward) on both stores: what a commune owes, producing a report
for its period, marking it sent with the file kept, reading it back, scope and roles,
replay and migration."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from geo import incidents, upward
from geo.accounts import Forbidden
from geo.analysis.replay import state_at
from geo.clock import local_hour_utc, to_local, utcnow
from geo.errors import AnttError
from geo.reports_due import parse_schedule

from .. import geofixtures as fx
from ..conftest import live_state, make_account, report_args

HEADER = ("code,title,to_whom,recurrence,due,due_hour,every_hours,window_start,window_end,"
          "period_covered,soon_hours,commune_code,source,note")
# Tomorrow (Vietnam time): the accounts a test makes now write their events before it.
DAY = (to_local(utcnow()) + timedelta(days=1)).date()
YEARLY = DAY - timedelta(days=10)
SCHEDULE = parse_schedule("\n".join([
    HEADER,
    f"E2,Báo cáo nhanh ngày bầu cử,Công an huyện,every_hours,,,2,{DAY} 07:00,"
    f"{DAY} 21:00,since_previous,0.5,,issue 32,",
    f"Y6,Báo cáo 6 tháng,BCĐ 138 xã,yearly,{YEARLY:%d/%m},00:00,,2021-01-01,,half_year,168,,"
    "seed 003,",
]) + "\n")


def local(hour: float) -> datetime:
    """*hour* of DAY, Vietnam time, as UTC."""
    return local_hour_utc(DAY, hour)


NOW = local(12)


def _due(store, actor, now=NOW):
    return upward.due_reports(store, actor, now=now, schedule=SCHEDULE, lookback_days=30)


def test_due_late_and_next_for_the_communes_in_scope(loaded):
    rows = _due(loaded, "trực ban")
    states = [(r.occurrence.code, to_local(r.occurrence.due_at).hour, r.state) for r in rows]
    # At 12:00: 09:00 and 11:00 are late, 13:00 is next (an hour away, soon is 30 min);
    # 20/05 was late, 20/05 next year is next; only the next of each row shows
    assert states == [("Y6", 0, "late"), ("E2", 9, "late"), ("E2", 11, "late"),
                      ("E2", 13, "upcoming"), ("Y6", 0, "upcoming")]
    assert all(r.occurrence.commune_code == "C1" for r in rows)


def test_send_keeps_the_file_and_records_who_and_when(loaded):
    where = {"lon": fx.LON0 + fx.D / 2, "lat": fx.LAT0 + fx.D / 2}
    incidents.report(loaded, **report_args(**where, severity=3,
                                           description="Tụ tập trước nhà văn hóa"),
                     at=local(9.5))
    op = make_account(loaded, "operator", communes="C1")
    occ = next(r.occurrence for r in _due(loaded, op) if r.occurrence.due_at == local(11))
    row, produced = upward.send(loaded, occ, actor=op, fmt="html",
                                at=local(12))
    assert row["sent_by"] == op.username and row["sent_at"] == local(12)
    assert row["period_start"] == local(9) and row["key"] == occ.key
    html = produced.data.decode("utf-8")
    assert "<h1>Báo cáo nhanh ngày bầu cử</h1>" in html and "Công an huyện" in html
    assert "Báo cáo sơ kết công tác" not in html  # the schedule's title, not the review's
    assert "Tụ tập trước nhà văn hóa" in html  # the period's serious incident
    name, data = upward.sent_file(loaded, occ.key, actor=op)
    assert data == produced.data and name.endswith(".html") and name.startswith("E2_C1_")
    states = {r.key: r.state for r in _due(loaded, op)}
    assert states[occ.key] == "sent_late"
    event = loaded.events("upward_report", occ.key)
    assert list(event["action"]) == ["send"] and "<html" not in str(event["after"].iloc[0])
    # replayed, and the same again is refused with who sent it
    assert state_at(loaded)["upward_report"] == live_state(loaded)["upward_report"]
    with pytest.raises(AnttError, match=f"already sent by {op.username}"):
        upward.send(loaded, occ, actor=op, fmt="html")
    assert len(loaded.events("upward_report", occ.key)) == 1


def test_pdf_on_time(loaded):
    occ = next(r.occurrence for r in _due(loaded, "trực ban") if r.state == "upcoming")
    row, produced = upward.send(loaded, occ, actor="trực ban",
                                at=local(12.5))
    assert produced.data.startswith(b"%PDF") and row["format"] == "pdf"
    assert upward.sent_file(loaded, occ.key, actor="trực ban")[1] == produced.data
    assert {r.key: r.state for r in _due(loaded, "trực ban", local(14))
            }[occ.key] == "sent_on_time"


def test_roles_and_communes_are_checked(loaded):
    occ = _due(loaded, "trực ban")[0].occurrence
    viewer = make_account(loaded, "viewer")
    with pytest.raises(Forbidden):
        upward.send(loaded, occ, actor=viewer, fmt="html")
    other = make_account(loaded, "operator", username="op2", communes="C9")
    assert _due(loaded, other) == []
    with pytest.raises(Forbidden):
        upward.send(loaded, occ, actor=other, fmt="html")
    assert len(loaded.frame("upward_report")) == 0
    upward.send(loaded, occ, actor="trực ban", fmt="html")
    with pytest.raises(Forbidden):
        upward.sent_file(loaded, occ.key, actor=other)


def test_an_occurrence_is_found_by_its_key(loaded):
    occ = _due(loaded, "trực ban")[1].occurrence
    assert upward.find_occurrence(occ.key, SCHEDULE) == occ
    with pytest.raises(AnttError):
        upward.find_occurrence(f"E2@{local(10):%Y-%m-%dT%H:%M}Z@C1", SCHEDULE)


def test_antt_migrate_copies_the_sent_reports_and_their_files(loaded, new_database,
                                                               tmp_path):
    from geo.store import Store
    from geo.store.migrate import migrate

    occ = _due(loaded, "trực ban")[0].occurrence
    _, produced = upward.send(loaded, occ, actor="trực ban", fmt="html")
    target = Store(new_database(tmp_path, "target"))
    try:
        plan = migrate(loaded, target)
        assert not plan.conflicts
        assert upward.sent_file(target, occ.key, actor="trực ban")[1] == produced.data
        assert target.get("upward_report", occ.key)["sent_by"] == "trực ban"
    finally:
        target.close()


def _schedule_file(tmp_path, monkeypatch, *rows: str) -> None:
    path = tmp_path / "lich.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    monkeypatch.setenv("ANTT_REPORT_SCHEDULE", str(path))


def test_the_demo_sends_all_but_the_newest_late_report(loaded, tmp_path, monkeypatch):
    from geo.drills.demo import add_demo_reports

    today = to_local(utcnow()).date()
    _schedule_file(tmp_path, monkeypatch, *(
        f"D{n},Báo cáo {n},BCĐ 138 huyện,once,{today - timedelta(days=n)},08:00,,"
        f"{today - timedelta(days=40)},,window,24,,seed 002," for n in (3, 2)))
    assert add_demo_reports(loaded) == (1, 1)
    states = {r.occurrence.code: r.state for r in upward.due_reports(loaded, "trucban")}
    assert states == {"D3": "sent_on_time", "D2": "late"}
    row = loaded.frame("upward_report").iloc[0]
    assert row["sent_by"] == "trucban" and row["sent_at"] < row["due_at"]
    detail = loaded.events("upward_report")["detail"].iloc[0]
    assert "recorded_later" in detail


def test_export_writes_the_sent_reports_register(loaded, tmp_path, monkeypatch):
    from geo.io.exports import export

    from ..conftest import read_people_csv

    today = to_local(utcnow()).date()
    _schedule_file(tmp_path, monkeypatch,
                   f"D3,Báo cáo sơ kết thử,BCĐ 138 huyện,once,{today - timedelta(days=3)},"
                   f"08:00,,{today - timedelta(days=40)},,window,24,,seed 002,")
    occ = upward.due_reports(loaded, "trực ban")[0].occurrence
    upward.send(loaded, occ, actor="trực ban", fmt="html")
    files = export(loaded, tmp_path / "out", ["csv"])
    reg = next(f for f in files if f.name == "upward_reports.csv")
    text = reg.read_text(encoding="utf-8-sig")
    assert "Báo cáo sơ kết thử" in text and "Xã Thử" in text and "Người gửi" in text
    assert len(read_people_csv(reg)) == 1


def test_the_command_line_lists_and_makes_a_report(loaded, tmp_path, monkeypatch):
    import subprocess

    from ..conftest import PYTHON, ROOT, cli_env

    db = loaded.url or loaded.path  # the file, or the server's URL (path hides it)
    today = to_local(utcnow()).date()
    _schedule_file(tmp_path, monkeypatch,
                   f"D3,Báo cáo sơ kết thử,BCĐ 138 huyện,once,{today - timedelta(days=3)},"
                   f"08:00,,{today - timedelta(days=40)},,window,24,,seed 002,")
    loaded.close()

    def antt(*args):
        return subprocess.run([PYTHON, "-m", "geo.cli", "--lang", "vi", "--db", str(db),
                               *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env=cli_env(db))

    listed = antt("--json", "reports", "due")
    assert listed.returncode == 0, listed.stderr
    (due,) = json.loads(listed.stdout)
    assert due["state"] == "late" and due["title"] == "Báo cáo sơ kết thử"
    out = tmp_path / "bao-cao.pdf"
    made = antt("reports", "make", due["key"], "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert out.read_bytes().startswith(b"%PDF") and "ghi nhận đã gửi" in made.stdout
    again = antt("reports", "make", due["key"], "--out", str(tmp_path / "x.pdf"))
    assert again.returncode == 2 and "đã được" in again.stderr
    assert "Đã gửi muộn" in antt("reports", "due").stdout


def test_the_shipped_election_day_reports_follow_the_communes_calendar(loaded):
    """The shipped schedule's election-day row names the calendar ("calendar:election_day
    07:00"): with no calendar the commune owes none; with election day on DAY, one every
    two hours from 09:00, and the key made from it is found again."""
    from geo import calendar as cal
    from geo.reports_due import load_schedule

    shipped = load_schedule()
    codes = {r.occurrence.code for r in upward.due_reports(loaded, "trực ban", now=NOW,
                                                           schedule=shipped)}
    assert "BC-NGAY-BC" not in codes
    rows = cal.read_calendar((
        "code,kind,name,starts,ends,source\n"
        f"election_day,election_day,Ngày bầu cử,{DAY},{DAY},seeds/001\n").encode())
    cal.import_calendar(loaded, rows, actor="admin", source="f.csv")
    due = [r for r in upward.due_reports(loaded, "trực ban", now=NOW, schedule=shipped)
           if r.occurrence.code == "BC-NGAY-BC"]
    assert [(to_local(r.occurrence.due_at).hour, r.state) for r in due] == [
        (9, "late"), (11, "late"), (13, "upcoming")]
    assert {r.occurrence.commune_code for r in due} == {"C1"}
    assert upward.find_occurrence(due[0].key, store=loaded) == due[0].occurrence
