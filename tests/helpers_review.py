"""Shared by the review tests of several levels: the hand-worked scenario (four incidents in two
hamlets, response times chosen to be worked out by hand)."""

from __future__ import annotations

from datetime import datetime, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo import incidents as inc
from geo import units
from geo.io.importer import import_layer
from geo.store import Store

from . import geofixtures as fx

SETUP = datetime(2021, 5, 22, 20, 0)   # 03:00 on 23/5/2021, Vietnam time
T0 = datetime(2021, 5, 23, 1, 0)       # 08:00 Vietnam time
H1 = (106.505, 21.005)                 # in C1-H1 "Thôn An Cư"
H2 = (106.515, 21.005)                 # in C1-H2 "Thôn Đại Sơn"


def _layers(store: Store, tmp_path, extra: dict | None = None) -> None:
    cps = fx.checkpoints()
    hot = gpd.GeoDataFrame({"code": ["C1-HS1"], "name": ["Khu tranh chấp đất"],
                            "reason": ["Tranh chấp đất đai"], "risk": [3]},
                           geometry=[box(106.510, 21.010, 106.520, 21.020)], crs=4326)
    targets = gpd.GeoDataFrame({"code": ["C1-T1"], "name": ["Trụ sở UBND xã"],
                                "kind": ["peoples_committee"]},
                               geometry=[Point(106.519, 21.019)], crs=4326)
    step = 0
    for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                      ("sites", fx.sites()), ("targets", targets), ("hotspots", hot),
                      ("routes", fx.routes()), ("checkpoints", cps), *(extra or {}).items()):
        import_layer(store, fx.write(gdf, tmp_path / f"{kind}.geojson"), kind, actor="t",
                     at=SETUP + timedelta(seconds=step))
        step += 1


@pytest.fixture
def scenario(store, tmp_path):
    """Four incidents in two hamlets with response times chosen to be worked out by hand."""
    _layers(store, tmp_path)
    for k in (1, 2, 3):
        units.register(store, code=f"T{k}", name=f"Tổ {k}", actor="t",
                       at=SETUP + timedelta(minutes=5, seconds=k))
    ids: dict[str, int] = {}

    def rep(name, where, source, sev):
        return lambda at: ids.__setitem__(name, inc.report(
            store, kind="disorder", severity=sev, lon=where[0], lat=where[1], source=source,
            actor="trực ban", description=f"Vụ {name}", at=at)["id"])

    def act(name, action, **kw):
        def go(at):
            v = store.get("incident", ids[name])["version"]
            inc.move(store, ids[name], action, expected_version=v, actor="trực ban", at=at,
                     **kw)
        return go

    steps = [
        (0, rep("A", H1, "hamlet_team", 2)), (10, act("A", "verify")),
        (30, act("A", "dispatch", team_code="T1")), (330, act("A", "arrive")),
        (1830, act("A", "resolve")),
        (100, rep("B", H1, "hotline", 3)), (110, act("B", "verify")),
        (190, act("B", "dispatch", team_code="T2")), (790, act("B", "arrive")),
        (3700, act("B", "resolve")),
        (200, rep("C", H1, "hamlet_team", 1)), (260, act("C", "false_alarm")),
        (300, rep("D", H2, "hamlet_team", 4)), (310, act("D", "verify")),
        (360, act("D", "dispatch", team_code="T3")), (480, act("D", "arrive")),
    ]
    for offset, fn in sorted(steps, key=lambda s: s[0]):
        fn(T0 + timedelta(seconds=offset))
    return store, ids
