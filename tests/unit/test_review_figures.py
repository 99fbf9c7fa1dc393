"""The review's figures on small frames: emerging hotspots, hex bins,
periods, DBSCAN against its definition."""

from __future__ import annotations

import math
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.analysis import review
from geo.clock import parse_period
from geo.errors import AnttError


def test_emerging_hotspots_are_dense_clusters_outside_declared_hotspots():
    rng = np.random.default_rng(1)
    pts = []
    for lon, lat, n in ((106.5025, 21.0025, 5),   # a tight cluster, no hotspot here
                        (106.515, 21.015, 6)):      # inside the declared hotspot
        pts += [(lon + rng.normal(0, 0.0003), lat + rng.normal(0, 0.0003)) for _ in range(n)]
    pts += [(106.519, 21.001), (106.501, 21.019)]  # lone points: noise
    df = pd.DataFrame({"id": range(1, len(pts) + 1), "lon": [p[0] for p in pts],
                       "lat": [p[1] for p in pts], "hamlet_code": "C1-H1"})
    hot = gpd.GeoDataFrame({"code": ["HS"]}, geometry=[box(106.510, 21.010, 106.520, 21.020)],
                           crs=4326)
    found = review.emerging_hotspots(df, hot, eps_m=200, min_samples=3)
    assert len(found) == 1
    assert found.iloc[0]["incident_ids"] == [1, 2, 3, 4, 5]
    assert abs(found.iloc[0]["lon"] - 106.5025) < 0.001
    assert review.emerging_hotspots(df, hot, eps_m=200, min_samples=6).empty


def test_hex_bins_count_every_incident_once():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"lon": 106.5 + rng.uniform(0, 0.02, 500),
                       "lat": 21.0 + rng.uniform(0, 0.02, 500)})
    hexes = review.hex_bins(df, size_m=200)
    assert hexes["n"].sum() == 500
    # Every point lies in the hexagon that counted it (points in ≥ 1 hexagon, cells disjoint).
    pts = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
    hits = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), hexes, predicate="within")
    assert hits.groupby("index_right").size().sort_index().tolist() == \
        hexes["n"].sort_index().tolist()


def test_parse_period_reads_vietnam_days_and_rejects_bad_text():
    p = parse_period("2021-05-23")
    assert (p.start, p.end) == (datetime(2021, 5, 22, 17), datetime(2021, 5, 23, 17))
    p = parse_period("2021-05-22..2021-05-23")
    assert (p.start, p.end) == (datetime(2021, 5, 21, 17), datetime(2021, 5, 23, 17))
    p = parse_period("2021-05-23T06:00..2021-05-23T20:00")
    assert (p.start, p.end) == (datetime(2021, 5, 22, 23), datetime(2021, 5, 23, 13))
    for bad in ("23/05/2021", "2021-05-23..2021-05-22", "2021-02-30", ""):
        with pytest.raises(AnttError, match="period"):
            parse_period(bad)


def test_dbscan_matches_the_textbook_definition_on_random_points():
    """Core points in the same cluster iff chained by core points within eps; border points
    join a cluster of one of their core neighbours; the rest is noise."""
    import shapely
    rng = np.random.default_rng(5)
    xy = np.vstack([rng.normal(c, 60, (40, 2)) for c in ((0, 0), (400, 0), (0, 900))]
                   + [rng.uniform(-500, 1500, (40, 2))])
    eps, k = 70.0, 4
    labels = review.dbscan(shapely.points(xy), eps, k)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    near = d <= eps
    core = near.sum(1) >= k
    # Components of the core graph, by breadth-first search.
    comp = np.full(len(xy), -1)
    for i in np.flatnonzero(core):
        if comp[i] >= 0:
            continue
        comp[i], todo = i, [i]
        while todo:
            p = todo.pop()
            for q in np.flatnonzero(near[p] & core):
                if comp[q] < 0:
                    comp[q] = i
                    todo.append(q)
    ci = np.flatnonzero(core)
    same_ours = labels[ci][:, None] == labels[ci][None, :]
    same_theirs = comp[ci][:, None] == comp[ci][None, :]
    assert (same_ours == same_theirs).all()
    assert len(set(labels[ci])) >= 3
    for i in np.flatnonzero(~core):
        core_nb = np.flatnonzero(near[i] & core)
        if len(core_nb):
            assert labels[i] in set(labels[core_nb])
        else:
            assert labels[i] == -1


def test_hamlet_table_of_nothing_is_one_empty_total():
    from geo.store import ENTITIES
    table = review.hamlet_table(pd.DataFrame(columns=ENTITIES["incident"]["columns"]), {}, 60)
    assert table["hamlet"].tolist() == ["Tổng"] and table["n"].tolist() == [0]
    assert math.isnan(table.iloc[0]["to_dispatch_median"])
