"""The complaints register on both stores: receiving, the lifecycle and its refusals,
extensions counted against the rule, versions, commune scope, the events and their replay,
the deadline states and the acknowledgement of an overdue alert."""

import json
from datetime import datetime, timedelta

import pytest

from geo import complaints as cp
from geo.accounts import Forbidden
from geo.analysis.replay import state_at
from geo.errors import IllegalMove, Invalid, StaleVersion

from ..conftest import make_account

T0 = datetime(2026, 3, 2, 2, 0)  # 09:00 Vietnam time


def receive(store, who="op", **kw):
    args = {"kind": "khieu_nai", "matter": "public_order", "channel": "in_person",
            "from_whom": "citizen", "commune_code": "C1", "summary": "Tranh chấp lối đi",
            "actor": who, "at": T0}
    return cp.receive(store, **{**args, **kw})


def test_receive_and_move_through_the_lifecycle_with_events(loaded):
    c = receive(loaded, hamlet_code="C1-H2", place="Cổng nhà văn hóa")
    assert (c["status"], c["version"], c["received_at"]) == ("received", 1, T0)
    c = cp.move(loaded, c["id"], "accept", expected_version=1, actor="op",
                at=T0 + timedelta(days=1))
    c = cp.move(loaded, c["id"], "start", expected_version=2, actor="op",
                at=T0 + timedelta(days=2))
    c = cp.move(loaded, c["id"], "answer", expected_version=3, actor="op", note="Đã trả lời",
                at=T0 + timedelta(days=5))
    c = cp.move(loaded, c["id"], "close", expected_version=4, actor="op",
                at=T0 + timedelta(days=6))
    assert c["status"] == "closed" and c["version"] == 5
    assert c["accepted_at"] == T0 + timedelta(days=1)
    ev = loaded.events("complaint", c["id"])
    assert list(ev["action"]) == ["receive", "accept", "start", "answer", "close"]
    reg = cp.register(loaded, ["C1"], now=T0 + timedelta(days=7))
    assert reg.iloc[0]["state"] == "answered_on_time" and reg.iloc[0]["rule"] == "kn_decide"


def test_illegal_moves_are_refused_and_write_nothing(loaded):
    c = receive(loaded)
    with pytest.raises(IllegalMove, match="'close' is not allowed from status 'received'"):
        cp.move(loaded, c["id"], "close", expected_version=1, actor="op")
    with pytest.raises(IllegalMove, match="'start' is not allowed from status 'received'"):
        cp.move(loaded, c["id"], "start", expected_version=1, actor="op")
    with pytest.raises(Invalid, match="competent body"):
        cp.move(loaded, c["id"], "forward", expected_version=1, actor="op")
    with pytest.raises(Invalid, match="unknown|not one of"):
        cp.move(loaded, c["id"], "fly", expected_version=1, actor="op")
    assert loaded.get("complaint", c["id"])["version"] == 1
    f = cp.move(loaded, c["id"], "forward", expected_version=1, actor="op",
                body="Ủy ban bầu cử huyện")
    assert (f["status"], f["forwarded_to"]) == ("forwarded", "Ủy ban bầu cử huyện")
    with pytest.raises(IllegalMove):
        cp.move(loaded, c["id"], "accept", expected_version=2, actor="op")


def test_bad_input_names_each_field(loaded):
    with pytest.raises(Invalid) as e:
        receive(loaded, kind="gossip", matter="neighbour", channel="pigeon",
                from_whom="Nguyễn Văn A", lon=106.5)
    fields = {p.field for p in e.value.problems}
    assert {"kind", "matter", "channel", "from_whom", "lat"} <= fields
    with pytest.raises(Invalid, match="unknown hamlet"):
        receive(loaded, hamlet_code="NOPE")
    assert loaded.frame("complaint").empty


def test_a_stale_version_is_refused_naming_who_changed_it(loaded):
    c = receive(loaded)
    cp.move(loaded, c["id"], "accept", expected_version=1, actor="chi")
    with pytest.raises(StaleVersion, match="chi"):
        cp.move(loaded, c["id"], "refuse", expected_version=1, actor="op")
    assert loaded.get("complaint", c["id"])["status"] == "accepted"


def test_extensions_count_against_the_rule(loaded):
    c = receive(loaded, kind="to_cao")
    t1 = T0 + timedelta(hours=1)
    c = cp.move(loaded, c["id"], "accept", expected_version=1, actor="op", at=t1)
    c = cp.move(loaded, c["id"], "extend", expected_version=2, actor="op",
                at=t1 + timedelta(seconds=1))
    c = cp.move(loaded, c["id"], "extend", expected_version=3, actor="op",
                at=t1 + timedelta(seconds=2))
    assert c["extensions"] == 2
    with pytest.raises(Invalid, match="no extension left"):
        cp.move(loaded, c["id"], "extend", expected_version=4, actor="op",
                at=t1 + timedelta(seconds=3))
    reg = cp.register(loaded, now=t1)
    # 30 + 2 × 30 days (Luật Tố cáo, Điều 30) end on Sun 31/5: the end of Mon 1/6.
    assert reg.iloc[0]["due"] == datetime(2026, 6, 1, 17)


