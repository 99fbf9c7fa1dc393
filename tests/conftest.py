"""Shared fixtures: a real DuckDB file in a temporary folder, a few units and sites."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from geo import sites, units
from geo.store import Store

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "antt.duckdb"


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(db_path)
    s.init()
    yield s
    s.close()


@pytest.fixture
def staffed(store: Store) -> Store:
    """A store with two teams and one polling site (in An Phụ's area)."""
    units.register(store, code="T1", name="Tổ tuần tra 1", actor="trực ban", size=4)
    units.register(store, code="T2", name="Tổ tuần tra 2", actor="trực ban", size=3)
    sites.register(store, code="S1", name="Nhà văn hóa thôn An Cư", lon=106.53, lat=21.04,
                   actor="trực ban", voters=900)
    return store


def cli_env(db: Path) -> dict[str, str]:
    return {**os.environ, "ANTT_DB": str(db), "PYTHONPATH": str(ROOT)}


def report_args(**over) -> dict:
    args = dict(kind="disorder", severity=2, lon=106.53, lat=21.04, source="hotline",
                actor="trực ban", description="Tụ tập trước nhà văn hóa")
    args.update(over)
    return args
