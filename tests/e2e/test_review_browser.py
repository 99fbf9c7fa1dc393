"""The review page in a real browser: the time slider and play move the replayed map."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from geo import incidents as inc
from geo.analysis.places import load_layer

from .conftest import ARTIFACTS
from .test_live_browser import _wait
from .test_operations_browser import _idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

T0 = datetime(2021, 5, 23, 1, 0)  # 08:00 in Vietnam on election day

COUNT = """() => document.querySelectorAll('.antt-incident').length"""


def _incident_markers(page) -> int:
    """Incident markers over every map on the page (only the replay map draws them)."""
    total = 0
    for f in page.frames:
        try:
            total += f.evaluate(COUNT)
        except Exception:  # a frame navigating away
            continue
    return total


def _state(page) -> str:
    return page.locator(".st-key-antt-replay-state").inner_text(timeout=30_000)


def _logged(text: str) -> int:
    return int(re.search(r": (\d+) vụ việc", text).group(1))


def test_review_slider_and_play_move_the_map_state(dashboard, open_page):
    store = dashboard.store
    hamlets = load_layer(store, "hamlets")
    an_phu = hamlets[hamlets["commune_code"] == "10732"].geometry
    for k, g in enumerate(an_phu.iloc[:3]):
        p = g.representative_point()
        inc.report(store, kind="disorder", severity=2 + k % 2, lon=p.x, lat=p.y,
                   source="hamlet_team", actor="e2e", description=f"Vụ thử {k}",
                   at=T0 + timedelta(hours=k))
    store.close()

    b = open_page(dashboard.url + "/review", session=dashboard.session())
    page = b.page
    # It opens at the end of the day's log: all three incidents.
    assert _wait(lambda: _logged(_state(page)) == 3, 30), _state(page)
    assert _wait(lambda: _incident_markers(page) == 3, 20), _incident_markers(page)

    # The slider's first position is midnight: nothing had been reported yet.
    thumb = page.get_by_role("slider").first
    thumb.focus()
    page.keyboard.press("Home")
    assert _wait(lambda: "00:00 23/05" in _state(page) and _logged(_state(page)) == 0, 20), \
        _state(page)
    assert _wait(lambda: _incident_markers(page) == 0, 20), _incident_markers(page)

    # Play, an hour per second: the moment moves on and the incidents appear one by one.
    page.get_by_text("60 phút").click()
    page.get_by_role("button", name="▶ Phát").click()
    assert _wait(lambda: _logged(_state(page)) >= 1, 30), _state(page)
    assert _wait(lambda: _incident_markers(page) >= 1, 20)
    assert _wait(lambda: _logged(_state(page)) == 3, 40), _state(page)
    assert _wait(lambda: _incident_markers(page) == 3, 20)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-1920x1080.png"))

    # The play stops by itself at the end of the log and the whole page runs again: a
    # download pressed during that run would ask for data the run has just replaced.
    page.get_by_role("button", name="▶ Phát").wait_for(timeout=60_000)
    _idle(page)
    # The written review and an export download from the page.
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Tải báo cáo PDF").click()
    pdf = got.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and got.value.suggested_filename.endswith(".pdf")
    import io
    import unicodedata

    from pypdf import PdfReader
    text = unicodedata.normalize("NFC", "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    flat = "".join(text.split())  # table cells wrap names across lines
    assert "BÁOCÁOSƠKẾT" in flat and "AnPhụ" in flat
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="GEOJSON").click()
    import zipfile
    with zipfile.ZipFile(got.value.path()) as z:
        features = json.loads(z.read("incidents.geojson"))["features"]
    assert len(features) == 3
    assert not b.blocked, b.blocked
    assert not b.errors, b.errors
