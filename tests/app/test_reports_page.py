"""The reports-upward page (Streamlit AppTest): what is late shows as late, one click makes
the report for its period and marks it sent, the sent row shows who and when, and the kept
file reads back; the board carries the one-line summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from geo import upward
from geo.checks.inert import md_text
from geo.clock import to_local, utcnow
from geo.reports_due import COLUMNS, load_schedule

from .. import geofixtures as fx


@pytest.fixture
def world(store, tmp_path, monkeypatch):
    """Commune C1, and a schedule with one report late (3 days ago) and one due in 5 days."""
    from geo.io.importer import import_layer

    import_layer(store, fx.write(fx.commune(), tmp_path / "c.geojson"), "communes",
                 actor="admin")
    today = to_local(utcnow()).date()
    late, coming = today - timedelta(days=3), today + timedelta(days=5)
    start = today - timedelta(days=30)
    path = tmp_path / "lich-bao-cao.csv"
    path.write_text("\n".join([
        ",".join(COLUMNS),
        f"TRE,Báo cáo sơ kết thử,BCĐ 138 huyện,once,{late},08:00,,{start},,window,24,,"
        "seed 002,",
        f"TOI,Báo cáo tổng kết thử,BCĐ 138 huyện,once,{coming},08:00,,{start},,window,24,,"
        "seed 002,",
    ]) + "\n", encoding="utf-8")
    monkeypatch.setenv("ANTT_REPORT_SCHEDULE", str(path))
    monkeypatch.setenv("ANTT_DB", store.path)
    return store


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown)


def _late(at) -> str:
    """The late reports: shown in red (st.error)."""
    return " ".join(e.value for e in at.error)


def test_a_late_report_is_made_sent_and_kept(world):
    from ..conftest import app_as

    at = app_as(world, "operator", username="tb1", display_name="Trực ban 1").run()
    at.switch_page("app_pages/reports.py").run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == ["1", "1", "0"]
    assert at.subheader[0].value == "Báo cáo quá hạn"
    assert "Báo cáo sơ kết thử" in _late(at) and "Quá hạn" in _late(at)
    assert "Báo cáo sơ kết thử" not in _texts(at)
    due = {d.occurrence.code: d for d in upward.due_reports(world, "x",
                                                            schedule=load_schedule())}
    key = due["TRE"].key
    at.radio(key="reports_fmt").set_value("html").run()
    at.button(key=f"reports_make_{key}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Đã lập báo cáo và ghi nhận đã gửi: TRE\\_C1\\_")
    assert [m.value for m in at.metric] == ["0", "1", "1"] and not _late(at)
    sent_rows = [m.value for m in at.markdown if "người gửi" in m.value]
    assert len(sent_rows) == 1 and "Trực ban 1" in sent_rows[0]
    assert "Đã gửi muộn" in sent_rows[0]
    row = world.get("upward_report", key)
    assert row["sent_by"] == "tb1" and row["format"] == "html"
    name, data = upward.sent_file(world, key, actor="x")
    assert name == row["file_name"] and "Báo cáo sơ kết thử".encode() in data
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [f"Tải tệp {md_text(name)}"]


def test_a_viewer_sees_the_reports_but_no_button(world):
    from ..conftest import app_as

    at = app_as(world, "viewer").run()
    at.switch_page("app_pages/reports.py").run()
    assert not at.exception, at.exception
    assert "Báo cáo sơ kết thử" in _late(at)
    assert not [b for b in at.button if b.key and b.key.startswith("reports_make_")]


def test_the_board_names_the_late_report(world):
    from ..conftest import app_as

    at = app_as(world, "operator").run()
    at.switch_page("app_pages/board.py").run()
    assert not at.exception, at.exception
    assert any("1 báo cáo cấp trên quá hạn" in e.value and "Báo cáo sơ kết thử" in e.value
               for e in at.error)
    assert any("Báo cáo cấp trên tiếp theo: Báo cáo tổng kết thử" in c.value
               for c in at.caption)


def test_a_bad_schedule_file_is_named_on_the_page(world, tmp_path, monkeypatch):
    from ..conftest import app_as

    bad = tmp_path / "hong.csv"
    bad.write_text(",".join(COLUMNS) + "\nX,T,W,weekly,,,,,,day,,,s,\n", encoding="utf-8")
    monkeypatch.setenv("ANTT_REPORT_SCHEDULE", str(bad))
    at = app_as(world, "operator").run()
    at.switch_page("app_pages/reports.py").run()
    assert not at.exception, at.exception
    assert "recurrence" in " ".join(e.value for e in at.error)
    assert "row 2" in " ".join(e.value for e in at.error)


def test_a_hostile_schedule_title_is_text_on_the_page_in_the_file_and_the_export(
        world, tmp_path, monkeypatch):
    """A schedule file is an office's data: its title and addressee stay text in every
    sink (the page's markdown, the report's HTML, the export's CSV)."""
    import csv
    import io

    from geo.io.exports import export

    from ..conftest import app_as
    from ..hostile import EVIL_HOST, FORMULAS, HTML, MARKDOWN

    title = f"{FORMULAS['csv-hyperlink']} {MARKDOWN['md-link']} {HTML['html-script']}"
    today = to_local(utcnow()).date()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerow(["EVIL", title, MARKDOWN["md-image"], "once", today - timedelta(days=2),
                "08:00", "", today - timedelta(days=9), "", "window", "24", "", "seed", ""])
    path = tmp_path / "hostile.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    monkeypatch.setenv("ANTT_REPORT_SCHEDULE", str(path))
    at = app_as(world, "operator").run()
    at.switch_page("app_pages/reports.py").run()
    assert not at.exception, at.exception
    shown = _late(at)
    assert "HYPERLINK" in shown and "](http" not in shown and "<script>" not in shown
    assert "![" not in shown
    at.radio(key="reports_fmt").set_value("html").run()
    key = upward.due_reports(world, "x")[0].key
    at.button(key=f"reports_make_{key}").click().run()
    assert not at.exception, at.exception
    _, data = upward.sent_file(world, key, actor="x")
    html = data.decode("utf-8")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert f'src="http://{EVIL_HOST}' not in html and f"src='http://{EVIL_HOST}" not in html
    reg = next(f for f in export(world, tmp_path / "out", ["csv"])
               if f.name == "upward_reports.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in reg or "\"'=HYPERLINK" in reg
