"""The province server: two dashboard processes on one throwaway PostgreSQL. An incident
logged on one process's operator page appears on the other process's live map."""

from __future__ import annotations

from datetime import date

import pytest

from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from ..conftest import new_pg_database
from .conftest import Dashboard, serve
from .test_live_browser import _settled
from .test_operations_browser import log_fire

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_write_through_one_process_shows_on_another(pg_server, open_page):
    url = new_pg_database(pg_server)
    store = Store(url)
    store.init()
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    with serve(url) as one, serve(url) as other:
        assert one != other
        writer, watcher = Dashboard(one, store), Dashboard(other, store)
        live = open_page(other + "/", session=watcher.session("viewer"))
        _settled(live)
        before = set(store.incidents()["id"])

        b, new_id = log_fire(open_page, writer, "trucban-tinh", before)
        assert store.get("incident", new_id)["created_by"] == "trucban-tinh"

        # The other process has its own sessions and its own connections: only the
        # database carries the change across.
        selector = f".antt-incident[data-id='{new_id}']"
        live.map_frame().wait_for_selector(selector, state="attached", timeout=60_000)
        assert b.errors == [] and live.errors == [] and live.blocked == []
    store.close()
