"""Map building without a browser: escaping, offline assets, scale handling."""

import folium
import numpy as np
import pandas as pd

from dashboard import maps
from geo.i18n import label

from .. import geofixtures as fx


def _lab(group, code):
    return label(group, code, "vi")


def _sites(n: int, communes: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"code": [f"S{i}" for i in range(n)], "name": [f"Điểm {i}" for i in
                                                                       range(n)],
                         "commune_code": [f"C{i % communes}" for i in range(n)],
                         "lon": rng.uniform(105, 107, n), "lat": rng.uniform(20, 21, n),
                         "status": rng.choice(["voting", "not_open"], n)})


def _incidents(n: int, description: str = "x") -> pd.DataFrame:
    return pd.DataFrame({"id": range(1, n + 1), "kind": "disorder", "severity": 2,
                         "status": "reported", "lon": 106.5, "lat": 21.0,
                         "description": description})


def _units(n: int) -> pd.DataFrame:
    return pd.DataFrame({"code": [f"T{i}" for i in range(n)], "name": "Tổ",
                         "status": "available", "lon": 106.5, "lat": 21.0})


def _html(m: folium.Map) -> str:
    return m.get_root().render()


def test_offline_assets_only():
    m = maps.localize(maps.base_map({"communes": fx.commune(), "hamlets": fx.hamlets()},
                                    label=_lab, legend=True))
    for g in maps.live_groups(_sites(500, 10), _incidents(500), _units(3), label=_lab):
        g.add_to(m)
    maps.localize(m)
    html = _html(m)
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "https://" not in html.replace("https://leafletjs.com", "")


def test_user_text_is_escaped_in_every_layer():
    nasty = "<img src=x onerror=alert(1)>"
    hamlets = fx.hamlets().assign(name=nasty)
    for n in (3, 900):  # drawn one by one, and the compact path
        m = maps.base_map({"communes": fx.commune(), "hamlets": hamlets}, label=_lab)
        sites = _sites(n, 2).assign(name=nasty)
        for g in maps.live_groups(sites, _incidents(n, nasty), _units(2).assign(name=nasty),
                                  label=_lab):
            g.add_to(m)
        html = _html(m)
        assert nasty not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_small_layers_draw_every_feature_large_ones_cluster():
    small = maps.live_groups(_sites(19, 3), _incidents(5), _units(2), label=_lab)
    assert sum(isinstance(c, folium.CircleMarker) for c in small[0]._children.values()) == 19
    big = maps.live_groups(_sites(3000, 200), _incidents(10_000), _units(500), label=_lab)
    packs = [next(c for c in g._children.values() if isinstance(c, maps.CompactPoints))
             for g in big]
    assert [len(p.rows) for p in packs] == [3000, 10_000, 500]
    assert all(p.cluster for p in packs)


def test_national_aggregates_add_up_to_the_total():
    sites = _sites(85_000, 6_000)
    groups = maps.live_groups(sites, _incidents(1), _units(1), label=_lab)
    agg = maps.aggregate_sites(sites)
    assert agg["n"].sum() == 85_000 and len(agg) == 6_000
    pack = next(c for c in groups[0]._children.values() if isinstance(c, maps.CompactPoints))
    assert len(pack.rows) == 6_000 and not pack.cluster
    assert agg["voting"].sum() == (sites["status"] == "voting").sum()


def test_compact_layer_json_cannot_close_its_script():
    nasty = "</script><script>alert(1)</script>"
    groups = maps.live_groups(_sites(500, 5).assign(name=nasty), _incidents(500, nasty),
                              _units(1), label=_lab)
    m = folium.Map(tiles=None)
    for g in groups:
        g.add_to(m)
    html = _html(m)
    assert "</script><script>alert(1)" not in html
    assert html.count("<script>alert") == 0
    assert "Đang bỏ phiếu" in html  # Vietnamese stays UTF-8, not \\u escapes


def test_the_alert_banner_uses_the_palettes_alert_red():
    from dashboard import alerts, map_static
    from geo.palette import ALERT_COLOUR
    assert ALERT_COLOUR in alerts._CSS and ALERT_COLOUR in map_static._ALERT_CSS


def test_outlines_are_drawn_simplified_within_half_a_pixel_and_kept_exact():
    """A hamlet of 20,000 vertices is drawn with a few hundred, none further than
    DRAW_TOLERANCE_M (0.3 m: half a pixel at the deepest zoom) from the exact outline;
    the layer given to the map is not changed."""
    import geopandas as gpd
    import shapely

    from geo.analysis.spatial import for_drawing

    from .. import helpers_limits as lim

    hamlets = lim.hamlets_with(20_000, cell=1)
    exact = [g.wkb for g in hamlets.geometry]
    drawn = for_drawing(hamlets, maps.DRAW_TOLERANCE_M)
    n = shapely.get_num_coordinates(drawn.geometry.values)
    assert n[1] < 1_000 and list(n[[0, 2, 3]]) == [5, 5, 5]  # the squares as they are
    metric = gpd.GeoSeries([hamlets.geometry.iloc[1], drawn.geometry.iloc[1]],
                           crs=4326).to_crs(3405)
    assert 0 < metric.iloc[0].hausdorff_distance(metric.iloc[1]) <= maps.DRAW_TOLERANCE_M
    assert [g.wkb for g in hamlets.geometry] == exact
    html = _html(maps.base_map({"communes": fx.commune(), "hamlets": hamlets}, label=_lab))
    assert html.count("], [") < 2_000  # coordinate pairs: 20,000 were stored
