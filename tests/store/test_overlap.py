"""Overlapping communes are a question, not a silent winner (issue 30, point 2): refused,
naming both and the overlap, unless the import replaces the loaded one; `antt layers
remove` takes communes (or the demo) out. The demo's ranking: test_demo_rank.py."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.analysis.places import load_layer
from geo.errors import AnttError, Invalid
from geo.i18n import message
from geo.io.importer import import_layer, plan_import
from geo.io.removal import remove_layers

from .. import geofixtures as fx

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D  # commune C1: a 2 x 2 km square of four hamlets


def _km2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs=4326).to_crs("EPSG:3405").area.iloc[0] / 1e6)


def _communes(tmp_path, name: str, *rows: tuple[str, str, object]):
    return fx.write(gpd.GeoDataFrame({"code": [r[0] for r in rows],
                                      "name": [r[1] for r in rows]},
                                     geometry=[r[2] for r in rows], crs=4326),
                    tmp_path / name)


@pytest.fixture
def loaded(store, tmp_path):
    """C1 ("Xã Thử") with its hamlets, sites, route and checkpoints; C2 ("Xã Bên") east of
    it, not overlapping."""
    c = fx.commune()
    c.loc[1] = ["C2", "Xã Bên", "Kim Thành", "Hải Dương",
                box(LON0 + 2 * D, LAT0, LON0 + 4 * D, LAT0 + 2 * D)]
    import_layer(store, fx.write(c, tmp_path / "c.geojson"), "communes", actor="admin")
    for kind in ("hamlets", "sites", "routes", "checkpoints"):
        import_layer(store, fx.write(getattr(fx, kind)(), tmp_path / f"{kind}.geojson"), kind,
                     actor="admin")
    return store


def _state(store) -> tuple:
    return (store.layers_version(), store.counts()["events"],
            {k: sorted(load_layer(store, k)["code"]) for k in
             ("communes", "hamlets", "sites", "routes", "checkpoints")})


# Half of C1 (its western half, 1 x 2 km) and twice as much west of it.
HALF = box(LON0 - 2 * D, LAT0, LON0 + D, LAT0 + 2 * D)


def test_a_commune_overlapping_a_loaded_one_is_refused_naming_both_and_the_km2(
        loaded, tmp_path):
    before = _state(loaded)
    path = _communes(tmp_path, "new.geojson",
                     ("C8", "Xã Xa", box(LON0, LAT0 - 3 * D, LON0 + 2 * D, LAT0 - D)),
                     ("C9", "Xã Chồng", HALF))
    with pytest.raises(Invalid) as e:
        import_layer(loaded, path, "communes", actor="admin")
    [p] = e.value.problems
    overlap = _km2(box(LON0, LAT0, LON0 + D, LAT0 + 2 * D))
    assert (p.row, p.field, p.key) == (2, "geometry", "import.overlap")
    assert float(p.params["km2"]) == pytest.approx(overlap, abs=0.006)
    assert str(p).startswith(
        f"row 2, field 'geometry': commune C9 (Xã Chồng) overlaps the loaded commune C1 "
        f"(Xã Thử) by {p.params['km2']} km² (50 % of the area of Xã Thử; at most 5 % may "
        "overlap). To replace C1 and its layers")
    assert "import again with --replace" in p.reason
    assert "antt layers remove --commune C1" in p.reason
    vi = message(p.key, "vi", **p.params)
    assert vi.startswith(f"xã C9 (Xã Chồng) chồng lấn xã đã nạp C1 (Xã Thử) {p.params['km2']} "
                         "km² (50 % diện tích của Xã Thử; tối đa 5 %)"), vi
    assert "--replace" in vi and "antt layers remove --commune C1" in vi
    assert _state(loaded) == before  # a refused import changes nothing (C8 neither)


def test_a_sliver_of_overlap_imports_and_the_setting_decides(loaded, tmp_path, monkeypatch):
    """A neighbour traced from another source reaches 60 m into C1 (3 % of the smaller):
    imported at the default 5 %, refused at 2 %. One that only touches C1 is no overlap."""
    touching = box(LON0, LAT0 - 2 * D, LON0 + 4 * D, LAT0)
    c7 = box(LON0 - 2 * D, LAT0, LON0 + 0.0006, LAT0 + 2 * D)  # west of C1, 60 m into it
    path = _communes(tmp_path, "w.geojson", ("C7", "Xã Tây", c7), ("C6", "Xã Nam", touching))
    monkeypatch.setenv("ANTT_COMMUNE_OVERLAP_PERCENT", "2")
    with pytest.raises(Invalid) as e:
        import_layer(loaded, path, "communes", actor="admin")
    assert [(p.row, p.params["other_code"], p.params["pct"]) for p in e.value.problems] == [
        (1, "C1", "3")]
    monkeypatch.setenv("ANTT_COMMUNE_OVERLAP_PERCENT", "5")
    assert import_layer(loaded, path, "communes", actor="admin").added == ["C7", "C6"]


def test_replace_removes_the_overlapped_commune_and_its_layers_in_one_transaction(
        loaded, tmp_path):
    path = _communes(tmp_path, "new.geojson", ("C9", "Xã Chồng", HALF))
    assert plan_import(loaded, path, "communes", replace=True).replaced == ["C1"]
    version = loaded.layers_version()
    plan = import_layer(loaded, path, "communes", actor="admin", replace=True)
    assert (plan.added, plan.replaced) == (["C9"], ["C1"])
    assert _state(loaded)[2] == {"communes": ["C2", "C9"], "hamlets": [], "sites": [],
                                 "routes": [], "checkpoints": []}
    assert loaded.layers_version() > version  # the cached layers are read again
    # Registered sites and teams keep their history: the event log is never rewritten.
    assert loaded.get("site", "C1-S1") is not None
    site = fx.write_raw_geojson(tmp_path / "s.geojson", [fx.feature(
        fx.point(LON0 + 0.5 * D, LAT0 + D), code="S9", name="Nhà văn hóa")])
    import_layer(loaded, site, "sites", actor="admin")
    assert loaded.get("site", "S9")["commune_code"] == "C9"


def test_antt_layers_remove_by_commune_and_an_unknown_code_is_refused(loaded):
    before = _state(loaded)
    with pytest.raises(AnttError) as e:
        remove_layers(loaded, communes=["C1", "NOPE"], actor="admin")
    assert e.value.key == "err.unknown_commune" and e.value.params["commune"] == "NOPE"
    assert _state(loaded) == before
    removed = remove_layers(loaded, communes=["C1"], actor="admin")
    assert removed == {"communes": 1, "hamlets": 4, "sites": 4, "routes": 1, "checkpoints": 2}
    assert _state(loaded)[2]["communes"] == ["C2"]


# ---- the demo --------------------------------------------------------------------------
def _demo_commune(store, code: str = "10732"):
    communes = load_layer(store, "communes").set_index("code")
    return communes.loc[code]


def test_a_real_commune_overlapping_the_demo_is_refused_saying_how_to_drop_the_demo(
        demo, tmp_path):
    an_phu = _demo_commune(demo)
    assert bool(an_phu["demo"]) and bool(load_layer(demo, "sites")["demo"].all())
    before = _state(demo)
    b = an_phu.geometry.bounds
    real = box(b[0] - 0.01, b[1] - 0.02, an_phu.geometry.centroid.x, an_phu.geometry.centroid.y)
    path = _communes(tmp_path, "real.geojson", ("VN30001", "Phúc Thành A", real))
    with pytest.raises(Invalid) as e:
        import_layer(demo, path, "communes", actor="admin")
    [p] = e.value.problems
    assert p.key == "import.overlap_demo" and p.params["other_code"] == "10732"
    assert str(p).startswith("row 1, field 'geometry': commune VN30001 (Phúc Thành A) overlaps "
                             "the loaded demo commune 10732 (An Phụ) by ")
    for words in ("was drawn by the demo", "antt layers remove --demo",
                  "antt layers remove --commune 10732", "--replace", "init --empty"):
        assert words in p.reason, words
    vi = message(p.key, "vi", **p.params)
    assert "xã mẫu đã nạp 10732 (An Phụ)" in vi and "antt layers remove --demo" in vi
    assert "init --empty" in vi
    assert _state(demo) == before
    removed = remove_layers(demo, demo=True, actor="admin")
    assert removed["communes"] == 3 and removed["checkpoints"] == 52
    assert all(load_layer(demo, k).empty for k in ("communes", "hamlets", "sites"))
    assert import_layer(demo, path, "communes", actor="admin").added == ["VN30001"]


def test_the_command_line_asks_in_vietnamese_and_replaces_and_removes(loaded, tmp_path,
                                                                      capsys):
    """`antt import` refuses the overlap in Vietnamese (its default), `--replace` replaces,
    `--outside` keeps a site outside every commune, `antt layers remove` removes."""
    from geo.cli import main

    from .test_cli_vietnamese import _english

    db = loaded.url or loaded.path

    def antt(*argv: str) -> tuple[int, str]:
        """Exit code and what was printed, without the reader's progress lines ("  …
        reading x.geojson": still English, not this issue's)."""
        code = main(["--lang", "vi", "--db", db, *argv])
        out = capsys.readouterr()
        return code, "\n".join(line for line in (out.out + out.err).splitlines()
                               if not line.startswith("  … "))

    communes = _communes(tmp_path, "new.geojson", ("C9", "Xã Chồng", HALF))
    code, text = antt("import", str(communes), "--kind", "communes")
    assert code == 2 and "xã C9 (Xã Chồng) chồng lấn xã đã nạp C1 (Xã Thử)" in text, text
    assert "nhập lại với --replace" in text and "1 lỗi: không nhập gì" in text
    assert not _english(text), _english(text)
    code, text = antt("import", str(communes), "--kind", "communes", "--replace")
    assert code == 0 and "thay thế (gỡ cùng các lớp): C1" in text, text
    assert sorted(load_layer(loaded, "communes")["code"]) == ["C2", "C9"]

    sites = fx.write_raw_geojson(tmp_path / "s.geojson", [fx.feature(
        fx.point(LON0 + 0.06, LAT0 + D), code="S9", name="Chốt ngoài xã")])
    code, text = antt("import", str(sites), "--kind", "sites")
    assert code == 2 and "không nằm trong xã nào đã nạp: gần nhất là Xã Bên (C2)" in text
    assert not _english(text), _english(text)
    code, text = antt("import", str(sites), "--kind", "sites", "--outside")
    assert code == 0 and "vẫn nhập vì được ghi là cố ý nằm ngoài xã (dòng 1)" in text, text

    code, text = antt("layers", "remove", "--commune", "NOPE")
    assert code == 2 and "--commune NOPE" in text and not _english(text), text
    code, text = antt("layers", "remove", "--commune", "C9")
    assert code == 0 and text.strip() == "đã gỡ 1 xã", text
    assert sorted(load_layer(loaded, "communes")["code"]) == ["C2"]
