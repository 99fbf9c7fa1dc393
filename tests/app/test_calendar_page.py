"""The election calendar on the pages: the calendar page lists it (an admin enters a row
or gets a clear refusal), the live page's strip names the phase and what is on today,
and the review picks a phase as its period and compares the phases."""

from __future__ import annotations

from datetime import date, timedelta

from geo import calendar as cal
from geo.clock import to_local, utcnow
from geo.drills.demo import load_demo_calendar

from ..conftest import make_account


def _today_is_election_day(store) -> None:
    load_demo_calendar(store, day=to_local(utcnow()).date())


def _save(at) -> None:
    next(b for b in at.button if b.label == "Lưu mục lịch").click().run()


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_live_strip_names_the_phase_and_today(app, demo):
    _today_is_election_day(demo)
    at = app("live")
    text = _captions(at)
    assert "Giai đoạn: Ngày bầu cử đại biểu Quốc hội khóa XV" in text
    assert "Hôm nay: " in text and "Giờ bỏ phiếu 07:00–19:00" in text
    assert "Sắp tới: " in text


def test_the_calendar_page_lists_rows_and_only_an_admin_edits(app, demo):
    _today_is_election_day(demo)
    at = app("calendar")
    table = at.dataframe[0].value
    assert "Đợt cao điểm tấn công, trấn áp tội phạm bảo đảm ANTT cuộc bầu cử" in set(
        table["Nội dung"])
    # A commander reads, does not edit.
    assert not [w for w in at.text_input if str(w.key).startswith("calendar_")]
    assert [b.label for b in at.button] == ["Đăng xuất"]

    admin = make_account(demo, "admin", username="qt")
    at = app("calendar", admin)
    at.text_input(key="calendar_code").input("mit_tinh")
    at.text_input(key="calendar_name").input("Mít tinh tuyên truyền bầu cử")
    at.selectbox(key="calendar_kind").set_value("event")
    day = date(2021, 5, 20)
    at.date_input(key="calendar_day0").set_value(day)
    at.date_input(key="calendar_day1").set_value(day - timedelta(days=1))  # ends before
    at.text_input(key="calendar_source").input("Kế hoạch của xã")
    _save(at)
    errors = " ".join(e.value for e in at.error)
    assert "thời điểm kết thúc không sau thời điểm bắt đầu" in errors
    assert "mit_tinh" not in set(cal.entries(demo, [])["code"])

    at.date_input(key="calendar_day1").set_value(day)
    _save(at)
    assert not at.exception
    assert "Đã lưu: Mít tinh tuyên truyền bầu cử" in " ".join(s.value for s in at.success)
    row = cal.entries(demo, []).set_index("code").loc["mit_tinh"]
    assert row["kind"] == "event" and row["updated_by"] == "qt"


def test_the_review_picks_a_phase_and_compares_phases(app, demo):
    from geo import incidents as inc

    from ..conftest import report_args
    _today_is_election_day(demo)
    inc.report(demo, **report_args(lon=106.52, lat=20.99))
    at = app("review")
    assert at.selectbox(key="review_phase").options
    at.selectbox(key="review_phase").set_value("peak").run()
    assert not at.exception, at.exception
    peak = cal.phase_periods(cal.entries(demo, []))
    start = next(p for c, _, p in peak if c == "peak").start
    assert at.date_input(key="review_days").value[0] == to_local(start).date()
    headers = [h.value for h in at.subheader]
    assert "So sánh các giai đoạn" in headers


def test_widening_the_review_period_keeps_the_replay_working(app, demo):
    """A longer period (the same last day) kept the replayed moment inside it; the
    slider, keyed, lost it when its bounds moved and the page failed."""
    from geo import incidents as inc

    from ..conftest import report_args
    inc.report(demo, **report_args(lon=106.52, lat=20.99))
    at = app("review")
    first, last = at.date_input(key="review_days").value
    at.date_input(key="review_days").set_value((first - timedelta(days=3), last)).run()
    assert not at.exception, at.exception
    assert at.slider(key="review_t").value is not None
