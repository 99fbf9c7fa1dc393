"""The session rules read from the source: a self-refreshing part of a page reruns
without ``app.py``'s session check, so every fragment goes through ``auth.fragment``,
which checks the session first; and every command that writes for an account checks
it inside its transaction (``accounts.authorize``)."""

import re

from ..conftest import ROOT


def test_every_fragment_checks_the_session():
    """``st.fragment`` appears only inside ``dashboard/auth.py``'s wrapper."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "dashboard").rglob("*.py")
                 if p.name != "auth.py" and re.search(r"\bst\.fragment\b", p.read_text())]
    assert offenders == []
    pages = [p for p in (ROOT / "dashboard" / "app_pages").glob("*.py")
             if "auth.fragment(" in p.read_text()]
    assert len(pages) >= 5  # live, board, incidents, sites, teams, review


def test_every_command_that_transacts_for_an_actor_authorizes_inside():
    """A module of commands that writes for an ``Actor`` calls ``authorize`` as often as
    it opens a transaction for one (login and the session bookkeeping aside)."""
    for name in ("incidents.py", "sites.py", "units.py", "registry.py", "io/importer.py"):
        src = (ROOT / "geo" / name).read_text()
        assert "authorize(tx" in src, name
        assert src.count("store.transact(") <= src.count("authorize(tx"), name
