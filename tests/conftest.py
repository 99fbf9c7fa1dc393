"""Shared fixtures: a real DuckDB file in a temporary folder (and, for the store tests, a
real PostgreSQL database on a throwaway server), a few units and sites."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from geo import sites, units
from geo.store import Store

# The command line speaks Vietnamese by default; the tests read its English messages
# (tests/store/test_cli_language.py checks the Vietnamese default on its own).
os.environ["ANTT_LANG"] = "en"

# Helpers shared by tests of several levels (unit, store, app): their asserts are rewritten
# as a test module's are.
pytest.register_assert_rewrite(*(f"tests.{p.stem}" for p in
                                 sorted(Path(__file__).parent.glob("helpers_*.py"))))

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "antt.duckdb"


@pytest.fixture
def db(db_path: Path) -> str:
    """The database the ``store`` fixture opens: a DuckDB file here; in tests/store a file
    and a PostgreSQL database in turn (tests/store/conftest.py)."""
    return str(db_path)


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server for the whole run (bench.pgserver); each test that
    asks for one gets its own database on it. Never skipped: with no server binaries
    it fails, saying what to install."""
    from bench.pgserver import PgServer

    server = PgServer().start()
    yield server
    server.destroy()


@pytest.fixture(autouse=True)
def _no_pg_connections_left():
    """After each test, close the PostgreSQL pools it opened (hundreds of tests' databases
    would otherwise hold the throwaway server's connections until the run ends)."""
    yield
    from geo.store.pg import close_all_pools

    close_all_pools()


_DATABASES = iter(range(1, 1_000_000))


def new_pg_database(server, template: str | None = None) -> str:
    """A new empty database on *server* (or a copy of the database *template*): its URL."""
    return server.create_database(f"t{next(_DATABASES)}", template)


@pytest.fixture
def store(db: str) -> Store:
    s = Store(db)
    s.init()
    yield s
    s.close()


def add_checkpoints(store: Store, points: dict[str, tuple[str, float, float]]) -> None:
    """Checkpoint features *code → (route, lon, lat)*, as an import would store them."""
    import json

    import pandas as pd
    import shapely

    rows = pd.DataFrame([{"code": code, "name": f"Chốt {code}", "commune_code": None,
                          "props": json.dumps({"route_code": route, "seq": None,
                                               "interval_min": None}),
                          "geom": shapely.to_wkb(shapely.Point(x, y))}
                         for code, (route, x, y) in points.items()])
    store.transact(lambda tx: tx.put_features("checkpoints", rows, actor="setup",
                                              source="test", added=len(rows), changed=0))


@pytest.fixture
def staffed(store: Store) -> Store:
    """A store with two teams on their routes (checkpoints CP1 and CP-1 on T1's, CP2 on
    T2's) and one polling site (in An Phụ's area)."""
    units.register(store, code="T1", name="Tổ tuần tra 1", actor="trực ban", size=4,
                   route_code="R1")
    units.register(store, code="T2", name="Tổ tuần tra 2", actor="trực ban", size=3,
                   route_code="R2")
    add_checkpoints(store, {"CP1": ("R1", 106.53, 21.04), "CP-1": ("R1", 106.532, 21.042),
                            "CP2": ("R2", 106.531, 21.041)})
    sites.register(store, code="S1", name="Nhà văn hóa thôn An Cư", lon=106.53, lat=21.04,
                   actor="trực ban", voters=900)
    return store


def cli_env(db: Path) -> dict[str, str]:
    """The environment of an `antt` process; accounts made by the tests share one password."""
    return {**os.environ, "ANTT_DB": str(db), "PYTHONPATH": str(ROOT),
            "ANTT_PASSWORD": "mat-khau-thu-nghiem"}


def add_accounts(db: Path, **roles: str) -> None:
    """Accounts *name=role* in the database at *db*, with the tests' password."""
    from geo import accounts

    store = Store(db)
    store.init()
    for name, role in roles.items():
        accounts.add_user(store, "test", username=name, role=role, display_name=name,
                          password="mat-khau-thu-nghiem")
    store.close()


def report_args(**over) -> dict:
    args = dict(kind="disorder", severity=2, lon=106.53, lat=21.04, source="hotline",
                actor="trực ban", description="Tụ tập trước nhà văn hóa")
    args.update(over)
    return args


TEST_PASSWORD = "mat-khau-thu-nghiem"


def make_account(store: Store, role: str, *, username: str | None = None,
                 communes: object = "*", unit: str | None = None, site: str | None = None,
                 display_name: str | None = None):
    """A real account (argon2id hash in the store), logged in: the Account back."""
    from geo import accounts

    name = username or f"{role}1"
    accounts.add_user(store, "test", username=name, display_name=display_name or name,
                      role=role, password=TEST_PASSWORD, communes=communes, unit_code=unit,
                      site_code=site)
    return accounts.login(store, name, TEST_PASSWORD)


def app_as(store: Store, role: str = "operator", path: str | None = None, **account):
    """An AppTest of the dashboard logged in as a new account of *role* (a real session
    token, as the browser's cookie would carry)."""
    from streamlit.testing.v1 import AppTest

    from geo import accounts

    who = make_account(store, role, **account)
    at = AppTest.from_file(path or str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["session_token"] = accounts.start_session(store, who)
    return at


def live_state(store: Store) -> dict[str, dict[str, dict]]:
    """Every entity's current row, encoded as its events encode it: what a replay of the
    log at "now" must equal."""
    from geo.analysis.replay import current_state

    return current_state(store)


def read_people_csv(data: bytes | Path) -> pd.DataFrame:
    """A CSV for people (``geo.io.people_csv``) with its Vietnamese headers read back to
    the store's column names, so a test can compare it with what the store holds."""
    import io as _io

    from geo.i18n import catalogue
    raw = data.read_bytes() if isinstance(data, Path) else data
    assert raw.startswith(b"\xef\xbb\xbf"), "a CSV for Excel starts with a UTF-8 BOM"
    back = {v: k.removeprefix("csv.") for k, v in catalogue("vi").items()
            if k.startswith("csv.")}
    frame = pd.read_csv(_io.BytesIO(raw), encoding="utf-8-sig", decimal=",")
    return frame.rename(columns=back)
