"""The review page at a desk's two usual screens: the summary's figures and the hourly
chart's kinds are read in full, nothing cut ("Khẩn cấp 1 · Cao 1 · T…", "…khẩu h")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from geo import incidents as inc
from geo.analysis.places import load_layer
from geo.i18n import label

from .conftest import ARTIFACTS
from .test_operations_browser import _idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

T0 = datetime(2021, 5, 23, 1, 0)  # 08:00 in Vietnam on election day
KINDS = ("tampering", "misinformation", "disorder", "filming")

# Every metric's label and value, and everything inside them: the text as laid out is
# wider than its box (cut, or an ellipsis) — or its text, for the report.
CUT = """() => {
  const out = [];
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    for (const el of [m, ...m.querySelectorAll('*')]) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible'
          || getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth)
        out.push(el.innerText);
    }
  }
  return out;
}"""
VALUES = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .map(e => e.innerText)"""
# Each text of the chart (the SVG renderer's, as drawn) and whether it lies within the
# page element that holds the chart: a legend wider than its column is cut at its edge.
LEGEND = """() => {
  const out = {};
  for (const t of document.querySelectorAll('.vega-embed svg text')) {
    const box = t.closest('[data-testid="stElementContainer"]').getBoundingClientRect();
    const r = t.getBoundingClientRect();
    out[t.textContent] = r.left >= box.left - 1 && r.right <= box.right + 1;
  }
  return out;
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_the_review_summary_and_chart_legend_are_not_cut(dashboard, open_page, size):
    store = dashboard.store
    if not len(store.incidents()):
        hamlets = load_layer(store, "hamlets")
        for k, g in enumerate(hamlets.geometry.iloc[:8]):
            p = g.representative_point()
            inc.report(store, kind=KINDS[k % len(KINDS)], severity=1 + k % 4, lon=p.x,
                       lat=p.y, source="hamlet_team", actor="e2e", description=f"Vụ {k}",
                       at=T0 + timedelta(hours=k))
    b = open_page(dashboard.url + "/review", *size, session=dashboard.session())
    page = b.page
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    page.locator(".vega-embed").first.wait_for(timeout=60_000)
    _idle(page)
    values = page.evaluate(VALUES)
    assert any("Khẩn cấp 2" in v and "Thấp 2" in v for v in values), values
    assert page.evaluate(CUT) == []
    # The long kind names are in the chart's legend in full.
    legend = page.locator(".vega-embed").first
    legend.scroll_into_view_if_needed()
    drawn = page.evaluate(LEGEND)
    names = [label("kind", k, "vi") for k in KINDS]
    for n in names:
        assert n in drawn, (n, drawn)
        assert drawn[n], (n, "outside the chart's column")
    ARTIFACTS.mkdir(exist_ok=True)
    stem = f"review-{size[0]}x{size[1]}"
    page.locator(".st-key-antt-review-summary").screenshot(
        path=str(ARTIFACTS / f"{stem}-summary.png"))
    page.locator(".vega-embed").first.screenshot(path=str(ARTIFACTS / f"{stem}-chart.png"))
    assert not b.errors, b.errors
