"""CSV exports as a Vietnamese office opens them in Excel: a BOM, headers and values in
Vietnamese words, names where the store has codes, every actor by display name, Vietnam
date-times Excel reads as dates, decimals with a comma."""

import io
import re

import pandas as pd

from geo import incidents as inc
from geo.audit import AuditFilter
from geo.clock import local_text
from geo.i18n import label
from geo.io.exports import audit_csv, export

from ..conftest import make_account, read_people_csv, report_args

# Words of the store's own vocabulary that no cell or header of a CSV for people carries.
CODES = {"complaint", "fire", "disorder", "reported", "escalated", "verified", "report",
         "verify", "dispatch", "incident", "unit", "session", "medium", "high", "hotline",
         "patrol", "hamlet_team", "citizen_tip", "reported_at", "kind", "status"}


def _cells(frame: pd.DataFrame) -> set[str]:
    return {str(v) for v in frame.to_numpy().ravel() if pd.notna(v)} | set(frame.columns)


def test_csv_speaks_vietnamese_with_names_and_excel_date_times(staffed, tmp_path):
    commander = make_account(staffed, "commander", username="chihuy-csv",
                             display_name="Chỉ huy CSV")
    row = inc.report(staffed, **report_args(kind="complaint", actor=commander))
    team = staffed.frame("unit").iloc[0]
    inc.move(staffed, row["id"], "verify", expected_version=1, actor=commander)
    inc.move(staffed, row["id"], "dispatch", expected_version=2, actor=commander,
             team_code=team["code"])
    out = tmp_path / "out"
    export(staffed, out, ["csv"])
    raw = (out / "incidents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Số,Loại vụ việc,Mức độ,Trạng thái")
    incidents = pd.read_csv(out / "incidents.csv", encoding="utf-8-sig", dtype=str)
    first = incidents.iloc[0]
    assert first["Loại vụ việc"] == label("kind", "complaint")
    assert first["Trạng thái"] == label("status", "dispatched")
    # Vietnam time, as Excel reads a date-time (ISO with "T" and an offset stays text)
    assert first["Tiếp nhận lúc"] == local_text(row["reported_at"], "%Y-%m-%d %H:%M:%S")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["Tiếp nhận lúc"])
    assert first["Người ghi"] == "Chỉ huy CSV"  # the display name, never the login
    assert first["Tổ xử lý"].startswith(team["name"])  # the team's name, not its code
    assert "," in first["Kinh độ"] and "." not in first["Kinh độ"]  # 105,9… in Vietnamese
    events = pd.read_csv(out / "events.csv", encoding="utf-8-sig", dtype=str)
    about = events[events["Đối tượng"] == f"Vụ việc #{row['id']}"]
    assert len(about) == 3 and set(about["Người thực hiện"]) == {"Chỉ huy CSV"}
    assert any(team["name"] in d for d in events["Chi tiết"].dropna())
    assert not any("{" in d for d in events["Chi tiết"].dropna())  # no raw JSON
    for frame in (incidents, events):
        words = {w for cell in _cells(frame) for w in str(cell).replace(",", " ").split()}
        assert not words & CODES, words & CODES
        assert not any(str(c).startswith(team["code"]) for c in _cells(frame))
    # Read back to the store's columns, the CSV holds what the store holds.
    back = read_people_csv(out / "incidents.csv")
    assert back["lon"].iloc[0] == round(row["lon"], 6)


def test_the_audit_csv_names_accounts_and_what_they_acted_on(staffed):
    commander = make_account(staffed, "commander", username="chihuy-audit",
                             display_name="Chỉ huy Nhật ký")
    inc.report(staffed, **report_args(actor=commander))
    audit = pd.read_csv(io.BytesIO(audit_csv(staffed, AuditFilter())), encoding="utf-8-sig",
                        dtype=str)
    assert list(audit.columns) == ["Số", "Thời gian", "Người thực hiện", "Đối tượng",
                                   "Thao tác", "Chi tiết"]
    mine = audit[audit["Người thực hiện"] == "Chỉ huy Nhật ký"]
    assert len(mine) >= 1 and mine["Đối tượng"].str.startswith("Vụ việc #").any()
    assert not audit["Đối tượng"].str.contains("session |unit |incident ", regex=True).any()
