"""The complaints register's deadline rules: the shipped files, calendar and working days,
extensions, a replacing file, a bad file refused whole, a start event not yet happened."""

from datetime import date, datetime

import pytest

from geo import complaint_rules as cr
from geo.errors import Invalid

HEADER = ("code,kind,matter,step,start_event,days,day_type,extension_days,max_extensions,"
          "variant,legal_basis,note\n")


def write(tmp_path, body, name="rules.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def complaint(kind="khieu_nai", matter="public_order", received=datetime(2026, 3, 2, 2),
              accepted=None, extensions=0):
    return {"kind": kind, "matter": matter, "received_at": received,
            "accepted_at": accepted, "extensions": extensions}


def test_shipped_rules_carry_the_legal_figures_each_with_its_basis():
    rules = cr.shipped()
    by = {r.code: r for r in rules.rules}
    assert (by["voter_list_file_by"].days, by["voter_list_file_by"].start_event) == \
        (30, "voter_list_posted")
    assert by["voter_list_decide"].days == 5 and "Điều 33" in by["voter_list_decide"].legal_basis
    assert (by["candidate_cutoff"].days, by["candidate_cutoff"].start_event) == \
        (-10, "election_day")
    assert "Điều 61" in by["candidate_cutoff"].legal_basis
    assert by["result_council_decide"].days == 20 and by["result_assembly_decide"].days == 30
    assert by["result_council_file_by"].days == 5 and "Điều 87" in \
        by["result_council_file_by"].legal_basis
    assert by["kn_accept"].days == 10 and "Điều 27" in by["kn_accept"].legal_basis
    assert (by["kn_decide"].days, by["kn_decide"].extension_days) == (30, 15)
    assert (by["kn_decide_remote"].days, by["kn_decide_remote"].variant) == (45, "remote")
    assert (by["tc_decide"].days, by["tc_decide"].extension_days,
            by["tc_decide"].max_extensions) == (30, 30, 2)
    assert all(r.legal_basis for r in rules.rules)
    assert date(2026, 2, 17) in rules.holidays and date(2021, 9, 2) in rules.holidays


