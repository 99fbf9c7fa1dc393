"""A report sent again after the server crashed is recognised (issue 27): the dashboard is
killed (SIGKILL) once the incident is committed but before the page heard back, a new
server starts on the same database and port, the page reconnects by itself, the operator
sends the same form again, and the store still holds one incident: the page says it was
logged before, with its number."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from geo.store import Store

from .conftest import Dashboard, demo_db, serve
from .test_live_browser import _wait
from .test_operations_browser import _choose, _idle, _main

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 60_000
KEYED = re.compile(r"[?&]f=[0-9a-f]{16}")
# Every websocket the page opens is counted; a held one hands the page nothing more from
# its server (what a crash right after the commit keeps from the operator). In the page,
# so nothing waits on the test's own thread.
LINKS = """(() => {
    const Native = window.WebSocket;
    window.__links = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            const link = {held: false, open: false, closed: false};
            window.__links.push(link);
            this.addEventListener("open", () => { link.open = true; });
            this.addEventListener("close", () => { link.closed = true; });
            // Added before the app's own handler, so it can keep a message from it.
            this.addEventListener("message", e => {
                if (link.held) e.stopImmediatePropagation();
            });
        }
    };
})()"""


def _incidents(store: Store) -> list[int]:
    ids = sorted(store.incidents()["id"])
    store.close()  # let the dashboard have the file
    return ids


def _fill(page) -> None:
    """The operator form: a fire at Huề Trì's polling site, with a description."""
    _main(page).get_by_text("Điểm bỏ phiếu", exact=True).first.click()
    _choose(page, "Điểm bỏ phiếu", "Huề Trì")
    _choose(page, "Loại vụ việc", "Cháy")
    _main(page).get_by_label("Nội dung").fill("Cháy kho rơm sau nhà văn hóa")


def test_a_report_sent_again_after_a_server_crash_is_logged_once(tmp_path, open_page):
    db = demo_db(tmp_path)
    store = Store(db)
    with serve(db) as url:
        token = Dashboard(url, store).session("operator", username="trucban-crash",
                                             display_name="Trực ban sự cố")
        store.close()
        b = open_page(url + "/operator", session=token)
        page = b.page
        page.add_init_script(LINKS)
        page.reload()  # the page's websockets are now counted (and may be held)
        _main(page).get_by_role("button", name="Ghi vụ việc").wait_for(timeout=TIMEOUT)
        _fill(page)
        page.wait_for_url(KEYED, timeout=TIMEOUT)  # the form's key is in the URL
        key = parse_qs(urlparse(page.url).query)["f"]
        links = page.evaluate("() => { window.__links.forEach(l => l.held = true); "
                              "return window.__links.length; }")
        _main(page).get_by_role("button", name="Ghi vụ việc").click()
        assert _wait(lambda: len(_incidents(store)) == 1, 30), "the save was not committed"
        url.proc.kill()  # SIGKILL: no shutdown, and the page never heard of the save
        url.proc.wait(timeout=20)
        assert page.get_by_text("Đã ghi vụ việc số").count() == 0
        assert parse_qs(urlparse(page.url).query)["f"] == key

        with serve(db, port=int(url.rsplit(":", 1)[1])):
            # The page finds the new server by itself (it may or may not run the page
            # again there: Streamlit's frontend reruns on reconnect only when it knew of
            # a run under way), and the form is still on screen as it was sent.
            page.wait_for_function("n => window.__links.slice(n).some(l => l.open && "
                                   "!l.closed)", arg=links, timeout=TIMEOUT)
            _idle(page)
            assert parse_qs(urlparse(page.url).query)["f"] == key  # the browser kept it
            assert _main(page).get_by_label("Nội dung").input_value() == \
                "Cháy kho rơm sau nhà văn hóa"
            _main(page).get_by_role("button", name="Ghi vụ việc").click()  # sent again
            again = page.get_by_text(re.compile(r"Đã ghi vụ việc số #\d+ từ trước"))
            again.wait_for(timeout=TIMEOUT)
            ids = _incidents(store)
            assert len(ids) == 1
            assert f"#{ids[0]} từ trước" in again.inner_text()
            assert page.get_by_text("Cùng vụ việc?").count() == 0  # recognised, not asked
            assert "Traceback" not in page.inner_text("body")
    assert b.blocked == []
