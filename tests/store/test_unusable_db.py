"""Databases that cannot be used, and addresses that are not databases: one clear line and
exit 2 from the CLI, never a traceback; nothing is written to a file that is not ours."""

from __future__ import annotations

import duckdb
import pytest

from geo.errors import StoreUnusable
from geo.store import Store
from geo.store.schema import MIGRATIONS

from ..conftest import ROOT
from ..helpers_unusable_db import _damaged
from .test_cli import antt

CASES = ["truncated", "flipped", "zero bytes", "zeros", "text file"]


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("command", [["status"], ["layers"], ["init"],
                                     ["export", "--out", "x"]])
def test_damaged_database_gives_one_line_and_exit_2(tmp_path, good_bytes, kind, command):
    db = tmp_path / "bad.duckdb"
    db.write_bytes(_damaged(kind, good_bytes))
    before = db.read_bytes()
    r = antt(db, *command)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: database {db}")
    assert "Traceback" not in r.stderr + r.stdout
    assert db.read_bytes() == before  # nothing written into a damaged file


def test_foreign_and_future_databases_are_refused(tmp_path):
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.close()
    with pytest.raises(StoreUnusable, match="another program's database.*customers"):
        Store(foreign).init()
    con = duckdb.connect(str(foreign))
    assert [r[0] for r in con.execute("SHOW TABLES").fetchall()] == ["customers"]
    con.close()

    future = tmp_path / "future.duckdb"
    store = Store(future)
    store.init()
    store.close()
    con = duckdb.connect(str(future))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    con.close()
    r = antt(future, "status")
    assert r.returncode == 2 and "newer version of ANTT (schema 999" in r.stderr
    assert f"knows up to {max(v for v, _, _ in MIGRATIONS)}" in r.stderr


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://user:secret@db.example/antt"])
def test_other_database_urls_are_refused_as_such(url):
    r = antt(url, "init")
    assert r.returncode == 2
    assert "not supported" in r.stderr and "secret" not in r.stderr
    assert not any(p.name.startswith(("mysql", "sqlite")) for p in ROOT.iterdir())


@pytest.mark.parametrize("url, why", [
    ("postgresql://user:secret@db.example/antt", "cannot reach the server"),
    ("postgresql://antt:secret@127.0.0.1:{port}/no_such_db", "does not exist"),
    ("postgresql://antt:secret@127.0.0.1:1/antt", "cannot reach the server")])
def test_postgresql_urls_that_cannot_be_used_say_why_at_once(url, why, pg_server):
    """A host that does not resolve, a database that does not exist, a port nobody listens
    on: one line naming the server (never the password), without waiting out the timeout."""
    r = antt(url.format(port=pg_server.port), "init")
    assert r.returncode == 2, r.stderr
    assert why in r.stderr and "secret" not in r.stderr and "Traceback" not in r.stderr
    assert not any(p.name.startswith("postgres") for p in ROOT.iterdir())


def test_paths_that_are_not_database_files(tmp_path):
    folder = tmp_path / "a-folder.duckdb"
    folder.mkdir()
    r = antt(folder, "status")
    assert r.returncode == 2 and "a folder, not a database file" in r.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = antt(blocker / "sub" / "x.duckdb", "status")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_report_refuses_an_unknown_extension_before_any_work(tmp_path):
    db = tmp_path / "r.duckdb"
    assert antt(db, "init", "--empty").returncode == 0
    r = antt(db, "report", "--out", str(tmp_path / "r.txt"))
    assert r.returncode == 2 and ".pdf or .html" in r.stderr
    assert not (tmp_path / "r.txt").exists()
