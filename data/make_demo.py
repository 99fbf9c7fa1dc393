"""Build the bundled demo layers (data/*.geojson) for three communes.

Run from the repository root:

    .venv/bin/python data/make_demo.py

Deterministic: a fixed random seed, fixed facts, coordinates rounded to 6 decimals.

WHAT IS REAL AND WHAT IS DRAWN
------------------------------
Only the facts in FACTS below that carry a ``# SOURCED`` comment come from a
source (see data/README.md for the full provenance table).  Everything else is
DRAWN for the demo: every commune outline, every hamlet shape, every site,
target, hotspot location, patrol route and checkpoint, and each commune centre
(no source giving a commune-centre coordinate was found for any of the three
communes, so the centres are placed by hand near a sourced district-level
reference point and are NOT surveyed positions).  Real deployments import
official boundaries (GADM / HDX COD-AB) with ``antt import``.
"""

from __future__ import annotations

import json
import math
import random
import unicodedata
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping
from shapely.ops import voronoi_diagram

SEED = 20210523
OUT = Path(__file__).resolve().parent
UTM = "EPSG:32648"  # UTM 48N (WGS 84); all three communes lie west of 108° E

# --------------------------------------------------------------------------------------
# Sourced facts (and the drawn values that stand in where nothing was found).
# --------------------------------------------------------------------------------------
SEED_001 = ("Công văn UBND tỉnh Hải Dương (5/2021) V/v tăng cường bảo đảm ANTT bầu cử "
            "ĐBQH khóa XV và HĐND các cấp 2021-2026 (shared/seeds/001)")
SEED_000 = ("Kế hoạch UBND xã Cẩm Tân ngày 04/12/2024 bảo vệ bầu cử trưởng thôn "
            "nhiệm kỳ 2024-2027 (shared/seeds/000)")

# Seed 001, quoted verbatim (the only reason the letter gives for the two hotspots).
HD_HOTSPOT_QUOTE = ("«…giải quyết kịp thời, ổn định các vụ mâu thuẫn, tranh chấp, khiếu kiện, "
                    "đình công, lãn công ngay từ đầu và từ cơ sở, nhất là tại các điểm đang "
                    "tiềm ẩn diễn biến phức tạp như An Phụ- Kinh Môn, Cổ Dũng - Kim Thành, "
                    "không để phức tạp kéo dài, hình thành “điểm nóng” ảnh hưởng đến cuộc "
                    "bầu cử»")

