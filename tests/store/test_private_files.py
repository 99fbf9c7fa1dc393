"""Local files and secrets (issue 27, part 8): the DuckDB file (it holds the password
hashes), its ``.wal`` and a folder ANTT creates for it are the owner's alone; a folder that
was there keeps its mode; ANTT_PASSWORD leaves the environment once the CLI has read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from geo.store import Store

from ..conftest import TEST_PASSWORD, add_accounts, make_account


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture
def umask022():
    """The usual umask, whatever the test runner's: without ANTT's care a new file would
    be 0644 and a new folder 0755, readable by every local user."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_database_its_wal_and_the_folders_antt_makes_are_private(tmp_path, umask022):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    path = shared / "var" / "antt" / "antt.duckdb"
    store = Store(path, checkpoint=False)  # no checkpoint: the .wal stays to be looked at
    store.init()
    make_account(store, "operator", username="tb")  # a password hash in `credentials`
    wal = Path(f"{path}.wal")
    assert wal.exists()
    assert _mode(path) == 0o600 and _mode(wal) == 0o600
    assert _mode(shared / "var") == _mode(shared / "var" / "antt") == 0o700
    assert _mode(shared) == 0o755  # there before: not ours to change
    assert _umask() == 0o022  # the process's umask is back once the writes are done
    store.close()


def test_the_wal_made_again_after_a_checkpoint_is_private(tmp_path, umask022):
    """DuckDB removes its .wal at a checkpoint and makes a new one at the next write, in
    a folder that may be anyone's (/tmp): that one must be private too."""
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    path = folder / "antt.duckdb"
    store = Store(path, checkpoint=False)
    store.init()
    make_account(store, "operator", username="tb")
    store.close()  # closing checkpoints: the .wal is gone
    wal = Path(f"{path}.wal")
    assert not wal.exists()
    make_account(store, "operator", username="tb2")
    assert wal.exists() and _mode(wal) == 0o600
    assert _mode(path) == 0o600 and _mode(folder) == 0o755
    store.close()


def test_an_existing_readable_database_is_tightened_and_its_folder_left(tmp_path, umask022):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o750)
    path = folder / "antt.duckdb"
    duckdb.connect(str(path)).close()  # made by an older ANTT or by hand
    path.chmod(0o644)
    store = Store(path)
    store.init()
    assert _mode(path) == 0o600 and _mode(folder) == 0o750
    store.close()


def test_antt_password_leaves_the_environment_once_read(tmp_path, monkeypatch, capsys):
    from geo.cli import main

    db = tmp_path / "c.duckdb"
    add_accounts(db, op="commander")
    monkeypatch.setenv("ANTT_PASSWORD", TEST_PASSWORD)
    code = main(["--db", str(db), "--user", "op", "incident", "report", "--kind", "fire",
                 "--severity", "2", "--lon", "106.53", "--lat", "21.04", "--source",
                 "patrol"])
    assert code == 0, capsys.readouterr().err
    assert "ANTT_PASSWORD" not in os.environ
    assert Store(db).audit(action="report")["actor"].tolist() == ["op"]  # it was used


def test_antt_serve_starts_the_dashboard_without_antt_password(tmp_path, monkeypatch):
    """`antt serve` never logs in, so never reads the password; the dashboard it starts
    must not inherit it either."""
    import geo.cli

    started: list[dict] = []

    def call(cmd: list[str], env: dict[str, str], cwd: Path) -> int:
        started.append(env)  # the dashboard's environment; it is not started here
        return 0

    monkeypatch.setattr(geo.cli.subprocess, "call", call)
    monkeypatch.setenv("ANTT_PASSWORD", TEST_PASSWORD)
    assert geo.cli.main(["--db", str(tmp_path / "s.duckdb"), "serve"]) == 0
    assert len(started) == 1 and "ANTT_DB" in started[0]
    assert "ANTT_PASSWORD" not in started[0] and "ANTT_PASSWORD" not in os.environ


def test_a_new_account_takes_its_password_from_the_environment(tmp_path, monkeypatch,
                                                               capsys):
    """``antt user add`` with no terminal: the first account (no login before it) takes
    ANTT_PASSWORD, as the refusal message says; an admin adding one logs in with
    ANTT_PASSWORD and gives the new one in ANTT_NEW_PASSWORD; neither stays behind."""
    from geo import accounts
    from geo.cli import main

    db = tmp_path / "c.duckdb"
    Store(db).init()
    monkeypatch.setenv("ANTT_PASSWORD", TEST_PASSWORD)
    assert main(["--db", str(db), "user", "add", "chief", "--role", "admin"]) == 0, \
        capsys.readouterr().err
    assert "ANTT_PASSWORD" not in os.environ
    new = "mat-khau-moi-cua-to-1"
    monkeypatch.setenv("ANTT_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("ANTT_NEW_PASSWORD", new)
    assert main(["--db", str(db), "--user", "chief", "user", "add", "to1", "--role",
                 "operator"]) == 0, capsys.readouterr().err
    assert "ANTT_NEW_PASSWORD" not in os.environ and "ANTT_PASSWORD" not in os.environ
    store = Store(db)
    assert accounts.login(store, "chief", TEST_PASSWORD).username == "chief"
    assert accounts.login(store, "to1", new).username == "to1"
    store.close()
    # Nothing in the environment and no terminal: the message names ANTT_NEW_PASSWORD.
    monkeypatch.setenv("ANTT_PASSWORD", TEST_PASSWORD)
    assert main(["--db", str(db), "--user", "chief", "user", "add", "to2", "--role",
                 "operator"]) != 0
    assert "ANTT_NEW_PASSWORD" in capsys.readouterr().err
