"""The written review's map: names never overlap (geo.analysis.labels), and incidents
reported at one place are each seen, in a ring round it with their count."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.labels import (
    Label,
    intersects,
    place_labels,
    ring_offsets,
    stack_groups,
)
from geo.io.report_pictures import map_figure

from .. import geofixtures as fx

AROUND = ((0, 0), (-40, 0), (0, 8), (0, -8), (-20, 10), (-20, -10))


def test_no_two_placed_labels_intersect_on_a_crowded_map():
    rng = np.random.default_rng(7)
    labels = [Label(f"n{k}", float(x), float(y), float(w), 8.0, AROUND, int(k % 2))
              for k, (x, y, w) in enumerate(zip(rng.uniform(0, 300, 200),
                                                rng.uniform(0, 200, 200),
                                                rng.uniform(20, 60, 200), strict=True))]
    markers = [(float(x) - 2, float(y) - 2, float(x) + 2, float(y) + 2)
               for x, y in rng.uniform(0, 200, (30, 2))]
    placed = place_labels(labels, markers, (0, 0, 300, 200))
    assert 20 < len(placed) < len(labels)  # crowded: some are left out, many are placed
    for (_, a), (_, b) in itertools.combinations(placed, 2):
        assert not intersects(a, b), (a, b)
    for _, a in placed:
        assert not any(intersects(a, m) for m in markers)
        assert 0 <= a[0] and a[2] <= 300 and 0 <= a[1] and a[3] <= 200


def test_a_site_name_wins_over_the_hamlet_name_at_the_same_place():
    hamlet = Label("Thôn 1", 100, 100, 40, 8, ((-20, 0),), priority=1)
    site = Label("Nhà văn hóa thôn 1", 100, 100, 80, 8, ((-40, 0),), priority=0)
    placed = place_labels([hamlet, site])
    assert [lab.text for lab, _ in placed] == ["Nhà văn hóa thôn 1"]
    # Given somewhere else to go, the hamlet's name moves there instead.
    hamlet = Label("Thôn 1", 100, 100, 40, 8, ((-20, 0), (-20, 12)), priority=1)
    placed = dict((lab.text, box) for lab, box in place_labels([hamlet, site]))
    assert placed == {"Nhà văn hóa thôn 1": (60, 100, 140, 108), "Thôn 1": (80, 112, 120, 120)}


def test_points_at_one_place_form_one_group_and_a_ring():
    assert list(stack_groups([1, 2, 1.000001, 1], [5, 5, 5, 5])) == [0, 1, 0, 0]
    ring = ring_offsets(5, 2.0)
    assert len(set(ring)) == 5 and all(abs(np.hypot(*p) - 2) < 1e-9 for p in ring)
    assert ring_offsets(1, 2.0) == [(0.0, 0.0)]


def test_five_incidents_at_one_site_are_five_dots_with_their_count():
    site = fx.sites().assign(commune_code="C1").iloc[[0]]
    x, y = site.geometry.x.iloc[0], site.geometry.y.iloc[0]
    inc = pd.DataFrame({"id": range(1, 6), "lon": [x] * 5, "lat": [y] * 5,
                        "severity": [2, 2, 3, 1, 2], "commune_code": ["C1"] * 5})
    empty = gpd.GeoDataFrame({"code": [], "commune_code": []}, geometry=[], crs=4326)
    layers = {"communes": fx.commune(), "hamlets": fx.hamlets(), "sites": site,
              "targets": empty, "hotspots": empty, "routes": empty, "checkpoints": empty}
    no = pd.DataFrame(columns=["commune_code", "lon", "lat"])
    fig, _ = map_figure(layers, inc, no, pd.DataFrame(), "vi", names=True)
    ax = fig.axes[0]
    counts = [t.get_text() for t in ax.texts if t.get_gid() == "antt-stack-count"]
    assert counts == ["5"]
    # Each of the five is its own dot, round the site and near it.
    dots = np.vstack([c.get_offsets() for c in ax.collections[1:]
                      if len(c.get_offsets()) and c.get_label().startswith("Vụ việc")])
    assert len({(round(a, 9), round(b, 9)) for a, b in dots}) == 5
    assert np.hypot(dots[:, 0] - x, dots[:, 1] - y).max() < 0.002
    # And the names drawn in the picture do not overlap.
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() == "antt-name"]
    assert len(boxes) == 5  # four hamlets and the site
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)


def test_the_hourly_charts_legend_names_every_kind_in_full_within_the_picture():
    """The HTML's chart: its legend wraps a long kind's name and stays inside the picture
    (it ran off the right edge: "…áp phích, khẩu h"); the PDF gets the names as text."""
    import matplotlib.pyplot as plt

    from geo.i18n import label
    from geo.incidents import KINDS
    from geo.io import report_pictures as rp

    hours = pd.date_range("2021-05-23 07:00", periods=4, freq="h", name="hour")
    per_hour = pd.DataFrame({k: [1, 0, 2, 1] for k in KINDS}, index=hours)
    png, kinds = rp.chart_png(per_hour, "vi")
    assert png.startswith(b"\x89PNG")
    assert [n for n, _ in kinds] == [label("kind", k, "vi") for k in KINDS]
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    handles = [ax.bar(["07"], [1]) for _ in KINDS]
    rp._chart_legend(fig, handles, [n for n, _ in kinds])
    fig.canvas.draw()
    (legend,) = fig.legends
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y0 >= 0
    shown = "".join(t.get_text() for t in legend.get_texts()).replace("\n", " ")
    for n, _ in kinds:
        assert n in shown, n
    plt.close(fig)


def test_an_incident_at_an_unpatrolled_place_is_drawn_over_its_cross():
    """The "not patrolled" cross at a site, and an incident reported there: the dot is
    drawn above the cross (it hid under it on the one-commune map)."""
    site = fx.sites().assign(commune_code="C1").iloc[[0]]
    x, y = site.geometry.x.iloc[0], site.geometry.y.iloc[0]
    inc = pd.DataFrame({"id": [1], "lon": [x], "lat": [y], "severity": [3],
                        "commune_code": ["C1"]})
    gaps = pd.DataFrame({"commune_code": ["C1"], "lon": [x], "lat": [y]})
    empty = gpd.GeoDataFrame({"code": [], "commune_code": []}, geometry=[], crs=4326)
    layers = {"communes": fx.commune(), "hamlets": fx.hamlets(), "sites": site,
              "targets": empty, "hotspots": empty, "routes": empty, "checkpoints": empty}
    fig, _ = map_figure(layers, inc, gaps, pd.DataFrame(), "vi", names=False)
    ax = fig.axes[0]
    by_label = {c.get_label(): c.get_zorder() for c in ax.collections}
    cross = by_label["Chưa được tuần tra"]
    dot = next(z for name, z in by_label.items() if name.startswith("Vụ việc"))
    assert dot > cross, by_label
