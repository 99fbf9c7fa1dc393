"""Store mechanics: migrations, one transaction per command, append-only log, exports."""

import pandas as pd
import pytest

from geo import incidents as inc
from geo.errors import AnttError
from geo.io.exports import export
from geo.store import Filters, Store

from ..conftest import read_people_csv, report_args


def test_migrations_recorded_and_idempotent(db_path):
    s = Store(db_path)
    assert s.init() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert s.init() == []
    assert s.migrations() == [(1, "entities and event log"), (2, "map layers"),
                              (3, "accounts, sessions and wall tokens"),
                              (4, "login failures by name and source"),
                              (5, "demo layers marked, removals recorded"),
                              (6, "election calendar"), (7, "complaints register"),
                              (8, "reports sent upward")]


def test_a_failing_command_writes_nothing(staffed):
    n = staffed.counts()["events"]

    def half_then_fail(tx):
        tx.create("incident", {"id": 77, "kind": "fire", "severity": 1, "status": "reported",
                               "lon": 106.5, "lat": 21.0, "source": "patrol",
                               "reported_at": tx.at, "created_by": "A", "description": ""},
                  actor="A")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        staffed.transact(half_then_fail)
    assert staffed.counts()["events"] == n
    assert staffed.incidents().empty


def test_event_rows_carry_before_and_after(staffed):
    r = inc.report(staffed, **report_args())
    inc.verify(staffed, r["id"], expected_version=1, actor="Trực ban")
    ev = staffed.events("incident", r["id"])
    assert list(ev["version"]) == [1, 2]
    assert ev["before"].iloc[0] is None or pd.isna(ev["before"].iloc[0])
    assert '"status": "reported"' in ev["before"].iloc[1]
    assert '"status": "verifying"' in ev["after"].iloc[1]
    assert ev["actor"].iloc[1] == "Trực ban"
    assert ev["occurred_at"].is_monotonic_increasing


def test_request_id_makes_report_idempotent(staffed):
    a = inc.report(staffed, **report_args(request_id="form-1"))
    b = inc.report(staffed, **report_args(request_id="form-1", description="again"))
    assert a["id"] == b["id"]
    assert len(staffed.incidents()) == 1


def test_filters(staffed):
    ids = {}
    for kind, sev, hamlet in [("fire", 4, "H1"), ("traffic", 2, "H1"), ("fire", 1, "H2")]:
        ids[(kind, hamlet)] = inc.report(staffed, **report_args(kind=kind, severity=sev,
                                                                 hamlet_code=hamlet))["id"]
    got = staffed.incidents(Filters(hamlet_codes=["H1"], kinds=["fire"]))
    assert list(got["id"]) == [ids[("fire", "H1")]]
    assert len(staffed.incidents(Filters(severities=[1, 2]))) == 2
    assert len(staffed.incidents(Filters(statuses=["closed"]))) == 0


def test_export_reads_back(staffed, tmp_path):
    for i in range(3):
        inc.report(staffed, **report_args(description=f"vụ {i} <b>x</b>, \"quoted\""))
    files = export(staffed, tmp_path / "out", ["csv", "parquet"])
    assert {f.name for f in files} == {"incidents.csv", "incidents.parquet", "events.csv",
                                       "events.parquet", "calendar.csv", "complaints.csv",
                                       "upward_reports.csv"}
    csv = read_people_csv(tmp_path / "out" / "incidents.csv")
    pq = pd.read_parquet(tmp_path / "out" / "incidents.parquet")
    live = staffed.incidents().sort_values("id")
    assert list(csv["id"]) == list(pq["id"]) == list(live["id"])
    assert list(pq["description"]) == list(live["description"])
    ev = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert len(ev) == staffed.counts()["events"]
    with pytest.raises(ValueError, match="unknown export format"):
        export(staffed, tmp_path / "x", ["xlsx"])


def test_bulk_load_refuses_events_before_the_log_and_numbers_its_own(staffed):
    """A bulk load's events come after the log's last (time order is the log's order);
    their ids are the store's to give, whatever the caller wrote."""
    last_id, last_at = staffed.last_event()
    row = {"actor": "x", "entity": "incident", "entity_id": "1", "action": "note",
           "version": 1, "before": None, "after": "{}", "detail": None}
    early = pd.DataFrame([{**row, "id": 1, "occurred_at": last_at}])
    with pytest.raises(AnttError, match="must come after"):
        staffed.bulk_load({}, early)
    assert staffed.last_event() == (last_id, last_at)
    later = [last_at + pd.Timedelta(minutes=m) for m in (1, 2)]
    staffed.bulk_load({}, pd.DataFrame([{**row, "id": 7, "occurred_at": later[1]},
                                        {**row, "id": 3, "occurred_at": later[0]}]))
    tail = staffed.events(limit=2)
    assert list(tail["id"]) == [last_id + 1, last_id + 2]
    assert list(tail["occurred_at"]) == later  # in the order of the ids given
    assert staffed.last_event() == (last_id + 2, later[1])
