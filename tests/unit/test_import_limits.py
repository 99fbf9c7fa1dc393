"""Import limits (geo/io/limits.py): a file too large, a zip that unpacks too large (by
its directory, or by what a member really holds), too many features, a feature with too
many vertices: each refused early with one message naming the file or row, the limit and
its setting; each limit moves with its ANTT_* variable. And a refusal lists its first
problems only. Files are made here, small, with the limits set low."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely.geometry

from geo.errors import PROBLEMS_SHOWN, Invalid, Problem
from geo.io.layers import read_layer

from .. import geofixtures as fx
from .. import helpers_limits as lim
from ..conftest import ROOT


def _refused(read, key: str) -> Problem:
    """The one problem of a read refused for *key*."""
    assert not read.ok and read.frame is None
    assert [p.key for p in read.errors] == [key], read.errors
    return read.errors[0]


# ---- file size ----------------------------------------------------------------------------
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "thon.geojson"
    path.write_bytes(b"{ not json at all " * 200)  # 3,600 bytes that would not parse
    monkeypatch.setenv("ANTT_IMPORT_MAX_FILE_MB", "0.002")
    p = _refused(read_layer(path, "hamlets"), "import.limit.file")
    assert p.field == "file"
    assert "thon.geojson is 3,600 bytes" in p.reason and "2,000 bytes" in p.reason
    assert "ANTT_IMPORT_MAX_FILE_MB" in p.reason
    monkeypatch.setenv("ANTT_IMPORT_MAX_FILE_MB", "0.004")  # under it: read, and refused
    assert "not valid JSON" in str(read_layer(path, "hamlets").errors[0])  # for what it is


# ---- zip: declared and actual sizes -------------------------------------------------------
def test_a_zip_whose_directory_sums_over_the_limit_is_refused(tmp_path, monkeypatch):
    # Two members of 0.6 MB of zeros (a few kB zipped): 1.2 MB in all, none the layer's.
    path = lim.zipped_shapefile(fx.hamlets(), tmp_path / "thon.zip",
                                extra={"a.bin": bytes(600_000), "b.bin": bytes(600_000)})
    assert path.stat().st_size < 20_000
    monkeypatch.setenv("ANTT_IMPORT_MAX_UNZIPPED_MB", "1")
    p = _refused(read_layer(path, "hamlets"), "import.limit.unzipped")
    assert "thon.zip unpacks to 1.2 MB" in p.reason and "1.0 MB unpacked" in p.reason
    assert "ANTT_IMPORT_MAX_UNZIPPED_MB" in p.reason
    monkeypatch.setenv("ANTT_IMPORT_MAX_UNZIPPED_MB", "2")
    assert read_layer(path, "hamlets").ok


def test_a_zip_member_that_lies_about_its_size_is_stopped_at_the_limit(tmp_path, monkeypatch):
    """The member declares 100 bytes and holds 5 MB: the directory's sum passes, and
    unpacking stops when the bytes really unpacked pass the limit."""
    path = lim.zipped_shapefile(fx.hamlets(), tmp_path / "thon.zip",
                                extra={"layer.txt": bytes(5_000_000)})
    lim.lie_about(path, "layer.txt", 100)
    monkeypatch.setenv("ANTT_IMPORT_MAX_UNZIPPED_MB", "1")
    p = _refused(read_layer(path, "hamlets"), "import.limit.unzipped_lie")
    assert "thon.zip: layer.txt declares 100 bytes but holds more" in p.reason
    assert "1.0 MB unpacked" in p.reason and "ANTT_IMPORT_MAX_UNZIPPED_MB" in p.reason
    # Under a limit it fits in, the lie is still found: a damaged zip, refused.
    monkeypatch.setenv("ANTT_IMPORT_MAX_UNZIPPED_MB", "10")
    p = _refused(read_layer(path, "hamlets"), "import.zip_damaged")
    assert "layer.txt declares 100 bytes but holds 5,000,000" in p.reason


def test_zipfile_alone_would_not_count_what_a_member_holds(tmp_path):
    """Why geo.io.limits.unzip reads with its own size: zipfile stops at the declared
    size and fails the member's CRC, never saying how much it holds."""
    path = lim.zipped_shapefile(fx.hamlets(), tmp_path / "thon.zip",
                                extra={"layer.txt": bytes(50_000)})
    lim.lie_about(path, "layer.txt", 100)
    with zipfile.ZipFile(path) as z, pytest.raises(zipfile.BadZipFile, match="CRC"):
        z.read("layer.txt")


