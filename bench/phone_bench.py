"""Phone benchmark: the login page on a slow rural link, in headless Chromium at 390×844
with Chromium's own network emulation (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency):
seconds from navigation to the login form's password field visible, bytes received for
that first visit, and bytes for a return visit in the same browser (its cache warm);
beside the same with the compression off (``ANTT_COMPRESS=0``: Streamlit as it is), in
the same run. Medians of ``--runs`` visits, each first visit in a fresh browser context.

Bytes are what came over the wire for HTTP (CDP ``Network.loadingFinished``
``encodedDataLength``: headers and the body as sent), counted until the page has
settled; websocket frames (Streamlit's messages, the form itself) are shown apart.

``python -m bench phone`` (``--runs``)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from .browser import ARGS, CHROMIUM, DAY, serve, settle
from .common import table

# A rural 3G link, as Chromium's DevTools presets write one.
LINK = {"offline": False, "latency": 150, "downloadThroughput": 200_000,
        "uploadThroughput": 93_750}
PHONE = {"width": 390, "height": 844}
PASSWORD_FIELD = 'input[type="password"]'
RUNS = 3
# Only this machine: no request leaves it (no interception, which would turn the
# browser's cache off and make a return visit meaningless).
LOCAL_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
TARGET_FORM_S, TARGET_FIRST_B, TARGET_RETURN_B = 5.0, 1_000_000, 150_000


@dataclass
class Visit:
    seconds: float  # navigation → password field visible
    http: int  # bytes over the wire, HTTP
    ws: int  # bytes of websocket frames received


def _visit(ctx, url: str) -> Visit:
    """Open *url* in a new page of *ctx* over the emulated link; the visit's figures."""
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", LINK)
    got = {"http": 0, "ws": 0}
    cdp.on("Network.loadingFinished",
           lambda e: got.__setitem__("http", got["http"] + int(e["encodedDataLength"])))
    cdp.on("Network.webSocketFrameReceived",
           lambda e: got.__setitem__("ws", got["ws"] + len(e["response"]["payloadData"])))
    t = time.monotonic()
    page.goto(url, wait_until="commit", timeout=180_000)
    page.locator(PASSWORD_FIELD).wait_for(state="visible", timeout=180_000)
    took = time.monotonic() - t
    settle(page, timeout=180)
    page.wait_for_load_state("networkidle", timeout=180_000)
    page.close()
    return Visit(took, got["http"], got["ws"])


def _measure(browser, url: str, runs: int) -> tuple[list[Visit], list[Visit]]:
    """*runs* first visits (each in a fresh context) and a return visit after each."""
    first, back = [], []
    for _ in range(runs):
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            first.append(_visit(ctx, url))
            back.append(_visit(ctx, url))
        finally:
            ctx.close()
    return first, back


def _db(folder: Path) -> Path:
    """The demo communes (layers only, no drill): the login page needs no more."""
    db = folder / "phone.duckdb"
    store = Store(db)
    store.init()
    load_demo(store, at=setup_time(DAY))
    store.close()
    return db


def measure(runs: int = RUNS) -> dict[str, tuple[list[Visit], list[Visit]]]:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-phone-bench-"))
    try:
        db = _db(folder)
        out = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + [LOCAL_ONLY])
            try:
                for mode, env in (("gzip", "1"), ("plain", "0")):
                    with serve(db, ANTT_COMPRESS=env) as url:
                        out[mode] = _measure(browser, url + "/", runs)
                    for kind, visits in zip(("first", "return"), out[mode], strict=True):
                        print(f"phone bench: ANTT_COMPRESS={env} {kind} visits: " + ", ".join(
                            f"{v.seconds:.2f} s {v.http} B (+{v.ws} B ws)" for v in visits),
                            file=sys.stderr)
            finally:
                browser.close()
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _med(visits: list[Visit], what: str) -> float:
    return statistics.median(getattr(v, what) for v in visits)


def _kb(n: float) -> str:
    return f"{n / 1000:,.0f} kB"


def run(runs: int = RUNS) -> str:
    got = measure(runs)
    (first, back), (first0, back0) = got["gzip"], got["plain"]

    def ws(visits: list[Visit]) -> str:
        return f" (+{_kb(_med(visits, 'ws'))} websocket)"

    rows = [
        ("login form visible (navigation → password field), first visit",
         f"{_med(first, 'seconds'):.1f} s", f"{_med(first0, 'seconds'):.1f} s",
         f"≤ {TARGET_FORM_S:g} s"),
        ("bytes received, first visit (HTTP, on the wire)",
         _kb(_med(first, "http")) + ws(first), _kb(_med(first0, "http")) + ws(first0),
         f"≤ {_kb(TARGET_FIRST_B)}"),
        ("login form visible, return visit (same browser, cache warm)",
         f"{_med(back, 'seconds'):.1f} s", f"{_med(back0, 'seconds'):.1f} s", "—"),
        ("bytes received, return visit (HTTP, on the wire)",
         _kb(_med(back, "http")) + ws(back), _kb(_med(back0, "http")) + ws(back0),
         f"≤ {_kb(TARGET_RETURN_B)}"),
    ]
    return table(f"Phone login on a rural link (1.6 Mbit/s down, 750 kbit/s up, 150 ms; "
                 f"390×844; median of {runs}); baseline: ANTT_COMPRESS=0", rows)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=RUNS)
    print(run(p.parse_args().runs))
