"""The complaints page through AppTest on the demo: receive, the register with deadline
states, moving a complaint along, a viewer who only reads, a bad rules file named."""

from datetime import timedelta

from geo import complaints as cp
from geo.clock import utcnow

from ..conftest import make_account


def _submit(at):
    next(b for b in at.button if b.label == "Ghi vào sổ").click().run()


def test_receive_then_accept_on_the_page(app, demo):
    at = app("complaints")
    assert any("Chưa có đơn" in i.value for i in at.info)
    commune = at.selectbox(key="cp_commune").options[0]
    at.selectbox(key="cp_kind").set_value("khieu_nai")
    at.selectbox(key="cp_matter").set_value("voter_list")
    at.selectbox(key="cp_from").set_value("voter")
    at.text_area(key="cp_summary").input("Tên cử tri bị ghi sai trong danh sách")
    _submit(at)
    assert not at.exception
    assert any("đơn số #1" in s.value for s in at.success)
    row = demo.get("complaint", 1)
    assert (row["kind"], row["matter"], row["from_whom"], row["created_by"]) == \
        ("khieu_nai", "voter_list", "voter", "trucban1")
    assert row["commune_code"] is not None and commune
    table = at.dataframe[0].value
    assert list(table["Tình trạng hạn"]) == ["Trong hạn"]
    assert "Điều 33" in table["Căn cứ"].iloc[0]
    at.selectbox(key="cp_pick").set_value(1).run()
    at.button(key="cp_accept_1").click().run()
    assert not at.exception
    assert demo.get("complaint", 1)["status"] == "accepted"
    assert any("Đã thụ lý" in s.value for s in at.success)


def test_an_overdue_complaint_is_marked_and_a_viewer_only_reads(app, demo):
    commune = demo.frame("site").iloc[0]["commune_code"]
    cp.receive(demo, kind="khieu_nai", matter="voter_list", channel="letter",
               from_whom="citizen", commune_code=commune, actor="op",
               received_at=utcnow() - timedelta(days=16))
    viewer = make_account(demo, "viewer", username="xem1")
    at = app("complaints", viewer)
    assert not at.exception
    assert list(at.dataframe[0].value["Tình trạng hạn"]) == ["Quá hạn"]
    assert any("1 đơn, 1 quá hạn" in c.value for c in at.main.caption)
    assert not [b for b in at.button if b.label == "Ghi vào sổ"]
    assert all(s.key != "cp_pick" for s in at.selectbox)


def test_a_bad_rules_file_is_named_not_a_traceback(app, demo, tmp_path, monkeypatch):
    bad = tmp_path / "rules.csv"
    bad.write_text("code,kind,matter,step,start_event,days,day_type,extension_days,"
                   "max_extensions,variant,legal_basis,note\n"
                   "x,khieu_nai,*,decide,received,năm,calendar,0,0,*,Điều 1,\n",
                   encoding="utf-8")
    monkeypatch.setenv("ANTT_COMPLAINT_RULES", str(bad))
    at = app("complaints")
    assert not at.exception
    assert any("không phải số nguyên" in e.value for e in at.error)


def _overdue(demo):
    commune = demo.frame("site").iloc[0]["commune_code"]
    return cp.receive(demo, kind="khieu_nai", matter="voter_list", channel="letter",
                      from_whom="voter", commune_code=commune, actor="op",
                      received_at=utcnow() - timedelta(days=16))


def test_the_board_shows_an_overdue_complaint_until_acknowledged(app, demo):
    row = _overdue(demo)
    at = app("board")
    assert any("Đơn quá hạn: 1" in e.value for e in at.error)
    at.button(key=f"cp_ack_board_{row['id']}").click().run()
    assert not at.exception
    assert not any("Đơn quá hạn" in e.value for e in at.error)
    last = demo.events("complaint", row["id"]).iloc[-1]
    assert (last["action"], last["actor"]) == ("acknowledge", "trucban1")


def test_the_live_page_shows_the_overdue_complaint(app, demo):
    _overdue(demo)
    at = app("live")
    assert not at.exception
    assert any("Đơn quá hạn: 1" in e.value for e in at.error)


def test_a_rule_waiting_for_its_start_says_why(app, demo):
    commune = demo.frame("site").iloc[0]["commune_code"]
    row = cp.receive(demo, kind="to_cao", matter="candidate", channel="letter",
                     from_whom="citizen", commune_code=commune, actor="op")
    cp.move(demo, row["id"], "accept", expected_version=1, actor="op")
    at = app("complaints")  # the demo here has no calendar: no election day
    table = at.dataframe[0].value
    assert list(table["Tình trạng hạn"]) == ["Chưa tính được hạn"]
    assert list(table["Ghi chú về hạn"]) == ["chưa có ngày bầu cử trong lịch"]
