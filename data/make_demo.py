"""Build the bundled demo layers (data/*.geojson) for three communes.

Run from the repository root:

    .venv/bin/python data/make_demo.py

Deterministic: a fixed random seed, fixed facts, coordinates rounded to 6 decimals.

WHAT IS REAL AND WHAT IS DRAWN
------------------------------
Only the facts in FACTS below that carry a ``# SOURCED`` comment come from a
source (see data/README.md for the full provenance table).  Each commune's
position and size are figures measured from GADM 4.1 level 3 (``gadm``: centroid,
bounding box, area, GID_3).  They are used as FACTS ONLY: GADM's licence does not
allow redistributing its shapes, so no GADM vertex is used.  Every outline is
DRAWN by this script to fit those figures (a smooth irregular polygon fitted to
the bounding box, with the area and centroid given).  Every hamlet shape, site,
target, hotspot location, patrol route and checkpoint is DRAWN as well.  Real
deployments import official boundaries (GADM / HDX COD-AB) with ``antt import``.
"""

from __future__ import annotations

import json
import math
import random
import unicodedata
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping
from shapely.ops import voronoi_diagram

SEED = 20210523
OUT = Path(__file__).resolve().parent
CORE_SHARE = 0.4  # drawn sites stand this share of the equivalent radius inside the edge
UTM = "EPSG:3405"  # VN-2000 / UTM 48N: all three communes lie west of 108° E

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


def hai_duong_2021(hotspot: str) -> dict:
    """What seed 001 sets for both Hải Dương communes: the plan's days and the hotspot it
    names (its place on the map is drawn)."""
    return {
        "plan_start": "2021-04-23T07:00:00+07:00",  # SOURCED: seed 001 peak period 23/4/2021
        "election_day": "2021-05-23",               # SOURCED: seed 001 "Ngày bầu cử (23/5/2021)"
        "count_end": "2021-05-23T23:00:00+07:00",   # DRAWN: end of count not given
        "n_routes": 4,
        "checkpoints": (3, 6),  # DRAWN: per sector route, on the loop route
        "hotspots": [{
            "name": f"Điểm tiềm ẩn phức tạp {hotspot}",
            "reason": "Điểm đang tiềm ẩn diễn biến phức tạp (mâu thuẫn, tranh chấp, khiếu kiện) "
                      "nêu trong công văn UBND tỉnh Hải Dương 5/2021: " + HD_HOTSPOT_QUOTE
                      + " — vị trí trên bản đồ là tự vẽ (minh họa).",
            "risk": 3,
            "active_from": "2021-04-23", "active_to": "2021-06-23",  # SOURCED: seed 001
            "near": "centre", "radius_m": 350,
        }],
    }


