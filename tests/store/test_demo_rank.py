"""The demo never outranks a real import (issue 30, point 2): the layers the demo or a
drill drew are stored as the demo's, and wherever a point or a name is looked up a real
commune or hamlet comes first."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo import incidents as inc
from geo.analysis.places import load_layer, locate, nearest_commune
from geo.io.importer import import_layer

from .. import geofixtures as fx
from ..conftest import report_args

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D


def _communes(tmp_path, name: str, *rows: tuple[str, str, object]):
    return fx.write(gpd.GeoDataFrame({"code": [r[0] for r in rows],
                                      "name": [r[1] for r in rows]},
                                     geometry=[r[2] for r in rows], crs=4326),
                    tmp_path / name)


def _demo_commune(store, code: str = "10732"):
    return load_layer(store, "communes").set_index("code").loc[code]


def test_the_demo_s_layers_are_marked_as_the_demo_s(demo):
    assert all(load_layer(demo, k)["demo"].all() for k in (
        "communes", "hamlets", "sites", "targets", "hotspots", "routes", "checkpoints"))


@pytest.fixture
def real_over_demo(demo, tmp_path, monkeypatch):
    """A real "An Phụ" (code VN30001) loaded over the whole demo An Phụ: allowed here by
    the setting, as a database loaded before overlaps were refused may hold."""
    monkeypatch.setenv("ANTT_COMMUNE_OVERLAP_PERCENT", "101")  # any overlap
    b = _demo_commune(demo).geometry.bounds
    path = _communes(tmp_path, "real.geojson", ("VN30001", "Xã An Phụ",
                                                box(b[0] - 0.001, b[1] - 0.001,
                                                    b[2] + 0.001, b[3] + 0.001)))
    import_layer(demo, path, "communes", actor="admin")
    return demo


def test_the_demo_never_outranks_a_real_commune_in_locate_and_nearest(real_over_demo):
    store = real_over_demo
    hamlet = load_layer(store, "hamlets").set_index("code").loc["10732-H01"]
    x, y = hamlet.geometry.representative_point().coords[0]
    assert locate(store, x, y) == ("VN30001", None)      # not the demo's 10732-H01
    assert nearest_commune(store, x, y)[0] == "VN30001"  # not the demo's 10732
    row = inc.report(store, **report_args(lon=x, lat=y))
    assert (row["commune_code"], row["hamlet_code"]) == ("VN30001", None)
    # Where no real commune is, the demo still answers.
    cam_tan = load_layer(store, "hamlets").set_index("code").loc["15178-H01"]
    x, y = cam_tan.geometry.representative_point().coords[0]
    assert locate(store, x, y) == ("15178", "15178-H01")


def test_a_name_shared_by_a_real_and_a_demo_commune_is_the_real_one(real_over_demo,
                                                                    tmp_path):
    store = real_over_demo
    x, y = _demo_commune(store).geometry.representative_point().coords[0]
    path = fx.write_raw_geojson(tmp_path / "s.geojson", [
        fx.feature(fx.point(x, y), code="S1", name="Nhà văn hóa", commune="An Phụ"),
        fx.feature(fx.point(x + 0.001, y), code="S2", name="Nhà văn hóa 2")])
    import_layer(store, path, "sites", actor="admin")
    assert [store.get("site", c)["commune_code"] for c in ("S1", "S2")] == ["VN30001"] * 2
    assert store.get("site", "S2")["hamlet_code"] is None  # not a demo hamlet


def test_layers_loaded_before_the_demo_was_marked_are_marked_by_who_imported_them(
        db, monkeypatch):
    """A database of the previous version (migrations 1–4), its rows written as that
    version wrote them: the kinds that only the demo or a drill ever imported become the
    demo's; a kind a person also imported stays real (which of its rows came from the
    demo is not recorded)."""
    import geo.store.store as store_module
    from geo.store import Store
    from geo.store.schema import MIGRATIONS

    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:4])
    old = Store(db)
    assert old.init() == [1, 2, 3, 4]
    wkb = box(LON0, LAT0, LON0 + D, LAT0 + D).wkb
    with old._cursor() as cur:  # the previous version's own INSERTs
        for n, (kind, code, actor) in enumerate((
                ("communes", "10732", "diễn tập"), ("hamlets", "10732-H01", "demo"),
                ("sites", "10732-S01", "diễn tập"), ("sites", "S9", "admin")), 1):
            cur.run("INSERT INTO features VALUES ($kind, $code, 'x', '10732', '{}', $geom)",
                    {"kind": kind, "code": code, "geom": wkb})
            cur.run("INSERT INTO layer_imports VALUES ($n, now(), $actor, $kind, 'x.geojson', "
                    "1, 0)", {"n": n, "actor": actor, "kind": kind})
    old.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    store = Store(db)
    assert store.init()[0] == 5  # and the migrations after it
    assert {k: load_layer(store, k)["demo"].tolist() for k in ("communes", "hamlets", "sites")
            } == {"communes": [True], "hamlets": [True], "sites": [False, False]}
    store.close()