FACTS = [
    {
        # SOURCED: GSO code 10732, "Xã An Phụ", district code 292 (Kinh Môn) — public GSO
        # administrative-code SQL list found with the search tool (index file id 32055650596).
        "code": "10732",
        "name": "An Phụ",
        "district": "Thị xã Kinh Môn",        # SOURCED: geo-facts.md; seed 001 ("An Phụ- Kinh Môn")
        "province": "Hải Dương",              # SOURCED: geo-facts.md; seed 001
        # DRAWN centre: no commune-centre coordinate was found.  Placed ~2.5 km WNW of the
        # SOURCED Kinh Môn reference point 20°59'59"N 106°30'28"E
        # (wikimapia.org/16203501 "Thị Xã Kinh Môn").
        "centre": (21.0050, 106.4850),
        "centre_sourced": False,
        # DRAWN area: no figure found; 4.5 km² = Kinh Môn 112.9 km² / 25 commune-level units
        # (SOURCED district figures, wikimapia.org/16203501).
        "area_km2": 4.5,
        "area_sourced": False,
        "population": None,                   # not found
        # Hamlets: "Huề Trì" SOURCED (tailieuthamkhao.com "Quản lý di tích lịch sử văn hóa
        # đình Huề Trì xã An Phụ huyện Kinh Môn"; dulichhaiduong.vn "Thắng cảnh An Phụ":
        # "Đình Huề Trì (phía tây nam núi An Phụ)").  The others are PLACEHOLDERS (drawn).
        "hamlets": [("Thôn Huề Trì", True), ("Thôn 1", False), ("Thôn 2", False),
                    ("Thôn 3", False), ("Thôn 4", False)],
        "plan_start": "2021-04-23T07:00:00+07:00",  # SOURCED: seed 001 peak period 23/4/2021
        "election_day": "2021-05-23",               # SOURCED: seed 001 "Ngày bầu cử (23/5/2021)"
        "count_end": "2021-05-23T23:00:00+07:00",   # DRAWN: end of count not given
        "n_routes": 4,
        "hotspots": [{
            "name": "Điểm tiềm ẩn phức tạp An Phụ (Kinh Môn)",
            "reason": "Điểm đang tiềm ẩn diễn biến phức tạp (mâu thuẫn, tranh chấp, khiếu kiện) "
                      "nêu trong công văn UBND tỉnh Hải Dương 5/2021: " + HD_HOTSPOT_QUOTE
                      + " — vị trí trên bản đồ là tự vẽ (minh họa).",
            "risk": 3,
            "active_from": "2021-04-23", "active_to": "2021-06-23",  # SOURCED: seed 001
            "near": "centre", "radius_m": 350,
        }],
        "source": ("code: GSO admin-code list (10732); district/province: geo-facts.md & "
                   "seed 001; hamlet Huề Trì: tailieuthamkhao.com / dulichhaiduong.vn; "
                   "centre, area, outline: DRAWN (see data/README.md)"),
    },
    {
        # SOURCED: GSO code 10762 — vietnam-division@2.4.0 dist/xa-phuong/293.json
        # ("Xã Cổ Dũng, Huyện Kim Thành, Tỉnh Hải Dương", "export từ nguồn Tổng Cục Thống Kê"),
        # https://app.unpkg.com/vietnam-division@2.4.0/files/dist/xa-phuong/293.json
        "code": "10762",
        "name": "Cổ Dũng",
        "district": "Huyện Kim Thành",        # SOURCED: same file; seed 001
        "province": "Hải Dương",              # SOURCED: same file
        # DRAWN centre: no coordinate found.  Placed inside the geo-facts.md box for Hải Dương,
        # ~5 km SSW of the Kinh Môn reference point (Kim Thành lies south of Kinh Môn:
        # wikimapia.org/16203501 "Nam giáp huyện Kim Thành").
        "centre": (20.9600, 106.4700),
        "centre_sourced": False,
        "area_km2": 5.0,                      # DRAWN: no figure found
        "area_sourced": False,
        "population": None,                   # not found
        # No hamlet names found: all PLACEHOLDERS (drawn).
        "hamlets": [("Thôn 1", False), ("Thôn 2", False), ("Thôn 3", False),
                    ("Thôn 4", False), ("Thôn 5", False), ("Thôn 6", False)],
        "plan_start": "2021-04-23T07:00:00+07:00",
        "election_day": "2021-05-23",
        "count_end": "2021-05-23T23:00:00+07:00",
        "n_routes": 4,
        "hotspots": [{
            "name": "Điểm tiềm ẩn phức tạp Cổ Dũng (Kim Thành)",
            "reason": "Điểm đang tiềm ẩn diễn biến phức tạp (mâu thuẫn, tranh chấp, khiếu kiện) "
                      "nêu trong công văn UBND tỉnh Hải Dương 5/2021: " + HD_HOTSPOT_QUOTE
                      + " — vị trí trên bản đồ là tự vẽ (minh họa).",
            "risk": 3,
            "active_from": "2021-04-23", "active_to": "2021-06-23",  # SOURCED: seed 001
            "near": "centre", "radius_m": 350,
        }],
        "source": ("code/district/province: vietnam-division@2.4.0 (GSO export) xa-phuong/"
                   "293.json; hotspot: seed 001; centre, area, outline, hamlet names: DRAWN "
                   "(see data/README.md)"),
    },
    {
        # SOURCED: code 15178, area 15,02 km², population 5.991 (2018) —
        # https://diaocthongthai.com/xa-cam-tan-cam-thuy ; code also in a GSO list of
        # commune-level units found with the search tool.
        "code": "15178",
        "name": "Cẩm Tân",
        "district": "Huyện Cẩm Thủy",         # SOURCED: same page; seed 000
        "province": "Thanh Hóa",              # SOURCED: same page
        # DRAWN centre: no coordinate found.  Placed ~4.5 km ESE of the SOURCED Cẩm Thủy
        # district coordinate 20°12′20″N 105°27′22″E (vi.wikipedia.org "Cẩm Thủy").
        "centre": (20.1850, 105.4950),
        "centre_sourced": False,
        "area_km2": 15.02,                    # SOURCED (diaocthongthai.com, after 2019 merger)
        "area_sourced": True,
        "population": 5991,                   # SOURCED (2018, same page)
        # Hamlets: seed 000 names none.  "Phác Lê" SOURCED (NQ 786/NQ-UBTVQH14, 2019: thôn Phác
        # Lê moved from Cẩm Vân into Cẩm Tân — as quoted by diaocthongthai.com); the rest are
        # PLACEHOLDERS (drawn).
        "hamlets": [("Thôn Phác Lê", True), ("Thôn 1", False), ("Thôn 2", False),
                    ("Thôn 3", False), ("Thôn 4", False), ("Thôn 5", False),
                    ("Thôn 6", False), ("Thôn 7", False)],
        # SOURCED (seed 000): plan dated 04/12/2024; hamlet teams patrol "đến hết ngày
        # 08/12/2024"; voting "từ 6h".  NOTE: the seed also says "ngày 10/7/2022" — a leftover
        # from an older plan that contradicts the plan's own date; see data/README.md.
        "plan_start": "2024-12-04T07:00:00+07:00",
        "election_day": "2024-12-08",
        "count_end": "2024-12-08T23:59:00+07:00",
        "n_routes": 5,
        "hotspots": [{
            "name": "Khu vực chợ Cẩm Tân (đông người)",
            "reason": "Khu vực chợ, tập trung đông người trong những ngày trước và trong ngày "
                      "bầu cử trưởng thôn (minh họa, tự vẽ — không có trong kế hoạch).",
            "risk": 1,
            "active_from": "2024-12-04", "active_to": "2024-12-08",
            "near": "market", "radius_m": 200,
        }],
        "source": ("code, area, population: diaocthongthai.com/xa-cam-tan-cam-thuy; "
                   "thôn Phác Lê: NQ 786/NQ-UBTVQH14 (via same page); election dates: seed 000; "
                   "centre, outline, other hamlet names: DRAWN (see data/README.md)"),
    },
]

