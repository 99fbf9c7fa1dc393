"""Spatial functions on tiny layers with known answers."""

from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo.analysis import spatial
from geo.analysis.spatial import CRSMismatch
from geo.clock import LOCAL_TZ

from .. import geofixtures as fx


def test_metric_crs_by_longitude():
    assert spatial.metric_crs(106.5) == "EPSG:3405"
    assert spatial.metric_crs(108.2) == "EPSG:3406"


def test_crs_mismatch_raises():
    a = fx.sites()
    with pytest.raises(CRSMismatch, match="CRS differ"):
        spatial.assign_hamlets(a.to_crs(3405), fx.hamlets())
    with pytest.raises(CRSMismatch, match="no CRS"):
        spatial.nearest_teams(a.set_crs(None, allow_override=True), a)


def test_assign_hamlets_vectorised_matches_loop():
    rng = np.random.default_rng(3)
    n = 2000
    pts = spatial.points(rng.uniform(106.495, 106.525, n), rng.uniform(20.995, 21.025, n))
    got = spatial.assign_hamlets(pts, fx.hamlets())
    hamlets = fx.hamlets()
    for i in range(0, n, 37):
        p = pts.geometry.iloc[i]
        inside = sorted(hamlets.loc[hamlets.intersects(p), "code"])
        assert got.iloc[i]["hamlet_code"] == (inside[0] if inside else None)
    assert got["hamlet_code"].isna().sum() > 0  # some fell outside the commune
    assert set(got["commune_code"].dropna()) == {"C1"}


def test_nearest_teams_distances_in_metres():
    inc = spatial.points([106.50], [21.00])
    # 0.01° of latitude ≈ 1,106 m here; 0.01° of longitude ≈ 1,039 m at 21° N.
    teams = spatial.points([106.50, 106.51, 106.53], [21.01, 21.00, 21.00],
                           code=["N", "E", "FAR"]).set_index("code")
    near = spatial.nearest_teams(inc, teams, k=2)
    assert list(near["team"]) == ["E", "N"]
    assert near["distance_m"].iloc[0] == pytest.approx(1039, rel=0.01)
    assert near["distance_m"].iloc[1] == pytest.approx(1106, rel=0.01)


def test_nearest_teams_matches_brute_force():
    rng = np.random.default_rng(5)
    incs = spatial.points(rng.uniform(106.4, 106.6, 300), rng.uniform(20.9, 21.1, 300))
    teams = spatial.points(rng.uniform(106.4, 106.6, 40), rng.uniform(20.9, 21.1, 40))
    got = spatial.nearest_teams(incs, teams, k=1)
    im, tm = incs.to_crs(3405), teams.to_crs(3405)
    for i in range(0, 300, 29):
        d = tm.distance(im.geometry.iloc[i])
        assert got.loc[got["incident"] == i, "team"].iloc[0] == d.idxmin()
        assert got.loc[got["incident"] == i, "distance_m"].iloc[0] == pytest.approx(d.min())


def test_within_distance_and_hotspots():
    sites = fx.sites()
    incs = spatial.points([106.5051, 106.519], [21.0051, 21.019])
    pairs = spatial.within_distance(incs, sites, 50)
    codes = sites.loc[pairs["place"], "code"]
    assert list(zip(pairs["point"], codes, strict=True)) == [(0, "C1-S1")]
    hot = gpd.GeoDataFrame({"code": ["HS1", "HS2"], "radius_m": [None, 200]},
                           geometry=[fx.hamlets().geometry[0], Point(106.519, 21.0195)],
                           crs=4326)
    got = spatial.in_hotspots(incs, hot)
    assert sorted(zip(got["point"], got["hotspot"], strict=True)) == [(0, 0), (1, 1)]


def test_coverage_respects_radius_and_time_window():
    sites = fx.sites()  # centroids at lat 21.005 (S1, S2) and 21.015 (S3, S4)
    routes = fx.routes()  # along lat 21.005 from lon 106.505 to 106.515, 05:00–23:00
    cov = spatial.coverage(sites, routes, 300,
                           (datetime(2021, 5, 23, 0), datetime(2021, 5, 23, 12)))
    assert list(cov["covered"]) == [True, True, False, False]
    assert cov["distance_m"].iloc[2] == pytest.approx(1106, rel=0.01)
    night = spatial.coverage(sites, routes, 300,
                             (datetime(2021, 5, 23, 17), datetime(2021, 5, 23, 20)))
    assert not night["covered"].any()
    # An aware window is the moment it names: 22:00–22:30 Vietnam time (15:00 UTC) is
    # within the routes' duty; read as 22:00 UTC it would not be.
    late = spatial.coverage(sites, routes, 300, (datetime(2021, 5, 23, 22, tzinfo=LOCAL_TZ),
                                                 datetime(2021, 5, 23, 22, 30, tzinfo=LOCAL_TZ)))
    pd.testing.assert_frame_equal(late, spatial.coverage(
        sites, routes, 300, (datetime(2021, 5, 23, 15), datetime(2021, 5, 23, 15, 30))))
    assert list(late["covered"]) == [True, True, False, False]


def test_points_builds_wgs84():
    p = spatial.points([106.5], [21.0], code=["x"])
    assert p.crs.to_epsg() == 4326 and p.geometry.iloc[0].equals(Point(106.5, 21.0))
    assert isinstance(fx.routes().geometry.iloc[0], LineString)
