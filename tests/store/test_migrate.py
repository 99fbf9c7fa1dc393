"""`antt migrate --to`: a commune's DuckDB file moves up to the province's PostgreSQL server
(and, the same code, to another DuckDB file), idempotently, never overwriting."""

from datetime import date, timedelta

import pytest

from geo import accounts, incidents
from geo.analysis.replay import state_at
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store, migrate

from ..conftest import TEST_PASSWORD, add_accounts, live_state, report_args
from .test_cli import antt


@pytest.fixture
def commune(tmp_path) -> Store:
    """A commune's laptop database: the demo layers, a few incidents moved along, an
    admin account."""
    s = Store(tmp_path / "commune.duckdb")
    s.init()
    start = setup_time(date(2021, 5, 23))
    load_demo(s, at=start)
    site = s.frame("site").iloc[0]
    for k in range(3):
        row = incidents.report(s, **report_args(description=f"Vụ {k}", lon=site["lon"],
                                                lat=site["lat"]),
                               at=start + timedelta(hours=2, minutes=2 * k))
        incidents.move(s, row["id"], "verify", expected_version=1, actor="trực ban",
                       at=start + timedelta(hours=2, minutes=2 * k + 1))
    s.close()
    add_accounts(tmp_path / "commune.duckdb", quantri="admin")
    return s


@pytest.fixture
def target(new_database, tmp_path) -> str:
    return new_database(tmp_path, "province")


def test_migrate_copies_everything_and_twice_changes_nothing(commune, target):
    first = antt(commune.path, "--user", "quantri", "migrate", "--to", target)
    assert first.returncode == 0, first.stderr
    assert "Copied, in one transaction" in first.stdout
    src, dst = Store(commune.path), Store(target)
    # The same entities, accounts, layers and log: states, and a replay of the target.
    assert live_state(dst) == live_state(src)
    entity_events = src.events().query("entity != 'session'")
    assert len(dst.events()) == len(entity_events) > 30
    assert dst.events()[["entity", "entity_id", "version", "action"]].values.tolist() == \
        entity_events[["entity", "entity_id", "version", "action"]].values.tolist()
    assert dst.layer_summary()[["kind", "features"]].equals(
        src.layer_summary()[["kind", "features"]])
    at = src.events()["occurred_at"].iloc[len(src.events()) // 2]
    assert state_at(dst, at) == state_at(src, at)
    # The admin logs in on the server with the password it had on the laptop.
    assert accounts.login(dst, "quantri", TEST_PASSWORD).role == "admin"
    before = (dst.last_event(), dst.counts(), len(dst.events()))
    dst.close()

    again = antt(commune.path, "--user", "quantri", "migrate", "--to", target)
    assert again.returncode == 0, again.stderr
    assert "Nothing new to copy" in again.stdout
    dst = Store(target)
    assert (dst.last_event(), dst.counts(), len(dst.events())) == before
    dst.close()


def test_migrate_refuses_to_overwrite_and_writes_nothing(commune, target):
    dst = Store(target)
    assert not migrate.migrate(Store(commune.path), dst).conflicts
    # The province changes incident 1; the commune changes incident 2 on its laptop.
    one = dst.get("incident", 1)
    incidents.move(dst, 1, "note", expected_version=one["version"], actor="tỉnh",
                   note="tỉnh đã gọi lại")
    local = Store(commune.path)
    incidents.move(local, 2, "note", expected_version=2, actor="xã", note="xã đã xác minh")
    local.close()
    before = (dst.last_event(), live_state(dst))
    dst.close()

    r = antt(commune.path, "--user", "quantri", "migrate", "--to", target)
    assert r.returncode == 2
    assert "NOTHING copied: 2 record(s)" in r.stderr
    assert "incident 1:" in r.stderr and "incident 2:" in r.stderr
    assert "by tỉnh" in r.stderr and "by xã" in r.stderr
    dst = Store(target)
    assert (dst.last_event(), live_state(dst)) == before
    dst.close()


def test_migrate_needs_an_admin(commune, target):
    add_accounts(commune.path, xem="viewer")
    r = antt(commune.path, "--user", "xem", "migrate", "--to", target)
    assert r.returncode == 2 and "needs the role admin" in r.stderr
    dst = Store(target)
    dst.init()
    assert dst.last_event() == (0, None)
    dst.close()


def test_dry_run_writes_nothing(commune, target):
    r = antt(commune.path, "--user", "quantri", "migrate", "--to", target, "--dry-run")
    assert r.returncode == 0 and "Dry run" in r.stdout
    dst = Store(target)
    assert dst.last_event() == (0, None) and dst.layer_summary().empty
    dst.close()
