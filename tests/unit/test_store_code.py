"""The store's rules read from the source: an append-only event log, SQL only in
geo/store.py and, where the two databases differ, its dialects beside each other in
geo/dialects.py."""

import re

from ..conftest import ROOT


def test_event_log_is_append_only_in_code():
    """No statement in the store updates or deletes an event row."""
    src = "".join((ROOT / "geo" / f).read_text() for f in ("store.py", "dialects.py"))
    assert not re.search(r"(UPDATE|DELETE FROM)\s+events", src, re.I)


def test_sql_lives_only_in_store():
    root = ROOT
    pattern = re.compile(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|CREATE TABLE)\b")
    offenders = [str(p.relative_to(root)) for d in ("geo", "dashboard")
                 for p in (root / d).rglob("*.py")
                 if p.name not in ("store.py", "dialects.py") and pattern.search(p.read_text())]
    assert offenders == []