# Drawn assumption for communes without a population figure: people per km² of hamlet,
# in the range of sourced Hải Dương communes (Cổ Bì 894/km², An Thượng 1.092/km²).
HD_DENSITY = 1000
VOTER_SHARE = 0.7  # drawn: voters ≈ 70 % of residents

TARGET_PLAN = [
    # kind, name template, protection, (distance m from centre, bearing deg)
    ("peoples_committee", "Trụ sở UBND xã {c}", 3, (0, 0)),
    ("party_office", "Trụ sở Đảng ủy xã {c}", 3, (60, 90)),
    ("police", "Trụ sở Công an xã {c}", 3, (140, 200)),
    ("ballot_storage", "Kho lưu giữ tài liệu, hòm phiếu bầu cử (UBND xã {c})", 3, (45, 300)),
    ("candidate_list_posting", "Điểm niêm yết danh sách ứng cử viên (UBND xã {c})", 2, (35, 140)),
    ("health_station", "Trạm y tế xã {c}", 2, (320, 40)),
    ("school", "Trường Tiểu học {c}", 1, (450, 250)),
    ("market", "Chợ {c}", 2, (380, 130)),
    ("fuel_station", "Cửa hàng xăng dầu {c}", 1, (650, 330)),
]


# --------------------------------------------------------------------------------------
# Geometry helpers (all work in UTM metres, output in WGS 84).
# --------------------------------------------------------------------------------------
_to_utm = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
_to_wgs = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def utm(lon: float, lat: float) -> tuple[float, float]:
    return _to_utm.transform(lon, lat)


def to_wgs(geom):
    return shapely.transform(
        geom, lambda c: np.column_stack(_to_wgs.transform(c[:, 0], c[:, 1])))


def nfc(s):
    return unicodedata.normalize("NFC", s) if isinstance(s, str) else s


def outline(rng: random.Random, cx: float, cy: float, area_m2: float) -> Polygon:
    """A smooth irregular star-shaped polygon around (cx, cy) with exactly *area_m2*."""
    harmonics = [(k, rng.uniform(0.04, 0.12) / (k - 1) ** 0.5, rng.uniform(0, 2 * math.pi))
                 for k in range(2, 6)]
    stretch = rng.uniform(0.75, 0.95)       # mild elongation
    tilt = rng.uniform(0, math.pi)
    pts = []
    n = 96
    for i in range(n):
        t = 2 * math.pi * i / n
        r = 1.0 + sum(a * math.cos(k * t + ph) for k, a, ph in harmonics)
        x, y = r * math.cos(t), r * stretch * math.sin(t)
        pts.append((x * math.cos(tilt) - y * math.sin(tilt),
                    x * math.sin(tilt) + y * math.cos(tilt)))
    unit = Polygon(pts)
    s = math.sqrt(area_m2 / unit.area)
    poly = Polygon([(cx + s * x, cy + s * y) for x, y in pts])
    assert poly.is_valid and abs(poly.area - area_m2) / area_m2 < 1e-9
    return poly


