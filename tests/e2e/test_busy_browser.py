"""While another process holds the database file, the live page keeps its last state
with the "đang bận, sẽ thử lại" notice (never a traceback), and recovers by itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTICE = "đang bận"


def test_live_page_shows_busy_notice_and_recovers(dashboard, open_page):
    b = open_page(f"{dashboard.url}/?commune=10732", session=dashboard.session())
    page = b.page
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
    assert b.map_frame() is not None  # drawn before the file is taken
    dashboard.store.close()  # the test process lets go of the file too
    holder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "hold_lock.py"),
                               dashboard.store.path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "holding"
        page.wait_for_function(
            "t => document.body.innerText.toLowerCase().includes(t)", arg=NOTICE,
            timeout=60_000)
        text = page.inner_text("body")
        assert "Traceback" not in text and "StoreBusy" not in text
        # The last state stays on screen: the KPI strip and the map are still there.
        assert page.locator("[data-testid='stMetricValue']").count() >= 5
        assert b.map_frame() is not None
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    page.wait_for_function(
        "t => !document.body.innerText.toLowerCase().includes(t)", arg=NOTICE,
        timeout=60_000)
    assert "Traceback" not in page.inner_text("body")