def test_the_readme_names_the_2025_amendment():
    text = (cr.RULES_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert "83/2025/QH15" in text and "ANTT_COMPLAINT_RULES" in text


def test_most_specific_rule_wins():
    rules = cr.shipped()
    assert cr.pick(rules, "khieu_nai", "voter_list", "decide", "standard").code == \
        "voter_list_decide"
    assert cr.pick(rules, "to_cao", "candidate", "decide", "standard").code == \
        "candidate_cutoff"
    assert cr.pick(rules, "khieu_nai", "public_order", "decide", "standard").code == \
        "kn_decide"
    assert cr.pick(rules, "khieu_nai", "public_order", "decide", "remote").code == \
        "kn_decide_remote"
    assert cr.pick(rules, "phan_anh", "public_order", "decide", "standard") is None


def test_calendar_days_end_at_midnight_moved_past_a_weekend():
    rules = cr.shipped()
    # Received Mon 2/3/2026 09:00; the 5th day is Sat 7/3: the deadline is the end of
    # Mon 9/3, 24:00 Vietnam time (Bộ luật Dân sự 2015, Điều 148).
    d = cr.deadline(rules, "decide", complaint(matter="voter_list"), {}, "standard")
    assert d.due == datetime(2026, 3, 9, 17) and d.rule.code == "voter_list_decide"


def test_a_same_time_rule_keeps_the_time_of_day(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(HEADER.replace("note\n", "note,ends\n")
                    + "s,*,*,decide,received,5,calendar,0,0,*,Quy chế,,same_time\n",
                    encoding="utf-8")
    rules = cr.load(path, cr.HOLIDAYS_PATH)
    assert cr.deadline(rules, "decide", complaint(), {}).due == datetime(2026, 3, 7, 2)


def test_working_days_skip_weekends_and_holidays(tmp_path):
    path = write(tmp_path, "w,to_cao,*,accept,received,7,working,0,0,*,Luật Tố cáo 2018 Đ24,\n")
    rules = cr.load(path, cr.HOLIDAYS_PATH)
    # Fri 13 Feb 2026 09:00 Vietnam time; Tết 16–20 Feb and two weekends are skipped:
    # Mon 23, Tue 24, Wed 25, Thu 26, Fri 27, Mon 2 Mar, Tue 3 Mar.
    got = cr.deadline(rules, "accept", complaint("to_cao", received=datetime(2026, 2, 13, 2)),
                      {}, "standard")
    assert got.due == datetime(2026, 3, 3, 17)  # the end of that day, Vietnam time
    # Without the holidays the same count ends a week earlier.
    plain = cr.Rules(rules.rules, frozenset())
    assert cr.deadline(plain, "accept", complaint("to_cao", received=datetime(2026, 2, 13, 2)),
                       {}, "standard").due == datetime(2026, 2, 24, 17)


def test_negative_days_count_back_from_election_day():
    rules = cr.shipped()
    d = cr.deadline(rules, "decide", complaint("to_cao", "candidate"),
                    {"election_day": datetime(2026, 3, 15, 0)}, "standard")
    assert d.due == datetime(2026, 3, 5, 0)


def test_extensions_add_their_days():
    rules = cr.shipped()
    accepted = datetime(2026, 4, 1, 3)
    base = cr.deadline(rules, "decide", complaint("to_cao", accepted=accepted), {}, "standard")
    twice = cr.deadline(rules, "decide", complaint("to_cao", accepted=accepted, extensions=2),
                        {}, "standard")
    # 30 days end on Fri 1/5 (a holiday), then a weekend: the end of Mon 4/5.
    assert base.due == datetime(2026, 5, 4, 17)
    assert twice.due == datetime(2026, 6, 30, 17)  # 30 + 2 × 30 days: Tue 30/6


def test_start_event_not_happened_gives_no_deadline_and_says_why():
    rules = cr.shipped()
    d = cr.deadline(rules, "decide", complaint(), {}, "standard")
    assert (d.due, d.reason, d.rule.code) == (None, "not_accepted", "kn_decide")
    d = cr.deadline(rules, "file_by", complaint(matter="result_council"), {}, "standard")
    assert (d.due, d.reason, d.missing) == (None, "no_milestone", "results_published")
    d = cr.deadline(rules, "file_by", complaint(matter="result_council"),
                    {"results_published": datetime(2026, 3, 20, 1)}, "standard")
    assert d.due == datetime(2026, 3, 25, 17)
    assert cr.deadline(rules, "decide", complaint("phan_anh"), {}).reason == "no_rule"


def test_a_replacing_file_is_used_instead_of_the_shipped_one(tmp_path, monkeypatch):
    path = write(tmp_path, "mine,*,*,decide,received,3,calendar,1,1,*,Quy chế của xã,\n")
    monkeypatch.setenv("ANTT_COMPLAINT_RULES", str(path))
    rules = cr.load()
    assert [r.code for r in rules.rules] == ["mine"]
    assert cr.deadline(rules, "decide", complaint(), {}).due == datetime(2026, 3, 5, 17)


def test_a_bad_file_is_refused_whole_naming_row_and_field(tmp_path):
    path = write(tmp_path,
                 "ok,khieu_nai,*,decide,received,5,calendar,0,0,*,Điều 1,\n"
                 "bad,khieu_nai,voters,decide,received,five,lunar,0,0,*,,\n"
                 "ok,to_cao,*,accept,accepted,5,calendar,0,0,*,Điều 2,\n")
    with pytest.raises(Invalid) as e:
        cr.read_rules(path)
    found = {(p.row, p.field) for p in e.value.problems}
    assert {(3, "matter"), (3, "days"), (3, "day_type"), (3, "legal_basis"),
            (4, "code"), (4, "start_event")} <= found
    assert (2, "code") not in found


def test_a_file_missing_a_column_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("code,kind\nx,khieu_nai\n", encoding="utf-8")
    with pytest.raises(Invalid, match="column 'matter' is missing"):
        cr.read_rules(path)


def test_bad_holidays_are_refused(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("date,name,legal_basis\n2026-13-01,X,BLLĐ\n", encoding="utf-8")
    with pytest.raises(Invalid) as e:
        cr.read_holidays(path)
    assert e.value.problems[0].row == 2 and e.value.problems[0].field == "date"
