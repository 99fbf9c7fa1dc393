"""Check the demo layers written by data/make_demo.py.

    .venv/bin/python data/check_demo.py

Loads every file with geopandas and asserts: CRS, geometry types and validity, the exact
property names, unique codes, references, points inside their commune / hamlet (sites 60 m
inside), NFC text, ISO times, each commune's position and area against the GADM 4.1 figures
in make_demo.FACTS (measured in EPSG:3405, VN-2000 / UTM 48N), and that the project's own
reader accepts each file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Point, box

DATA = Path(__file__).resolve().parent
ROOT = DATA.parent
sys.path.insert(0, str(ROOT))

FIELDS = {
    "communes": ["code", "name", "district", "province", "admin_set", "area_km2",
                 "population", "source"],
    "hamlets": ["code", "name", "commune_code"],
    "sites": ["code", "name", "hamlet_code", "commune_code", "voters"],
    "targets": ["code", "name", "kind", "commune_code", "protection"],
    "hotspots": ["code", "name", "reason", "risk", "active_from", "active_to", "commune_code"],
    "routes": ["code", "name", "team_code", "team_name", "team_size", "starts_at", "ends_at",
               "commune_code"],
    "checkpoints": ["code", "name", "route_code", "seq", "interval_min"],
}
GEOM = {"communes": "Polygon", "hamlets": "Polygon", "sites": "Point", "targets": "Point",
        "hotspots": "Polygon", "routes": "LineString", "checkpoints": "Point"}
REQUIRED_KINDS = {"peoples_committee", "party_office", "police", "ballot_storage",
                  "voter_list_posting", "candidate_list_posting", "health_station", "school",
                  "market"}
METRIC = 3405          # VN-2000 / UTM 48N
CENTROID_M = 300       # drawn centroid to GADM centroid
BBOX_OVERLAP = 0.80    # bounding-box intersection / real box and / drawn box
AREA_REL = 0.03        # drawn area to the figure
SITE_MARGIN_M = 59     # sites are drawn 60 m inside their hamlet; rounding moves them < 1 m


def _facts() -> dict[str, dict]:
    """make_demo.FACTS by commune code (``data/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("make_demo", DATA / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {f["code"]: f for f in module.FACTS}


def _metric(geom):
    """A WGS 84 geometry in EPSG:3405, densified first so a box keeps its shape."""
    return gpd.GeoSeries([shapely.segmentize(geom, 0.0005)], crs=4326).to_crs(METRIC).iloc[0]


def check_position(cc: str, drawn, fact: dict) -> None:
    """The drawn commune against the GADM 4.1 figures it was drawn to fit."""
    gadm = fact["gadm"]
    poly = _metric(drawn)
    real_c = _metric(Point(*gadm["centroid"]))
    real_box, drawn_box = _metric(box(*gadm["bbox"])), _metric(box(*drawn.bounds))
    inter = real_box.intersection(drawn_box).area
    assert inter / real_box.area >= BBOX_OVERLAP, (cc, inter / real_box.area)
    assert inter / drawn_box.area >= BBOX_OVERLAP, (cc, inter / drawn_box.area)
    area = poly.area / 1e6
    assert abs(area - fact["area_km2"]) / fact["area_km2"] < 0.005, (cc, area)
    if gadm.get("merged"):  # Cẩm Tân after 2019: holds the old commune's centroid
        assert poly.contains(real_c), cc
    else:
        assert abs(area - gadm["area_km2"]) / gadm["area_km2"] <= AREA_REL, (cc, area)
        assert poly.centroid.distance(real_c) <= CENTROID_M, (cc, poly.centroid.distance(real_c))


def main() -> None:
    files = {k: DATA / f"{k}.geojson" for k in FIELDS}
    before = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}
    subprocess.run([sys.executable, str(DATA / "make_demo.py")], check=True,
                   capture_output=True, cwd=ROOT)
    after = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}
    assert before == after, "make_demo.py is not deterministic"

    L = {}
    for k, p in files.items():
        raw = p.read_text(encoding="utf-8")
        assert raw == unicodedata.normalize("NFC", raw), f"{k}: text not NFC"
        g = gpd.read_file(p)
        assert g.crs is not None and g.crs.to_epsg() == 4326, (k, g.crs)
        assert list(g.columns.drop("geometry")) == FIELDS[k], (k, list(g.columns))
        assert (g.geom_type == GEOM[k]).all(), (k, set(g.geom_type))
        assert g.is_valid.all() and not g.is_empty.any(), k
        assert g["code"].is_unique, f"{k}: duplicate codes"
        for col in g.columns.drop("geometry"):
            for v in g[col].dropna():
                if isinstance(v, str):
                    assert v == unicodedata.normalize("NFC", v) and v.strip() == v, (k, v)
        L[k] = g

    com = L["communes"].set_index("code")
    ham = L["hamlets"].set_index("code")
    facts = _facts()
    assert set(com.index) == set(facts)
    for cc, row in com.iterrows():
        assert row["area_km2"] == facts[cc]["area_km2"], cc
        check_position(cc, row.geometry, facts[cc])
        assert row["admin_set"] == "2021-2025"
        hs = ham[ham["commune_code"] == cc]
        union = hs.geometry.union_all()
        assert abs(union.area - row.geometry.area) / row.geometry.area < 1e-6, cc
        # 6-decimal rounding moves shared edges by < 1e-6° (≈ 0.1 m)
        assert all(h.within(row.geometry.buffer(2e-6)) for h in hs.geometry), cc
        assert all(code.startswith(f"{cc}-H") for code in hs.index)
    assert set(ham["commune_code"]) <= set(com.index)
    hai_duong = [_metric(com.loc[cc].geometry) for cc in ("10732", "10762")]
    assert hai_duong[0].intersection(hai_duong[1]).area == 0, "the Hải Dương communes overlap"

    s = L["sites"]
    ham_m = L["hamlets"].to_crs(METRIC).set_index("code")
    com_m = L["communes"].to_crs(METRIC).set_index("code")
    for (_, r), site_m in zip(s.iterrows(), s.to_crs(METRIC).geometry, strict=True):
        assert r.geometry.within(ham.loc[r["hamlet_code"]].geometry), r["code"]
        assert r.geometry.within(com.loc[r["commune_code"]].geometry), r["code"]
        for area in (ham_m.loc[r["hamlet_code"]].geometry, com_m.loc[r["commune_code"]].geometry):
            assert area.exterior.distance(site_m) >= SITE_MARGIN_M, r["code"]
        assert ham.loc[r["hamlet_code"], "commune_code"] == r["commune_code"]
        assert r["name"].startswith("Nhà văn hóa thôn "), r["name"]
        assert int(r["voters"]) > 0
    assert set(s["hamlet_code"]) == set(ham.index), "one site per hamlet"

    t = L["targets"]
    for _, r in t.iterrows():
        assert r.geometry.within(com.loc[r["commune_code"]].geometry), r["code"]
        assert 1 <= r["protection"] <= 3
    for cc in com.index:
        kinds = set(t.loc[t["commune_code"] == cc, "kind"])
        assert REQUIRED_KINDS <= kinds, (cc, REQUIRED_KINDS - kinds)

    hsp = L["hotspots"]
    for cc in ("10732", "10762"):
        assert (hsp["commune_code"] == cc).any(), cc
    for _, r in hsp.iterrows():
        assert r.geometry.within(com.loc[r["commune_code"]].geometry), r["code"]
        assert 1 <= r["risk"] <= 4
        assert r["active_from"] <= r["active_to"]

    ro = L["routes"]
    for cc in com.index:
        assert 3 <= (ro["commune_code"] == cc).sum() <= 6, cc
    for _, r in ro.iterrows():
        assert r.geometry.within(com.loc[r["commune_code"]].geometry), r["code"]
        assert r["starts_at"] < r["ends_at"]
        assert r["team_code"] == f"{r['commune_code']}-TEAM{r['code'].rsplit('-R', 1)[1]}"
    assert ro["team_code"].is_unique

    # Times as written (geopandas parses them): ISO dates / ISO local times with +07:00.
    for ft in json.loads(files["hotspots"].read_text(encoding="utf-8"))["features"]:
        pr = ft["properties"]
        a, b = (datetime.fromisoformat(pr[f]) for f in ("active_from", "active_to"))
        assert len(pr["active_from"]) == len(pr["active_to"]) == 10 and a <= b, pr["code"]
        if pr["commune_code"] in ("10732", "10762"):
            assert (pr["active_from"], pr["active_to"]) == ("2021-04-23", "2021-06-23")
    for ft in json.loads(files["routes"].read_text(encoding="utf-8"))["features"]:
        pr = ft["properties"]
        a, b = (datetime.fromisoformat(pr[f]) for f in ("starts_at", "ends_at"))
        assert pr["starts_at"].endswith("+07:00") and pr["ends_at"].endswith("+07:00")
        assert a < b, pr["code"]

    cp = L["checkpoints"]
    rix = ro.set_index("code")
    for rc, grp in cp.groupby("route_code"):
        assert list(grp["seq"]) == list(range(1, len(grp) + 1)), rc
        line = rix.loc[rc].geometry
        for _, r in grp.iterrows():
            assert r.geometry.distance(line) < 1e-5, r["code"]
            assert r["code"] == f"{rc}-C{r['seq']}"
            assert r.geometry.within(com.loc[rix.loc[rc, "commune_code"]].geometry)
    assert set(cp["route_code"]) == set(ro["code"])

    # The project's own reader must accept every file without errors or warnings.
    from geo.io.layers import read_layer
    for k, p in files.items():
        res = read_layer(p, k)
        assert res.ok and not res.warnings, (k, res.errors, res.warnings)

    size = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert size < 1_000_000, size
    for k, g in L.items():
        print(f"{k:<12} {len(g):>4} features OK")
    print(f"data/ total {size:,} bytes; deterministic; all checks passed")


if __name__ == "__main__":
    main()
