"""geo.outline: real places inside and outside Việt Nam, bad input, shapes. (Its speed is
measured by ``python -m bench outline``, not asserted here.)"""

import json

import numpy as np
import pytest
import shapely

from geo.checks import outline
from geo.checks.outline import in_vietnam, near_vietnam
from geo.checks.validate import check_point

# (name, lon, lat)
INSIDE = [
    ("Hà Nội", 105.8342, 21.0278),
    ("TP Hồ Chí Minh", 106.6297, 10.8231),
    ("Mũi Cà Mau", 104.74, 8.60),
    ("Cột cờ Lũng Cú", 105.3166, 23.3636),
    ("An Phụ (demo commune)", 106.51684, 20.98775),
    ("Cẩm Tân (demo commune)", 105.53889, 20.12175),
    ("Phú Quốc", 103.96, 10.23),
    ("Côn Đảo", 106.61, 8.69),
    # Trường Sa and Hoàng Sa: the islands themselves (see data/README.md for sources) ...
    ("đảo Trường Sa (Trường Sa Lớn)", 111.92, 8.64472),
    ("đảo Sơn Ca", 114.48, 10.375),
    ("đá Lát, west end of Trường Sa", 111.67667, 8.66583),
    ("đảo Hoàng Sa (Pattle)", 111.60833, 16.53472),
    ("bãi cạn Gò Nổi, east end of Hoàng Sa", 112.88444, 16.81861),
    # ... and open sea inside their boxes.
    ("sea in the Trường Sa box", 114.35, 8.65),
    ("sea in the Hoàng Sa box", 112.34, 16.53),
    # Inhabited islands that Natural Earth 1:10m leaves out.
    ("Lý Sơn", 109.1175, 15.38083),
    ("Cồn Cỏ", 107.33895, 17.15906),
    ("Cù Lao Chàm", 108.5224, 15.9541),
    ("quần đảo Hà Tiên (Hải Tặc)", 104.32596, 10.30232),
    ("Bạch Long Vĩ", 107.7215, 20.1350),
    ("Thổ Chu", 103.4833, 9.30),
    ("Nam Du", 104.3667, 9.70),
    ("Cô Tô", 107.69806, 20.94722),
    # Real points of communes on the land border and the coast that Natural Earth
    # 1:10m (the outline before issue 30) refused (shared/geo-facts.md).
    ("Trà Cổ (Móng Cái)", 108.027725, 21.4832),
    ("Tà Lùng (Cao Bằng)", 106.574243, 22.4874),
    ("Na Mèo (Thanh Hóa)", 104.663576, 20.3043),
    # Border and coastal towns (rounded city-centre coordinates).
    ("Móng Cái", 107.97, 21.52),
    ("Hà Tiên", 104.48, 10.38),
    ("Mũi Cà Mau, rounded", 104.73, 8.60),
    ("Lũng Cú", 105.32, 23.36),
]

OUTSIDE = [
    ("Vientiane", 102.6331, 17.9757),
    ("Luang Prabang", 102.1347, 19.8856),
    ("Phnom Penh", 104.9282, 11.5564),
    ("Nanning", 108.3661, 22.8170),
    ("Bangkok", 100.5018, 13.7563),
    ("Siem Reap", 103.8552, 13.3633),
    # Inside the Trường Sa box, but other countries' land.
    ("Kudat, Sabah", 116.83333, 6.88333),
    ("Brooke's Point, Palawan", 117.83333, 8.78333),
    # Hà Nội with lon and lat swapped.
    ("Hà Nội, swapped", 21.0278, 105.8342),
    ("0, 0", 0.0, 0.0),
]


@pytest.mark.parametrize(("name", "lon", "lat"), INSIDE, ids=[p[0] for p in INSIDE])
def test_inside(name, lon, lat):
    assert in_vietnam(lon, lat), name


@pytest.mark.parametrize(("name", "lon", "lat"), OUTSIDE, ids=[p[0] for p in OUTSIDE])
def test_outside(name, lon, lat):
    assert not in_vietnam(lon, lat), name


@pytest.mark.parametrize(("name", "lon", "lat"), INSIDE, ids=[p[0] for p in INSIDE])
def test_inside_is_near_and_passes_check_point(name, lon, lat):
    assert near_vietnam(lon, lat), name
    assert check_point(lon, lat) == [], name


@pytest.mark.parametrize(("name", "lon", "lat"), OUTSIDE, ids=[p[0] for p in OUTSIDE])
def test_outside_is_not_near_and_refused(name, lon, lat):
    assert not near_vietnam(lon, lat), name
    problems = check_point(lon, lat)
    assert problems and all(p.severity == "error" for p in problems), name


