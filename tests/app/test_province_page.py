"""The live page on a PostgreSQL server that goes down and comes back: the page shows its
last state with the busy notice, never a traceback, and is itself again once the server
answers."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from bench.pgserver import PgServer
from geo import accounts
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from ..conftest import ROOT, make_account

BUSY = "Cơ sở dữ liệu đang bận"


def _busy(at: AppTest) -> bool:
    return any(BUSY in w.value for w in at.warning) or any(BUSY in i.value for i in at.info)


@pytest.mark.slow
def test_live_page_rides_out_a_server_restart(monkeypatch):
    with PgServer() as server:
        url = server.create_database("antt")
        store = Store(url)
        store.init()
        load_demo(store, at=setup_time(date(2021, 5, 23)))
        who = make_account(store, "commander", username="chihuy")
        monkeypatch.setenv("ANTT_DB", url)
        monkeypatch.setenv("ANTT_PAGE_LOCK_TIMEOUT", "1")
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["session_token"] = accounts.start_session(store, who)
        at.run()
        assert not at.exception and not at.error and not _busy(at)
        title = at.title[0].value

        server.stop("immediate")
        at.run()
        assert not at.exception and not at.error, (at.exception, at.error)
        assert _busy(at)

        server.start()
        at.run()
        assert not at.exception and not at.error and not _busy(at)
        assert at.title[0].value == title
        store.close()