FACTS = [
    {
        # SOURCED: GSO code 10732, "Xã An Phụ", district code 292 (Kinh Môn) — public GSO
        # administrative-code SQL list found with the search tool (index file id 32055650596).
        "code": "10732",
        "name": "An Phụ",
        "district": "Thị xã Kinh Môn",        # SOURCED: geo-facts.md; seed 001 ("An Phụ- Kinh Môn")
        "province": "Hải Dương",              # SOURCED: geo-facts.md; seed 001
        # SOURCED position and size: measured from GADM 4.1 level 3, GID_3 VNM.22.7.1_1
        # (facts only; the outline is drawn, see gadm_outline).
        "gadm": {"gid_3": "VNM.22.7.1_1", "centroid": (106.51684, 20.98775),
                 "bbox": (106.4965, 20.9726, 106.5373, 21.0032), "area_km2": 8.08},
        "area_km2": 8.08,                     # SOURCED: GADM 4.1 (measured), as above
        "population": None,                   # not found
        # Hamlets: "Huề Trì" SOURCED (tailieuthamkhao.com "Quản lý di tích lịch sử văn hóa
        # đình Huề Trì xã An Phụ huyện Kinh Môn"; dulichhaiduong.vn "Thắng cảnh An Phụ":
        # "Đình Huề Trì (phía tây nam núi An Phụ)").  The others are PLACEHOLDERS (drawn).
        "hamlets": [("Thôn Huề Trì", True), ("Thôn 1", False), ("Thôn 2", False),
                    ("Thôn 3", False), ("Thôn 4", False)],
        **hai_duong_2021("An Phụ (Kinh Môn)"),
        "source": ("code: GSO admin-code list (10732); district/province: geo-facts.md & "
                   "seed 001; hamlet Huề Trì: tailieuthamkhao.com / dulichhaiduong.vn; "
                   "centroid, bounding box, area: GADM 4.1 VNM.22.7.1_1 (figures only); "
                   "outline: DRAWN to fit them (see data/README.md)"),
    },
    {
        # SOURCED: GSO code 10762 — vietnam-division@2.4.0 dist/xa-phuong/293.json
        # ("Xã Cổ Dũng, Huyện Kim Thành, Tỉnh Hải Dương", "export từ nguồn Tổng Cục Thống Kê"),
        # https://app.unpkg.com/vietnam-division@2.4.0/files/dist/xa-phuong/293.json
        "code": "10762",
        "name": "Cổ Dũng",
        "district": "Huyện Kim Thành",        # SOURCED: same file; seed 001
        "province": "Hải Dương",              # SOURCED: same file
        # SOURCED position and size: measured from GADM 4.1 level 3, GID_3 VNM.22.6.3_1
        # (facts only; the outline is drawn, see gadm_outline).
        "gadm": {"gid_3": "VNM.22.6.3_1", "centroid": (106.43214, 20.97015),
                 "bbox": (106.4210, 20.9570, 106.4426, 20.9837), "area_km2": 3.92},
        "area_km2": 3.92,                     # SOURCED: GADM 4.1 (measured), as above
        "population": None,                   # not found
        # No hamlet names found: all PLACEHOLDERS (drawn).
        "hamlets": [("Thôn 1", False), ("Thôn 2", False), ("Thôn 3", False),
                    ("Thôn 4", False), ("Thôn 5", False), ("Thôn 6", False)],
        **hai_duong_2021("Cổ Dũng (Kim Thành)"),
        "source": ("code/district/province: vietnam-division@2.4.0 (GSO export) xa-phuong/"
                   "293.json; hotspot: seed 001; centroid, bounding box, area: GADM 4.1 "
                   "VNM.22.6.3_1 (figures only); outline, hamlet names: DRAWN "
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
        # SOURCED position: GADM 4.1 level 3, GID_3 VNM.57.3.13_1 — Cẩm Tân BEFORE the 2019
        # merger with Phúc Do (VNM.57.3.20_1, "beside it"; its exact position is not known
        # here), 7.02 km².  The demo's Cẩm Tân is the merged commune (15.02 km², below), so
        # the drawn outline fills the old commune's bounding box at 15.02 km² and contains the
        # old centroid; its own centroid is wherever the drawing puts it (see data/README.md).
        "gadm": {"gid_3": "VNM.57.3.13_1", "centroid": (105.53889, 20.12175),
                 "bbox": (105.5149, 20.1080, 105.5649, 20.1440), "area_km2": 7.02,
                 "merged": True},
        "area_km2": 15.02,                    # SOURCED (diaocthongthai.com, after 2019 merger)
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
        "checkpoints": (4, 6),  # DRAWN: per sector route, on the loop route
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
                   "position: GADM 4.1 VNM.57.3.13_1 (pre-2019 Cẩm Tân, figures only); "
                   "outline incl. the merged Phúc Do, other hamlet names: DRAWN "
                   "(see data/README.md)"),
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


def _radial(harmonics, amp: float, n: int = 144) -> list[tuple[float, float]]:
    """Unit-circle vertices pushed out and in by *amp* × the harmonics (radius > 0)."""
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        r = 1.0 + amp * sum(a * math.cos(k * t + ph) for k, a, ph in harmonics)
        pts.append((r * math.cos(t), r * math.sin(t)))
    return pts


def _fit_bbox(pts, bbox, inset: float) -> Polygon:
    """*pts* stretched onto the lon/lat box *bbox* (shrunk by *inset* on every side),
    then projected to UTM metres."""
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    lon0, lat0, lon1, lat1 = bbox
    dlon, dlat = (lon1 - lon0) * inset, (lat1 - lat0) * inset
    lon0, lon1, lat0, lat1 = lon0 + dlon, lon1 - dlon, lat0 + dlat, lat1 - dlat
    return Polygon([utm(lon0 + (x - x0) / (x1 - x0) * (lon1 - lon0),
                        lat0 + (y - y0) / (y1 - y0) * (lat1 - lat0)) for x, y in pts])


def gadm_outline(rng: random.Random, gadm: dict, area_m2: float) -> Polygon:
    """A drawn outline that fits the GADM 4.1 figures: a smooth irregular polygon (harmonics
    2–6 of random amplitude and phase on a circle, 144 vertices) stretched onto the real
    bounding box, lobed just enough that its area is *area_m2*, then scaled to that area
    exactly.  No GADM vertex is used: only the centroid, bounding box and area.

    A commune (An Phụ, Cổ Dũng) is then moved so that its centroid is the GADM centroid;
    draws are tried in turn until one needs a move of at most 80 m, so the outline stays
    inside the box or within 80 m of it.  The merged Cẩm Tân is not moved (its
    GADM centroid is that of the old, smaller commune): the first draw whose outline holds
    the old centroid at least 400 m inside is kept."""
    lon_c, lat_c = gadm["centroid"]
    target = Point(*utm(lon_c, lat_c))
    inset = 0.015
    for _attempt in range(500):
        harmonics = [(k, rng.uniform(0.5, 1.0) / k ** 0.7, rng.uniform(0, 2 * math.pi))
                     for k in range(2, 7)]

        def area(amp, harmonics=harmonics):
            return _fit_bbox(_radial(harmonics, amp), gadm["bbox"], inset).area

        # The largest amplitude keeps every radius at 35 % of the mean or more.
        dip = -min(sum(a * math.cos(k * 2 * math.pi * i / 144 + ph) for k, a, ph in harmonics)
                   for i in range(144))
        lo, hi = 0.0, min(1.0, 0.65 / dip)
        if not area(hi) < area_m2 < area(lo):
            continue
        for _ in range(60):  # bisection: more lobing, less area
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if area(mid) > area_m2 else (lo, mid)
        poly = _fit_bbox(_radial(harmonics, (lo + hi) / 2), gadm["bbox"], inset)
        c = poly.centroid
        s = math.sqrt(area_m2 / poly.area)
        poly = shapely.affinity.scale(poly, s, s, origin=c)
        if gadm.get("merged"):
            if not poly.buffer(-400).contains(target):
                continue
        else:
            if c.distance(target) > 80:
                continue
            poly = shapely.affinity.translate(poly, target.x - c.x, target.y - c.y)
        assert poly.is_valid and abs(poly.area - area_m2) / area_m2 < 1e-9
        return poly
    raise RuntimeError(f"no outline fits {gadm['gid_3']}")


def core(poly: Polygon) -> Polygon:
    """The part of a drawn commune where a drawn polling site may stand: at least
    CORE_SHARE of its equivalent radius inside the drawn outline. The outline fits the
    real commune's box, centroid and area but not its shape, so its edges may lie in a
    neighbour (a drawn An Phụ site once stood 182 m outside the real commune); a site this
    deep inside is clear of them."""
    return poly.buffer(-CORE_SHARE * math.sqrt(poly.area / math.pi))


def spread_points(rng: random.Random, poly: Polygon, n: int, iters: int = 25) -> list[Point]:
    """n well-spread points in the core of *poly*: random start, then Lloyd relaxation."""
    minx, miny, maxx, maxy = poly.bounds
    inner = core(poly)
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


def detour(safe, a: Point, b: Point) -> list[tuple[float, float]]:
    """The shortest way from *a* to *b* inside *safe* through the corners of a slightly
    smaller, simplified copy of it (a visibility graph): the points between a and b."""
    ring = safe.buffer(-5).simplify(10)
    corners = [Point(c) for c in ring.exterior.coords[:-1]]
    nodes = [a, b] + corners
    best = {0: (0.0, None)}
    todo = {0}
    done: set[int] = set()
    while todo:  # Dijkstra over the few dozen corners
        i = min(todo, key=lambda j: best[j][0])
        todo.discard(i)
        done.add(i)
        if i == 1:
            break
        for j, q in enumerate(nodes):
            if j in done or not safe.contains(LineString([nodes[i], q])):
                continue
            d = best[i][0] + nodes[i].distance(q)
            if j not in best or d < best[j][0]:
                best[j] = (d, i)
                todo.add(j)
    if 1 not in best:
        raise RuntimeError("no way inside the commune")
    path, i = [], best[1][1]
    while i:
        path.append((nodes[i].x, nodes[i].y))
        i = best[i][1]
    return path[::-1]


def road(rng: random.Random, area, stops: list[Point]) -> LineString:
    """A LineString through *stops* with gentle bends, kept inside *area* (at least 20 m
    from its edge): where the straight way would leave it, the road goes round."""
    safe = area.buffer(-20)
    coords = [(stops[0].x, stops[0].y)]
    for a, b in zip(stops, stops[1:], strict=False):
        seg = LineString([a, b])
        if not safe.contains(seg):
            coords += detour(safe, a, b) + [(b.x, b.y)]
            continue
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
        # The drawn outline fits the GADM 4.1 figures; the commune's centre (where the
        # UBND and the other key targets are drawn) is the GADM centroid, which for Cẩm Tân
        # is the centroid of the commune before the 2019 merger.
        cx, cy = utm(*f["gadm"]["centroid"])
        poly = gadm_outline(rng, f["gadm"], f["area_km2"] * 1e6)
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
            site = inside_point(rng, cell.intersection(core(poly)), p.x, p.y, 40, 160,
                                margin=60)
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
            # Checkpoints: evenly along the line, a drawn number per route (so the codes
            # stay fixed whatever the line's length).
            k = f["checkpoints"][r == len(beats)]
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
