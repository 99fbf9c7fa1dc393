"""The store's rules read from the source: an append-only event log, SQL only in the
geo/store/ package, one transaction block, and both databases' cursors offering the same
interface (``geo.store.dialect.Cursor``)."""

import inspect
import re

import pytest

from geo.store.dialect import Cursor
from geo.store.duck import DuckCursor
from geo.store.pg import PgCursor

from ..conftest import ROOT

STORE = ROOT / "geo" / "store"


def _sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in STORE.glob("*.py")}


def test_event_log_is_append_only_in_code():
    """No statement in the store updates or deletes an event row."""
    assert not re.search(r"(UPDATE|DELETE FROM)\s+events", "".join(_sources().values()), re.I)


def test_sql_lives_only_in_the_store_package():
    pattern = re.compile(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|CREATE TABLE)\b")
    offenders = [str(p.relative_to(ROOT)) for d in ("geo", "dashboard")
                 for p in (ROOT / d).rglob("*.py")
                 if STORE not in p.parents and pattern.search(p.read_text())]
    assert offenders == []


def test_one_transaction_block_and_one_clock_update():
    """BEGIN and COMMIT are written once (``tx.transaction``) and the clock moved once
    (``Tx.flush``): every write goes through ``unit_of_work``."""
    src = _sources()
    begins = {name: len(re.findall(r"BEGIN TRANSACTION", text)) for name, text in src.items()}
    commits = {name: len(re.findall(r'"COMMIT"', text)) for name, text in src.items()}
    clock = {name: len(re.findall(r"UPDATE clock", text)) for name, text in src.items()}
    assert {k: v for k, v in begins.items() if v} == {"tx.py": 1}
    assert {k: v for k, v in commits.items() if v} == {"tx.py": 1}
    assert {k: v for k, v in clock.items() if v} == {"tx.py": 1}
    assert "SELECT last_event_id, last_at FROM clock" not in src["bulk.py"] + src["store.py"]


def _members() -> list[str]:
    return [n for n in dir(Cursor) if not n.startswith("_")] + \
        [n for n in Cursor.__annotations__ if not n.startswith("_")]


@pytest.mark.parametrize("cls", [DuckCursor, PgCursor], ids=["duckdb", "postgresql"])
def test_each_dialect_offers_the_whole_cursor_interface(cls):
    missing = [n for n in _members() if not hasattr(cls, n)]
    assert missing == [], f"{cls.__name__} lacks {missing}"
    for name in _members():
        want, have = getattr(Cursor, name, None), getattr(cls, name)
        if callable(want):
            assert list(inspect.signature(have).parameters) == \
                list(inspect.signature(want).parameters), f"{cls.__name__}.{name}"
        else:
            assert isinstance(have, str), f"{cls.__name__}.{name} is not SQL text"
