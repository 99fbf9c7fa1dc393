"""Every place on the map is where it really is (issue 13): routes, checkpoints and
hamlet polygons are checked against the commune that names them, an unknown code is
reported as that, and the tolerance setting decides."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo.analysis.places import load_layer
from geo.errors import Invalid
from geo.io.importer import import_layer, plan_import

from .. import geofixtures as fx

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D  # commune C1: a 2 x 2 km square of four hamlets
EAST = LON0 + 2 * D  # C1's east border; C2 lies beyond it


def _by_row(plan) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in plan.errors:
        out.setdefault(p.row, []).append(str(p))
    return out


def _messages(plan) -> str:
    return "\n".join(str(p) for p in [*plan.errors, *plan.warnings])


def _communes(store, tmp_path, *extra: tuple[str, str, shapely.Geometry]) -> None:
    c = fx.commune()
    for code, name, geom in extra:
        c.loc[len(c)] = [code, name, "Kim Thành", "Hải Dương", geom]
    import_layer(store, fx.write(c, tmp_path / "communes.geojson"), "communes", actor="admin")


@pytest.fixture
def loaded(store, tmp_path):
    """C1 ("Xã Thử") with its four hamlets, C2 ("Xã Bên") east of it, route C1-R1."""
    _communes(store, tmp_path, ("C2", "Xã Bên", box(EAST, LAT0, EAST + 2 * D, LAT0 + 2 * D)))
    import_layer(store, fx.write(fx.hamlets(), tmp_path / "h.geojson"), "hamlets",
                 actor="admin")
    import_layer(store, fx.write(fx.routes(), tmp_path / "r.geojson"), "routes", actor="admin")
    return store


def _route(code: str, coords: list[tuple[float, float]], commune: str = "C1") -> dict:
    return fx.feature(shapely.geometry.mapping(LineString(coords)), code=code, name=code,
                      team_code=f"{code}-TEAM", commune_code=commune)


# ---- routes ------------------------------------------------------------------------------
def test_a_route_running_out_of_its_commune_is_refused_with_its_farthest_point(
        loaded, tmp_path):
    y = LAT0 + 0.005
    path = fx.write_raw_geojson(tmp_path / "routes.geojson", [
        _route("R1", [(LON0 + 0.005, y), (LON0 + 0.015, y)]),                # inside
        _route("R2", [(LON0 + 0.015, y), (EAST + 0.0145, y)]),               # ~1.5 km out
        _route("R3", [(LON0 + 0.015, y), (EAST + 0.0003, y)])])              # ~30 m out
    plan = plan_import(loaded, path, "routes")
    rows = _by_row(plan)
    assert list(rows) == [2], _messages(plan)
    assert rows[2][0].startswith("row 2, field 'geometry': runs up to 1.5 km outside commune "
                                 "C1 (Xã Thử) that its commune_code names, at 106.53450, "
                                 "21.00500 (tolerance 50 m)"), rows[2]
    with pytest.raises(Invalid):
        import_layer(loaded, path, "routes", actor="admin")
    assert load_layer(loaded, "routes")["code"].tolist() == ["C1-R1"]  # nothing written
    assert loaded.frame("unit")["code"].tolist() == ["C1-TEAM1"]       # no team registered


def test_a_route_cutting_across_a_bend_of_the_border_is_refused(store, tmp_path):
    """Both ends lie in the arms of a U-shaped commune; the stretch between them crosses
    the notch, about 500 m from the border at its middle: points along the line count,
    not only its vertices."""
    u = box(LON0, LAT0, LON0 + 2 * D, LAT0 + 2 * D).difference(
        box(LON0 + 0.5 * D, LAT0 + D, LON0 + 1.5 * D, LAT0 + 2 * D))
    u_commune = gpd.GeoDataFrame({"code": ["U1"], "name": ["Xã Chữ U"]}, geometry=[u],
                                 crs=4326)
    import_layer(store, fx.write(u_commune, tmp_path / "u.geojson"), "communes",
                 actor="admin")
    y = LAT0 + 1.9 * D
    path = fx.write_raw_geojson(tmp_path / "routes.geojson", [
        _route("R1", [(LON0 + 0.25 * D, y), (LON0 + 1.75 * D, y)], commune="U1"),
        _route("R2", [(LON0 + 0.25 * D, y), (LON0 + 0.25 * D, LAT0 + 0.5 * D),
                      (LON0 + 1.75 * D, LAT0 + 0.5 * D), (LON0 + 1.75 * D, y)],
               commune="U1")])                                     # around the notch: fine
    plan = plan_import(store, path, "routes")
    assert [p.row for p in plan.errors] == [1], _messages(plan)
    assert "runs up to 52" in plan.errors[0].reason  # ~520 m: half the notch's width
    assert "outside commune U1 (Xã Chữ U)" in plan.errors[0].reason


# ---- checkpoints -------------------------------------------------------------------------
def test_a_checkpoint_outside_its_routes_commune_is_refused(loaded, tmp_path):
    path = fx.write_raw_geojson(tmp_path / "cp.geojson", [
        fx.feature(fx.point(LON0 + 0.01, LAT0 + 0.005), code="CP1", name="Điểm 1",
                   route_code="C1-R1", seq=1),
        fx.feature(fx.point(EAST + 0.0135, LAT0 + 0.005), code="CP2", name="Điểm 2",
                   route_code="C1-R1", seq=2)])
    plan = plan_import(loaded, path, "checkpoints")
    assert [str(p) for p in plan.errors] == [
        "row 2, field 'geometry': lies 1.4 km outside commune C1 (Xã Thử), the commune of "
        "route C1-R1 that its route_code names (tolerance 50 m)"], _messages(plan)
    with pytest.raises(Invalid):
        import_layer(loaded, path, "checkpoints", actor="admin")
    assert load_layer(loaded, "checkpoints").empty


# ---- hamlet polygons ---------------------------------------------------------------------
def test_a_hamlet_straddling_two_communes_is_refused_a_slight_overhang_is_not(
        store, tmp_path):
    """The rule: at most 5 % of a polygon's area may lie more than the tolerance (50 m)
    outside its commune. A hamlet half in C2 is refused; one reaching 200 m into C2 (12 %
    of it beyond 50 m) is refused; one reaching 80 m into it (under 3 %) imports."""
    _communes(store, tmp_path, ("C2", "Xã Bên", box(EAST, LAT0, EAST + 2 * D, LAT0 + 2 * D)))
    m = 1 / 103_900  # degrees of longitude per metre at 21° N (about)

    def hamlet(code: str, east: float) -> dict:
        return fx.feature(shapely.geometry.mapping(box(LON0 + D, LAT0, east, LAT0 + D)),
                          code=code, name=f"Thôn {code}", commune_code="C1")

    straddle = fx.feature(shapely.geometry.mapping(box(EAST - 0.5 * D, LAT0 + D,
                                                       EAST + 0.5 * D, LAT0 + 2 * D)),
                          code="H1", name="Thôn Hai Xã", commune_code="C1")
    path = fx.write_raw_geojson(tmp_path / "h.geojson", [
        straddle, hamlet("H2", EAST + 80 * m), hamlet("H3", EAST + 200 * m)])
    plan = plan_import(store, path, "hamlets")
    rows = _by_row(plan)
    assert list(rows) == [1, 3], _messages(plan)
    assert rows[1] == ["row 1, field 'geometry': 45 % of its area (0.52 km²) lies more than "
                       "50 m outside commune C1 (Xã Thử) that its commune_code names, "
                       "reaching 520 m out (tolerance 50 m; at most 5 % of the area may lie "
                       "beyond it)"], rows[1]
    assert "12 % of its area" in rows[3][0] and "reaching 200 m out" in rows[3][0], rows[3]
    with pytest.raises(Invalid):
        import_layer(store, path, "hamlets", actor="admin")
    assert load_layer(store, "hamlets").empty
    ok = fx.write_raw_geojson(tmp_path / "ok.geojson", [hamlet("H2", EAST + 80 * m)])
    assert import_layer(store, ok, "hamlets", actor="admin").added == ["H2"]


# ---- unknown codes -----------------------------------------------------------------------
def test_an_unknown_code_is_reported_as_that_and_not_as_a_position(loaded, tmp_path):
    far = (EAST + 0.0135, LAT0 + 0.005)  # 1.4 km east of C1
    path = fx.write_raw_geojson(tmp_path / "s.geojson", [
        fx.feature(fx.point(*far), code="S1", name="a", commune_code="C1"),
        fx.feature(fx.point(*far), code="S2", name="b", commune_code="NOPE"),
        fx.feature(fx.point(LON0 + 0.005, LAT0 + 0.005), code="S3", name="c",
                   commune_code="C1", hamlet_code="C1-H9")])
    plan = plan_import(loaded, path, "sites")
    assert _by_row(plan) == {
        1: ["row 1, field 'geometry': lies 1.4 km outside commune C1 (Xã Thử) that its "
            "commune_code names (tolerance 50 m)"],
        2: ["row 2, field 'commune_code': unknown commune 'NOPE'"],
        3: ["row 3, field 'hamlet_code': unknown hamlet 'C1-H9'"]}, _messages(plan)
    routes = fx.write_raw_geojson(tmp_path / "r.geojson", [
        _route("R2", [(LON0 + 0.015, LAT0 + 0.005), far], commune="NOPE")])
    assert [str(p) for p in plan_import(loaded, routes, "routes").errors] == [
        "row 1, field 'commune_code': unknown commune 'NOPE'"]
    cps = fx.write_raw_geojson(tmp_path / "cp.geojson", [
        fx.feature(fx.point(*far), code="CP1", name="x", route_code="R-NOPE")])
    assert [str(p) for p in plan_import(loaded, cps, "checkpoints").errors] == [
        "row 1, field 'route_code': unknown route 'R-NOPE'"]


# ---- the tolerance setting ---------------------------------------------------------------
def test_the_tolerance_setting_decides_80_m_outside_refused_at_50_accepted_at_100(
        loaded, tmp_path, monkeypatch):
    border = gpd.GeoSeries([Point(EAST, LAT0 + D)], crs=4326).to_crs("EPSG:3405")
    out = gpd.GeoSeries([Point(border.x[0] + 80, border.y[0])], crs="EPSG:3405").to_crs(4326)
    path = fx.write_raw_geojson(tmp_path / "s.geojson", [fx.feature(
        fx.point(out.x[0], out.y[0]), code="S1", name="Điểm 80 m", commune_code="C1")])
    monkeypatch.setenv("ANTT_POSITION_TOLERANCE_M", "50")
    plan = plan_import(loaded, path, "sites")
    assert [str(p) for p in plan.errors] == [
        "row 1, field 'geometry': lies 80 m outside commune C1 (Xã Thử) that its "
        "commune_code names (tolerance 50 m)"]
    monkeypatch.setenv("ANTT_POSITION_TOLERANCE_M", "100")
    assert import_layer(loaded, path, "sites", actor="admin").added == ["S1"]
    assert loaded.get("site", "S1")["commune_code"] == "C1"