def test_a_zipped_shapefile_within_the_limits_reads_as_before(tmp_path):
    path = lim.zipped_shapefile(fx.hamlets(), tmp_path / "thon.zip",
                                extra={"readme.txt": b"nothing to see"})
    r = read_layer(path, "hamlets")
    assert r.ok, r.errors
    assert list(r.frame["name"]) == list(fx.hamlets()["name"])


# ---- features per file --------------------------------------------------------------------
def _five_hamlets() -> gpd.GeoDataFrame:
    h = fx.hamlets()
    extra = h.iloc[[0]].assign(code="C1-H5", name="Thôn Năm")
    return gpd.GeoDataFrame(pd.concat([h, extra], ignore_index=True), crs=4326)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".zip", ".csv"])
def test_a_file_over_the_feature_limit_is_refused(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"thon{suffix}"
    if suffix == ".zip":
        lim.zipped_shapefile(_five_hamlets(), path)
        kind = "hamlets"
    elif suffix == ".csv":
        pd.DataFrame({"code": [f"S{i}" for i in range(5)], "name": ["Nhà văn hóa"] * 5,
                      "lon": [fx.LON0 + 0.005] * 5, "lat": [fx.LAT0 + 0.005] * 5}
                     ).to_csv(path, index=False)
        kind = "sites"
    else:
        fx.write(_five_hamlets(), path)
        kind = "hamlets"
    monkeypatch.setenv("ANTT_IMPORT_MAX_FEATURES", "4")
    p = _refused(read_layer(path, kind), "import.limit.features")
    assert f"thon{suffix} has 5 features" in p.reason and "limit of 4 a file" in p.reason
    assert "ANTT_IMPORT_MAX_FEATURES" in p.reason
    monkeypatch.setenv("ANTT_IMPORT_MAX_FEATURES", "5")
    assert read_layer(path, kind).ok


def test_a_zipped_shapefile_is_counted_from_its_header_before_it_is_unpacked(tmp_path,
                                                                           monkeypatch):
    """Too many features and a member that would blow the unpacked limit: the count,
    read from the Shapefile's header inside the zip, refuses it first."""
    path = lim.zipped_shapefile(_five_hamlets(), tmp_path / "thon.zip",
                                extra={"layer.txt": bytes(5_000_000)})
    lim.lie_about(path, "layer.txt", 100)
    monkeypatch.setenv("ANTT_IMPORT_MAX_UNZIPPED_MB", "1")
    monkeypatch.setenv("ANTT_IMPORT_MAX_FEATURES", "4")
    _refused(read_layer(path, "hamlets"), "import.limit.features")
    monkeypatch.setenv("ANTT_IMPORT_MAX_FEATURES", "5")
    _refused(read_layer(path, "hamlets"), "import.limit.unzipped_lie")


# ---- vertices per feature -----------------------------------------------------------------
def test_a_feature_over_the_vertex_limit_is_refused_before_rows_are_checked(tmp_path,
                                                                             monkeypatch):
    h = lim.hamlets_with(1_001, cell=2)
    h.loc[0, "name"] = None  # a row error that is never reached
    path = fx.write(h, tmp_path / "thon.geojson")
    monkeypatch.setenv("ANTT_IMPORT_MAX_VERTICES", "1000")
    p = _refused(read_layer(path, "hamlets"), "import.limit.vertices")
    assert (p.row, p.field) == (3, "geometry")
    assert str(p).startswith("row 3, field 'geometry': 1,001 vertices, over the import "
                             "limit of 1,000 a feature (ANTT_IMPORT_MAX_VERTICES)")
    monkeypatch.setenv("ANTT_IMPORT_MAX_VERTICES", "1001")  # at the limit: checked on
    assert [(e.row, e.field) for e in read_layer(path, "hamlets").errors] == [(1, "name")]


def test_every_feature_over_the_vertex_limit_is_named(tmp_path, monkeypatch):
    h = lim.hamlets_with(600, cell=1)
    h.loc[3, "geometry"] = lim.ring(700, cell=3)
    monkeypatch.setenv("ANTT_IMPORT_MAX_VERTICES", "500")
    r = read_layer(fx.write(h, tmp_path / "thon.gpkg"), "hamlets")
    assert [(p.row, p.params["n"]) for p in r.errors] == [(2, "600"), (4, "700")]


def test_an_osm_outline_that_is_not_imported_may_be_larger(tmp_path, monkeypatch):
    """An OpenStreetMap extract carries the province's outline (admin_level 4) beside the
    communes (8): only the communes are imported, so only they are held to the limit."""
    province = fx.feature(shapely.geometry.mapping(lim.ring(3_000)), admin_level="4",
                          ref="P1", name="Tỉnh Thử")
    commune = fx.feature(shapely.geometry.mapping(fx.commune().geometry.iloc[0]),
                         admin_level="8", ref="C1", name="Xã Thử")
    path = fx.write_raw_geojson(tmp_path / "osm.geojson", [province, commune])
    monkeypatch.setenv("ANTT_IMPORT_MAX_VERTICES", "1000")
    r = read_layer(path, "communes")
    assert r.ok, r.errors
    assert list(r.frame["code"]) == ["C1"]
    big = fx.feature(shapely.geometry.mapping(lim.ring(3_000)), admin_level="8", ref="C2",
                     name="Xã Lớn")
    r = read_layer(fx.write_raw_geojson(tmp_path / "osm2.geojson", [province, commune, big]),
                   "communes")
    assert [(p.row, p.params["n"]) for p in r.errors] == [(3, "3,000")]


# ---- each limit is a setting with a sound default ---------------------------------------
@pytest.mark.parametrize("name, default", [
    ("import_max_file_mb", 50.0), ("import_max_unzipped_mb", 200.0),
    ("import_max_features", 200_000), ("import_max_vertices", 50_000)])
def test_the_limits_are_settings(monkeypatch, name, default):
    from geo import settings
    from geo.io.limits import Limits

    assert settings.get(name) == default
    monkeypatch.setenv("ANTT_" + name.upper(), "7")
    field = {"import_max_file_mb": "file_bytes", "import_max_unzipped_mb": "unzipped_bytes",
             "import_max_features": "features", "import_max_vertices": "vertices"}[name]
    assert getattr(Limits.current(), field) == (7_000_000 if name.endswith("_mb") else 7)


def test_the_demo_layers_are_far_under_every_limit():
    """What the defaults are measured against (geo/settings.py says why each is so)."""
    import shapely

    from geo.io.limits import Limits

    limits = Limits.current()
    for path in sorted((ROOT / "data").glob("*.geojson")):
        if path.name == "vietnam.geojson":  # the outline, not a layer
            continue
        g = gpd.read_file(path)
        assert path.stat().st_size * 1000 < limits.file_bytes, path
        assert len(g) * 1000 < limits.features, path
        assert shapely.get_num_coordinates(g.geometry.values).max() * 100 < limits.vertices


# ---- the first problems only ------------------------------------------------------------
def test_an_invalid_message_lists_the_first_problems_then_how_many_more():
    problems = [Problem("voters", "must be a whole number", row=r) for r in range(1, 10_001)]
    text = str(Invalid(problems))
    assert text.count("field 'voters'") == PROBLEMS_SHOWN == 50
    assert "row 50, field" in text and "row 51, field" not in text
    assert text.endswith("; … and 9,950 more problems")
    assert "more problems" not in str(Invalid(problems[:50]))


def test_a_page_lists_the_first_problems_then_how_many_more():
    from dashboard.actions import attempt

    def command():
        raise Invalid([Problem("voters", f"bad {r}", row=r) for r in range(1, 10_001)])

    outcome, text = attempt(command, "en", "site_status")
    assert outcome == "error"
    assert "bad 50" in text and "bad 51" not in text
    assert text.endswith("… and 9,950 more problems.")
    assert attempt(command, "vi", "site_status")[1].endswith("… và 9,950 lỗi khác.")