def test_scope_and_roles(loaded):
    other = make_account(loaded, "operator", username="op2", communes=["C2"])
    with pytest.raises(Forbidden):
        receive(loaded, who=other, at=None)
    viewer = make_account(loaded, "viewer", username="v1")
    with pytest.raises(Forbidden):
        receive(loaded, who=viewer, at=None)
    mine = receive(loaded, who=make_account(loaded, "operator", username="op1",
                                              communes=["C1"]), at=None)
    with pytest.raises(Forbidden):
        cp.move(loaded, mine["id"], "accept", expected_version=1, actor=other)
    assert mine["created_by"] == "op1"
    assert cp.register(loaded, ["C2"]).empty and len(cp.register(loaded, ["C1"])) == 1


def test_states_overdue_due_soon_and_acknowledgement(loaded):
    voter = receive(loaded, matter="voter_list")  # decided within 5 days of receipt
    plain = receive(loaded, at=T0 + timedelta(seconds=1))  # accepted within 10 days
    # Received Mon 2/3 09:00: the 5th day is a Saturday, so the end of Mon 9/3 (17:00 UTC).
    now = datetime(2026, 3, 9, 17, 1)
    reg = cp.register(loaded, now=now).set_index("id")
    assert reg.loc[voter["id"], "state"] == "overdue"
    assert reg.loc[voter["id"], "legal_basis"].endswith("Điều 33 khoản 1")
    assert reg.loc[plain["id"], "state"] == "on_time"
    soon = datetime(2026, 3, 12, 2)  # 15 h before the end of Thu 12/3 (10 days)
    assert cp.register(loaded, now=soon).set_index("id").loc[plain["id"], "state"] == \
        "due_soon"
    assert list(cp.alerts(loaded, now=now)["id"]) == [voter["id"]]
    with pytest.raises(Invalid, match="nothing to acknowledge"):
        cp.acknowledge(loaded, plain["id"], expected_version=1, actor="op", now=now)
    cp.acknowledge(loaded, voter["id"], expected_version=1, actor="op", now=now)
    assert cp.alerts(loaded, now=now).empty
    assert loaded.events("complaint", voter["id"]).iloc[-1]["actor"] == "op"


def test_a_milestone_rule_without_its_date_says_so(loaded):
    late = receive(loaded, kind="to_cao", matter="candidate")
    # Received, it is due to be accepted (Luật Tố cáo); once accepted, the election
    # law's cutoff 10 days before election day applies, which needs that day's date.
    assert cp.register(loaded, now=T0, calendar={"C1": {}}).iloc[0]["rule"] == "tc_accept"
    cp.move(loaded, late["id"], "accept", expected_version=1, actor="op",
            at=T0 + timedelta(hours=1))
    reg = cp.register(loaded, now=T0, calendar={"C1": {}})
    assert reg.iloc[0]["no_due"] == "election_day" and reg.iloc[0]["state"] == "no_deadline"
    reg = cp.register(loaded, now=T0, calendar={"C1": {"election_day": T0 + timedelta(days=5)}})
    assert reg.iloc[0]["state"] == "overdue" and reg.iloc[0]["id"] == late["id"]


def test_replay_rebuilds_the_register(loaded):
    c = receive(loaded)
    cp.move(loaded, c["id"], "accept", expected_version=1, actor="op",
            at=T0 + timedelta(hours=2))
    before = state_at(loaded, T0 + timedelta(hours=1))["complaint"][str(c["id"])]
    after = state_at(loaded)["complaint"][str(c["id"])]
    assert (before["status"], after["status"]) == ("received", "accepted")
    assert loaded.frame_at("complaint", T0 + timedelta(hours=1)).iloc[0]["status"] == "received"


def test_demo_complaints_show_every_state_and_one_is_overdue(loaded):
    from geo.clock import utcnow
    from geo.drills.demo_complaints import DEMO_COMPLAINTS, add_demo_complaints

    rows = add_demo_complaints(loaded, utcnow())
    assert len(rows) == len(DEMO_COMPLAINTS)
    states = cp.register(loaded, ["C1"]).set_index("id")["state"]
    assert (states == "overdue").sum() == 1
    assert {"answered_on_time", "no_deadline", "on_time"} <= set(states)
    assert all(r["hamlet_code"] for r in rows)


