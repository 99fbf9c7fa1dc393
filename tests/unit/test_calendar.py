"""The election calendar as data (geo.calendar): a calendar file is checked row by row
(every problem names its row and field; a bad file is refused whole), and the strip says
which phase a moment falls in, what is on that day and what comes next."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from geo import calendar as cal
from geo.drills.demo import DEMO_CALENDAR
from geo.errors import Invalid

HEADER = "code,kind,name,starts,ends,commune_code,place_code,place,source\n"


def _rows(text: str) -> list[dict]:
    return cal.read_calendar((HEADER + text).encode("utf-8"))


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_the_shipped_calendar_reads_with_a_source_on_every_row():
    rows = cal.read_calendar(DEMO_CALENDAR)
    by_code = {r["code"]: r for r in rows}
    assert cal.election_day(rows).isoformat() == "2021-05-23"
    # 23/4–23/6/2021, Vietnam time: 22/4 17:00 UTC to the end of 23/6 (24/6 00:00 local).
    assert by_code["peak"]["starts"] == datetime(2021, 4, 22, 17)
    assert by_code["peak"]["ends"] == datetime(2021, 6, 23, 17)
    assert by_code["voting"]["starts"] == datetime(2021, 5, 23, 0)  # 07:00 local
    assert by_code["voting"]["ends"] == datetime(2021, 5, 23, 12)   # 19:00 local
    assert all(r["source"] for r in rows)
    assert {"voter_list_posted", "results_published"} <= set(by_code)


def test_a_bad_file_is_refused_whole_naming_each_row_and_field():
    text = ("ok,phase,Giai đoạn,2021-05-01,2021-05-02,,,,seeds/001\n"
            "bad1,festival,Lễ,2021-05-01,2021-05-02,,,,x\n"
            "bad2,phase,Giai đoạn,01-05-2021,2021-05-02,,,,x\n"
            "bad3,phase,Giai đoạn,2021-05-03,2021-05-02,,,,x\n"
            "bad4,milestone,Mốc,2021-05-03,2021-05-04,,,,x\n"
            "bad5,event,,2021-05-03 08:00,2021-05-03 09:00,,,,\n"
            "ok,phase,Lặp,2021-05-01,2021-05-02,,,,x\n")
    with pytest.raises(Invalid) as e:
        _rows(text)
    found = {(p.row, p.field) for p in e.value.problems}
    assert {(3, "kind"), (4, "starts"), (5, "ends"), (6, "ends"), (7, "name"),
            (7, "source"), (8, "code")} <= found
    assert "row 3" in str(e.value) or any(p.row == 3 for p in e.value.problems)


def test_missing_columns_are_named():
    with pytest.raises(Invalid) as e:
        cal.read_calendar(b"code,name\nx,y\n")
    assert "kind" in str(e.value.problems[0]) and "source" in str(e.value.problems[0])


def test_a_day_only_end_means_the_whole_day():
    (row,) = _rows("x,anniversary,30/4,2021-04-30,2021-04-30,,,,seeds/001\n")
    assert row["ends"] - row["starts"] == timedelta(days=1)


def test_the_strip_names_the_innermost_phase_today_and_next():
    frame = _frame(cal.read_calendar(DEMO_CALENDAR))
    at = datetime(2021, 5, 23, 3)  # 10:00 on election day, Vietnam time
    s = cal.strip(frame, at)
    assert s.phase["code"] == "election_day"  # inside the peak too: the innermost wins
    assert [r["code"] for r in s.today] == ["opening", "voting", "counting"]
    assert s.upcoming[0]["code"] == "after"
    s = cal.strip(frame, datetime(2021, 4, 30, 3))
    assert s.phase["code"] == "peak" and [r["code"] for r in s.today] == ["liberation_day"]
    s = cal.strip(frame, datetime(2020, 6, 1))
    assert s.phase is None and not s.today and s.upcoming[0]["code"] == "preparation"
    assert cal.strip(frame.iloc[0:0], at).empty


def test_shifted_rows_keep_their_hours():
    rows = cal.read_calendar(DEMO_CALENDAR)
    moved = cal.shift_rows(rows, timedelta(days=10))
    voting = next(r for r in moved if r["code"] == "voting")
    assert voting["starts"] == datetime(2021, 6, 2, 0)
    assert cal.election_day(moved).isoformat() == "2021-06-02"