# Just across the border or just offshore: outside the outline, inside its 10 km band.
NEAR = [
    # Dongxing (Guangxi), across the Ka Long river from Móng Cái: about 1 km from
    # OpenStreetMap's Vietnam.
    ("Dongxing, China", 107.97, 21.55),
]


@pytest.mark.parametrize(("name", "lon", "lat"), NEAR, ids=[p[0] for p in NEAR])
def test_near_border_is_not_refused(name, lon, lat):
    assert not in_vietnam(lon, lat), name
    assert near_vietnam(lon, lat), name
    assert check_point(lon, lat) == [], name


def test_vectorised_matches_one_by_one():
    places = INSIDE + OUTSIDE
    lons = np.array([p[1] for p in places])
    lats = np.array([p[2] for p in places])
    got = in_vietnam(lons, lats)
    assert got.dtype == bool and got.shape == (len(places),)
    assert got.tolist() == [True] * len(INSIDE) + [False] * len(OUTSIDE)
    assert got.tolist() == [bool(in_vietnam(x, y)) for x, y in zip(lons, lats, strict=True)]


def test_shapes_and_broadcasting():
    lons = np.array([[105.8342, 102.6331, 106.6297], [104.9282, 103.96, 100.5018]])
    lats = np.array([[21.0278, 17.9757, 10.8231], [11.5564, 10.23, 13.7563]])
    got = in_vietnam(lons, lats)
    assert got.shape == (2, 3) and got.dtype == bool
    assert got.tolist() == [[True, False, True], [False, True, False]]
    # Lists, and a scalar broadcast against an array.
    assert in_vietnam([105.8342, 102.6331], [21.0278, 17.9757]).tolist() == [True, False]
    assert in_vietnam(np.array([105.8342, 108.3661]), 21.0278).shape == (2,)
    # Scalars give a 0-d array.
    one = in_vietnam(105.8342, 21.0278)
    assert isinstance(one, np.ndarray) and one.shape == () and bool(one)
    assert in_vietnam(np.array([]), np.array([])).shape == (0,)


def test_non_finite_is_false():
    nan, inf = float("nan"), float("inf")
    lons = [nan, 105.8342, inf, -inf, 105.8342, nan, None]
    lats = [21.0278, nan, 21.0278, 21.0278, inf, nan, 21.0278]
    assert in_vietnam(lons, lats).tolist() == [False] * len(lons)
    # Good points in the same call are unaffected.
    assert in_vietnam([nan, 105.8342], [21.0278, 21.0278]).tolist() == [False, True]


def test_outline_file_and_cache():
    geom = outline.vietnam()
    assert geom is outline.vietnam()  # loaded once
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    assert shapely.is_prepared(geom)
    xmin, ymin, xmax, ymax = geom.bounds
    assert 101.9 < xmin < 102.2 and 5.9 < ymin < 6.1 and 117.8 < xmax < 118.0
    assert 23.3 < ymax < 23.5

    path = outline.OUTLINE_PATH
    assert path.stat().st_size < 300_000
    collection = json.loads(path.read_text(encoding="utf-8"))
    feature, near = collection["features"]
    assert feature["properties"]["name"] == "Việt Nam"
    assert feature["properties"]["role"] == "outline"
    assert feature["properties"]["source"].startswith("OpenStreetMap (ODbL 1.0)")
    assert "OpenStreetMap contributors" in feature["properties"]["attribution"]
    assert near["properties"]["role"] == "near"
    band = outline.near_band()
    assert band is outline.near_band() and shapely.is_prepared(band)
    assert band.covers(geom)
    first = feature["geometry"]["coordinates"][0][0][0]
    assert all(round(c, 5) == c for c in first)


def test_a_million_points():
    """What ``python -m bench outline`` times, answered right: the vectorised answer for a
    million points agrees with shapely's one point at a time (on a sample)."""
    rng = np.random.default_rng(20210523)
    lons = rng.uniform(102.0, 118.0, 1_000_000)
    lats = rng.uniform(6.0, 24.0, 1_000_000)
    got = in_vietnam(lons, lats)
    assert got.shape == (1_000_000,) and got.dtype == bool
    assert 0.1 < got.mean() < 0.5  # land, near-shore sea and the archipelago boxes
    geom = outline.vietnam()
    sample = rng.choice(1_000_000, 2_000, replace=False)
    one_by_one = [geom.intersects(shapely.Point(lons[i], lats[i])) for i in sample]
    assert got[sample].tolist() == one_by_one