def test_export_and_review_carry_the_register(loaded, tmp_path):
    import pandas as pd

    from geo.io.exports import export

    voter = receive(loaded, matter="voter_list")
    cp.move(loaded, voter["id"], "answer", expected_version=1, actor="op",
            at=T0 + timedelta(days=1))
    receive(loaded, kind="to_cao", at=T0 + timedelta(days=1, seconds=1))
    files = export(loaded, tmp_path / "out", ["csv"])
    csv = tmp_path / "out" / "complaints.csv"
    assert csv in files
    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(frame["Loại đơn"]) == ["Tố cáo", "Khiếu nại"]
    assert list(frame["Tình trạng hạn"]) [1] == "Trả lời đúng hạn"
    lines = dict(cp.review_summary(loaded, T0, T0 + timedelta(days=60), ["C1"]))
    assert lines["Đơn khiếu nại, tố cáo, kiến nghị, phản ánh tiếp nhận"] == "2"
    assert lines["Đơn trả lời đúng hạn / đã trả lời"] == "1 / 1"
    assert lines["Đơn quá hạn chưa trả lời"] == "1"  # the denunciation, not accepted
    assert lines["Đơn theo loại"].startswith("Khiếu nại 1 · Tố cáo 1")


def test_deadlines_count_from_the_election_calendars_milestones(loaded):
    from geo import calendar as cal
    from geo.clock import to_local
    from geo.drills.demo import DEMO_CALENDAR

    cal.import_calendar(loaded, cal.read_calendar(DEMO_CALENDAR), actor="admin",
                        source=DEMO_CALENDAR.name)
    late = receive(loaded, matter="voter_list", received_at=datetime(2021, 5, 20, 2), at=None)
    cand = receive(loaded, kind="to_cao", matter="candidate",
                   received_at=datetime(2021, 5, 1, 2), at=None)
    cand = cp.move(loaded, cand["id"], "accept", expected_version=1, actor="op")
    reg = cp.register(loaded, ["C1"], now=datetime(2021, 5, 21)).set_index("id")
    # Điều 33: 30 days from the list's posting (13/4/2021) ended on 13/5: lodged late.
    assert bool(reg.loc[late["id"], "filed_late"]) is True
    # Điều 61: no handling in the 10 days before election day (23/5/2021).
    assert reg.loc[cand["id"], "rule"] == "candidate_cutoff"
    # (00:00 on 13/5 Vietnam time, as the calendar's own "candidate_complaints_end" row)
    assert to_local(reg.loc[cand["id"], "due"].to_pydatetime()).strftime("%d/%m %H:%M") == \
        "13/05 00:00"
    assert reg.loc[cand["id"], "state"] == "overdue"


def test_the_command_line_receives_moves_and_lists(loaded, capsys, monkeypatch):
    from geo.cli import main

    make_account(loaded, "operator", username="op1")
    db = loaded.url or loaded.path

    def antt(*argv: str) -> tuple[int, str]:
        monkeypatch.setenv("ANTT_PASSWORD", "mat-khau-thu-nghiem")  # each run takes it out
        code = main(["--lang", "vi", "--db", db, "--user", "op1", *argv])
        out = capsys.readouterr()
        return code, out.out + out.err

    code, text = antt("--json", "complaint", "receive", "--kind", "khieu_nai", "--matter",
                      "voter_list", "--channel", "letter", "--from", "voter", "--commune",
                      "C1", "--hamlet", "C1-H1", "--received", "2026-03-02 09:00")
    assert code == 0, text
    row = json.loads(text)
    assert row["received_at"].startswith("2026-03-02 02:00")  # 09:00 Vietnam time
    code, text = antt("complaint", "move", str(row["id"]), "forward", "--version", "1")
    assert code == 2 and "cơ quan có thẩm quyền" in text, text
    code, text = antt("complaint", "move", str(row["id"]), "forward", "--version", "1",
                      "--body", "Ủy ban nhân dân xã")
    assert code == 0, text
    code, text = antt("complaint", "list")
    assert code == 0 and f"#{row['id']}" in text and "Đã chuyển cơ quan có thẩm quyền" in text


def test_the_written_review_counts_the_complaints(loaded):
    from geo.clock import Period
    from geo.io.report import build_review, render_html, render_pdf

    voter = receive(loaded, matter="voter_list")
    cp.move(loaded, voter["id"], "answer", expected_version=1, actor="op",
            at=T0 + timedelta(days=1))
    rev = build_review(loaded, Period(T0 - timedelta(days=1), T0 + timedelta(days=2)),
                       commune_codes=["C1"])
    html = render_html(rev)
    assert "Đơn khiếu nại, tố cáo, kiến nghị, phản ánh tiếp nhận" in html
    assert "Đơn trả lời đúng hạn / đã trả lời" in html and "1 / 1" in html
    assert render_pdf(rev).startswith(b"%PDF")
