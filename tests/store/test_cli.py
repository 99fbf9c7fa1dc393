"""The `antt` command line, run as a user would (its own process)."""

import json
import subprocess

import pandas as pd
import pytest

from ..conftest import PYTHON, ROOT, add_accounts, cli_env


def antt(db, *args, input: str | None = None):
    return subprocess.run([PYTHON, "-m", "geo.cli", "--db", str(db), *args],
                          capture_output=True, text=True, env=cli_env(db), cwd=ROOT, timeout=120,
                          input=input)


@pytest.mark.slow
def test_cli_flow(tmp_path):
    db = tmp_path / "c.duckdb"
    first = antt(db, "init", "--empty")
    assert first.returncode == 0 and "(applied migrations 1, 2, 3, 4, 5, 6, 7, 8)" in first.stdout
    again = antt(db, "init", "--empty")  # nothing left to apply, and it says so
    assert "schema up to date" in again.stdout and "applied" not in again.stdout
    add_accounts(db, admin="admin", op="commander")
    assert antt(db, "--user", "admin", "unit", "register", "T1", "Tổ 1", "--size", "4"
                ).returncode == 0
    r = antt(db, "--json", "--user", "op", "incident", "report", "--kind", "gathering",
             "--severity", "3", "--lon", "106.53", "--lat", "21.04", "--source", "hamlet_team",
             "--description", "Tụ tập ở thôn An Cư")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    assert row["status"] == "reported" and row["description"] == "Tụ tập ở thôn An Cư"
    r = antt(db, "--json", "--user", "op", "incident", "move", str(row["id"]), "verify",
             "--version", "1")
    assert json.loads(r.stdout)["status"] == "verifying"
    r = antt(db, "--json", "--user", "op", "incident", "move", str(row["id"]), "dispatch",
             "--version", "2", "--team", "T1")
    assert json.loads(r.stdout)["team_code"] == "T1"
    r = antt(db, "--json", "status")
    counts = json.loads(r.stdout)
    assert counts["incidents"] == {"dispatched": 1} and counts["units"] == {"responding": 1}
    r = antt(db, "--user", "op", "export", "--out", str(tmp_path / "out"))
    assert r.returncode == 0
    # register, report, verify, respond, dispatch
    assert len(pd.read_parquet(tmp_path / "out" / "events.parquet")) == 5


@pytest.mark.slow
def test_cli_errors_are_clear_and_exit_2(tmp_path):
    db = tmp_path / "c.duckdb"
    antt(db, "init", "--empty")
    add_accounts(db, op="commander", op2="commander")
    r = antt(db, "--user", "op", "incident", "report", "--kind", "fire", "--severity", "9",
             "--lon", "21", "--lat", "106", "--source", "patrol")
    assert r.returncode == 2
    assert "field 'severity'" in r.stderr and "swapped" in r.stderr
    antt(db, "--user", "op", "incident", "report", "--kind", "fire", "--severity", "2",
         "--lon", "106.5", "--lat", "21", "--source", "patrol")
    r = antt(db, "--user", "op", "incident", "move", "1", "close", "--version", "1")
    assert r.returncode == 2 and "allowed now: verify, escalate, false_alarm" in r.stderr
    r = antt(db, "--user", "op2", "incident", "move", "1", "verify", "--version", "7")
    assert r.returncode == 2 and "changed by op" in r.stderr
    assert "Traceback" not in r.stderr


def test_commands_work_on_a_new_file_without_init(tmp_path):
    """`antt simulate` (or any command) on a path that does not exist yet creates and
    migrates the database first, as the README's drill commands assume."""
    db = tmp_path / "new" / "drill.duckdb"
    db.parent.mkdir()
    r = antt(db, "status")
    assert r.returncode == 0, r.stderr
    assert db.exists()


def test_init_on_yesterdays_database_keeps_it_and_says_how_to_get_today(tmp_path):
    from datetime import timedelta

    from geo import units
    from geo.clock import local_midnight_utc
    from geo.store import Store

    db = tmp_path / "old.duckdb"
    store = Store(str(db))
    store.init()
    units.register(store, code="T1", name="Tổ 1", actor="test",  # written yesterday
                   at=local_midnight_utc() - timedelta(hours=5))
    store.close()
    r = antt(db, "init")
    assert r.returncode == 0, r.stderr
    assert "last event is from" in r.stdout and f"rm {db}" in r.stdout, r.stdout
    store = Store(str(db))
    assert store.layer_summary().empty  # nothing replayed over what is there
    store.close()


@pytest.mark.parametrize("address, banner", [("127.0.0.1", None), ("0.0.0.0", "localhost")])
def test_serve_runs_the_guarded_server_and_its_banner_asks_nobody(tmp_path, monkeypatch,
                                                                    address, banner):
    """`antt serve` runs dashboard/server.py (origin check, HttpOnly cookie). Listening on
    every address, Streamlit's start-up banner would look up this machine's public address
    on the internet before server.py is imported: a set browser.serverAddress skips it."""
    from geo import cli
    ran = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kw: ran.append(cmd) or 0)
    monkeypatch.setenv("ANTT_ADDRESS", address)
    assert cli.main(["--db", str(tmp_path / "s.duckdb"), "serve", "--port", "8765"]) == 0
    cmd = ran[0]
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert cmd[4] == str(ROOT / "dashboard" / "server.py")
    assert cmd[cmd.index("--server.address") + 1] == address
    assert (cmd[cmd.index("--browser.serverAddress") + 1]
            if "--browser.serverAddress" in cmd else None) == banner