def spread_points(rng: random.Random, poly: Polygon, n: int, iters: int = 25) -> list[Point]:
    """n well-spread points inside *poly*: random start, then Lloyd relaxation."""
    minx, miny, maxx, maxy = poly.bounds
    inner = poly.buffer(-150)
    pts: list[Point] = []
    while len(pts) < n:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if inner.contains(p):
            pts.append(p)
    for _ in range(iters):
        cells = voronoi_cells(poly, pts)
        pts = [c.centroid if inner.contains(c.centroid) else p
               for c, p in zip(cells, pts, strict=True)]
    return pts


def voronoi_cells(poly: Polygon, pts: list[Point]) -> list[Polygon]:
    """Voronoi cells of *pts* clipped to *poly*, in the order of *pts*."""
    env = poly.buffer(5000).envelope
    vd = voronoi_diagram(MultiPoint(pts), envelope=env)
    cells = []
    for p in pts:
        cell = next(g for g in vd.geoms if g.contains(p))
        cells.append(cell.intersection(poly))
    return cells


def offset(x: float, y: float, dist: float, bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    return x + dist * math.sin(b), y + dist * math.cos(b)


def inside_point(rng: random.Random, area, x: float, y: float, dmin: float, dmax: float,
                 margin: float = 25) -> Point:
    """A point dmin..dmax metres from (x, y), at least *margin* m inside *area*."""
    safe = area.buffer(-margin)
    for _ in range(500):
        p = Point(*offset(x, y, rng.uniform(dmin, dmax), rng.uniform(0, 360)))
        if safe.contains(p):
            return p
    raise RuntimeError("no room for a point")


def road(rng: random.Random, area, stops: list[Point]) -> LineString:
    """A LineString through *stops* with gentle bends, kept inside *area*."""
    safe = area.buffer(-20)
    coords = [(stops[0].x, stops[0].y)]
    for a, b in zip(stops, stops[1:], strict=False):
        seg = LineString([a, b])
        mid = seg.interpolate(0.5, normalized=True)
        dx, dy = b.x - a.x, b.y - a.y
        length = math.hypot(dx, dy) or 1.0
        bend = rng.uniform(-0.12, 0.12) * length
        m = Point(mid.x - dy / length * bend, mid.y + dx / length * bend)
        if safe.contains(LineString([a, m, b])):
            coords.append((m.x, m.y))
        coords.append((b.x, b.y))
    return LineString(coords)


def split_int(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [int(v) for v in raw]
    short = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[:short]:
        out[i] += 1
    return out


# --------------------------------------------------------------------------------------
# Build.
# --------------------------------------------------------------------------------------
def build() -> dict[str, list[dict]]:
    rng = random.Random(SEED)
    layers: dict[str, list[dict]] = {k: [] for k in (
        "communes", "hamlets", "sites", "targets", "hotspots", "routes", "checkpoints")}

    def add(kind: str, geom_utm, props: dict) -> None:
        layers[kind].append({"type": "Feature",
                             "properties": {k: nfc(v) for k, v in props.items()},
                             "geometry": to_wgs(geom_utm)})

    for f in FACTS:
        cc = f["code"]
        lat, lon = f["centre"]
        cx, cy = utm(lon, lat)
        poly = outline(rng, cx, cy, f["area_km2"] * 1e6)
        add("communes", poly, {
            "code": cc, "name": f["name"], "district": f["district"], "province": f["province"],
            "admin_set": "2021-2025", "area_km2": f["area_km2"], "population": f["population"],
            "source": f["source"]})

        # Hamlets: Voronoi cells of drawn, well-spread centres, clipped to the outline.
        # Order them by bearing from the commune centre so codes run clockwise.
        n = len(f["hamlets"])
        pts = spread_points(rng, poly, n)
        pts.sort(key=lambda p: math.atan2(p.x - cx, p.y - cy) % (2 * math.pi))
        cells = voronoi_cells(poly, pts)
        pops = (split_int(f["population"], [rng.uniform(0.7, 1.3) for _ in range(n)])
                if f["population"] else [round(c.area / 1e6 * HD_DENSITY) for c in cells])
        sites = []
        for i, ((hname, _sourced), cell, p, pop) in enumerate(
                zip(f["hamlets"], cells, pts, pops, strict=True), start=1):
            assert cell.geom_type == "Polygon" and cell.is_valid, (cc, i, cell.geom_type)
            hc = f"{cc}-H{i:02d}"
            add("hamlets", cell, {"code": hc, "name": hname, "commune_code": cc})
            site = inside_point(rng, cell, p.x, p.y, 40, 160, margin=60)
            sites.append((hc, hname, site, cell))
            label = "thôn " + hname[len("Thôn "):] if hname.startswith("Thôn ") else hname
            add("sites", site, {"code": f"{cc}-S{i:02d}", "name": f"Nhà văn hóa {label}",
                                "hamlet_code": hc, "commune_code": cc,
                                "voters": int(round(pop * VOTER_SHARE))})

        # Key targets near the commune centre, then one voter-list posting per cultural house.
        tno = 0
        where = {}
        centre = Point(cx, cy)
        for kind, tmpl, prot, (dist, bearing) in TARGET_PLAN:
            tno += 1
            x, y = offset(cx, cy, dist, bearing)
            p = Point(x, y)
            if not poly.buffer(-40).contains(p):
                p = inside_point(rng, poly, cx, cy, 50, dist or 60, margin=40)
            where[kind] = p
            add("targets", p, {"code": f"{cc}-T{tno:02d}", "name": tmpl.format(c=f["name"]),
                               "kind": kind, "commune_code": cc, "protection": prot})
        for _hc, hname, site, cell in sites:
            tno += 1
            label = "thôn " + hname[len("Thôn "):] if hname.startswith("Thôn ") else hname
            p = inside_point(rng, cell, site.x, site.y, 12, 25, margin=30)
            add("targets", p, {"code": f"{cc}-T{tno:02d}",
                               "name": f"Điểm niêm yết danh sách cử tri – Nhà văn hóa {label}",
                               "kind": "voter_list_posting", "commune_code": cc,
                               "protection": 2})

        # Hotspots (drawn shapes): a small irregular polygon near the named place.
        for k, h in enumerate(f["hotspots"], start=1):
            anchor = centre if h["near"] == "centre" else where[h["near"]]
            hx, hy = offset(anchor.x, anchor.y, h["radius_m"] * 0.6, rng.uniform(0, 360))
            shape = outline(rng, hx, hy, math.pi * h["radius_m"] ** 2).intersection(
                poly.buffer(-30))
            assert shape.geom_type == "Polygon" and shape.is_valid
            add("hotspots", shape, {
                "code": f"{cc}-HS{k}", "name": h["name"], "reason": h["reason"],
                "risk": h["risk"], "active_from": h["active_from"],
                "active_to": h["active_to"], "commune_code": cc})

        # Patrol routes: the police post, then the cultural houses of one sector of hamlets
        # (clockwise), like a team's beat along village roads; the last route links all
        # cultural houses round the commune (the "trục xã").
        police = where["police"]
        nr = f["n_routes"]
        bounds = [round(g * len(sites) / (nr - 1)) for g in range(nr)]
        groups = [list(range(a, b)) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
        beats = [[police] + [sites[i][2] for i in g] for g in groups]
        beats.append([sites[i][2] for i in range(len(sites))] + [sites[0][2]])
        for r, stops in enumerate(beats, start=1):
            rc = f"{cc}-R{r}"
            line = road(rng, poly, stops)
            if r < len(beats):
                names = ", ".join(sites[i][1] for i in groups[r - 1])
                rname = f"Tuyến {r}: Công an xã – {names}"
            else:
                rname = f"Tuyến {r}: vòng liên thôn qua các nhà văn hóa"
            add("routes", line, {
                "code": rc, "name": rname, "team_code": f"{cc}-TEAM{r}",
                "team_name": f"Tổ tuần tra số {r}", "team_size": rng.choice([3, 4, 4, 5]),
                "starts_at": f["plan_start"], "ends_at": f["count_end"],
                "commune_code": cc})
            # Checkpoints: evenly along the line, roughly every 700 m (3..6 per route).
            k = max(3, min(6, round(line.length / 700)))
            for s in range(1, k + 1):
                p = line.interpolate((s - 0.5) / k, normalized=True)
                add("checkpoints", p, {
                    "code": f"{rc}-C{s}", "name": f"Điểm kiểm tra {s} – tuyến {r}",
                    "route_code": rc, "seq": s, "interval_min": 30 if r == 1 else 60})
    return layers


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def write(layers: dict[str, list[dict]]) -> None:
    for kind, feats in layers.items():
        out = []
        for ft in feats:
            g = shapely.set_precision(ft["geometry"], 1e-6) if ft["geometry"].geom_type in (
                "Polygon",) else ft["geometry"]
            out.append({"type": "Feature", "properties": ft["properties"],
                        "geometry": _round(mapping(g))})
        fc = {"type": "FeatureCollection", "name": kind, "features": out}
        text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
        text = text.replace('{"type":"Feature",', '\n{"type":"Feature",')
        (OUT / f"{kind}.geojson").write_text(unicodedata.normalize("NFC", text) + "\n",
                                            encoding="utf-8")
        print(f"{kind:<12} {len(out):>4} features -> data/{kind}.geojson")


if __name__ == "__main__":
    write(build())
