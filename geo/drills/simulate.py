"""Election-day drills: synthetic incident histories that follow the real lifecycle.

``bulk_history`` builds rows and events exactly as the commands would write
them, for ``Store.bulk_load`` — the bulk path for benchmarks; ``incident_chunks``
makes the same a piece at a time, for ``Store.bulk_load_chunks`` — the province and
national drills, which never hold the whole day's events in Python.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.analysis.dispatch import FREE
from geo.clock import local_hour_utc, to_local, utcnow
from geo.errors import AnttError
from geo.i18n import message
from geo.incidents import KINDS, LIFECYCLE, SOURCES, STAMPS
from geo.layer_schemas import SCHEMAS
from geo.sites import SITE_LIFECYCLE
from geo.store import ENTITIES, EVENT_COLUMNS, Store
from geo.store.schema import event_row
from geo.units import UNIT_LIFECYCLE

__all__ = ["bulk_history", "incident_chunks", "simulate", "drill_clock", "setup_time", "SCALES",
           "DRILL_DAY", "CHUNK"]

# The actions of an incident's happy path after its report; statuses and the columns they
# stamp come from the lifecycle (``LIFECYCLE.next``, ``STAMPS``), never restated here.
_HAPPY = ("verify", "dispatch", "arrive", "resolve", "close")
# A polling site's day: each action after registration at a local hour.
_SITE_DAY = (("open", 7.0), ("close", 19.0), ("start_count", 19.3), ("finish", 21.5))
# Sites or incidents per chunk of a bulk drill: some 50,000 events, ~60 MB of rows.
CHUNK = 10_000


def bulk_history(n: int, *, start: datetime, hours: float, places: pd.DataFrame,
                 teams: Sequence[str], first_event_id: int, first_incident_id: int = 1,
                 seed: int = 0, actor: str = "drill", settle: bool = False
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """*n* incidents over *hours* from *start* (naive UTC) and their events.

    *places* has columns ``lon, lat, hamlet_code, commune_code``; each incident
    happens at a random place (jittered ~200 m). Each incident walks the
    lifecycle as far as a random stopping point (some end as false alarm), with
    realistic delays. Returns ``(incidents, events)`` ready for ``bulk_load``.
    With *settle*, no incident is left dispatched or on scene: the bulk path writes
    no team events, so no team may still be holding one. The same incidents as
    :func:`incident_chunks` gives a piece at a time.
    """
    pieces = list(incident_chunks(n, start=start, hours=hours, places=places, teams=teams,
                                  first_incident_id=first_incident_id, seed=seed,
                                  actor=actor, settle=settle, chunk=max(1, n)))
    inc = pd.concat([p[0] for p in pieces], ignore_index=True) if pieces else \
        pd.DataFrame(columns=ENTITIES["incident"]["columns"])
    ev = pd.concat([p[1] for p in pieces], ignore_index=True) if pieces else \
        pd.DataFrame(columns=["seq", *EVENT_COLUMNS[1:]])
    # The log is in time order; ids follow it.
    ev = ev.sort_values(["occurred_at", "seq"], kind="stable").reset_index(drop=True)
    ev = ev.rename(columns={"seq": "id"})[list(EVENT_COLUMNS)]
    ev["id"] = np.arange(first_event_id, first_event_id + len(ev))
    return inc, ev


def incident_chunks(n: int, *, start: datetime, hours: float, places: pd.DataFrame,
                    teams: Sequence[str], first_incident_id: int = 1, seed: int = 0,
                    actor: str = "drill", settle: bool = False, chunk: int = 10_000,
                    first_seq: int = 0) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`bulk_history`'s incidents, *chunk* at a time: ``(incidents, events)`` for
    ``Store.bulk_load_chunks``, the events in the order they were made, each with its
    ``seq`` (from *first_seq*) in place of an id. Every random draw is made for all *n*
    first (arrays, not rows), so the incidents are the same whatever *chunk* is."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(places), n)
    pl = places.iloc[pick].reset_index(drop=True)
    hamlet, commune = pl["hamlet_code"].tolist(), pl["commune_code"].tolist()
    t0 = rng.uniform(0, hours * 3600, n)
    # Delays in seconds between steps: verify, dispatch, arrive, resolve, close.
    delays = np.column_stack([rng.gamma(2, 30, n), rng.gamma(2, 40, n), rng.gamma(3, 150, n),
                              rng.gamma(3, 600, n), rng.gamma(2, 900, n)])
    steps = np.cumsum(np.column_stack([t0, delays]), axis=1)
    p_last = [.04, .04, 0, 0, .2, .72] if settle else [.02, .03, .03, .04, .18, .70]
    last_step = rng.choice([0, 1, 2, 3, 4, 5], n, p=p_last)
    false_alarm = (rng.random(n) < 0.06) & (last_step <= 1)
    kinds = rng.choice(KINDS, n)
    sev = rng.choice([1, 2, 3, 4], n, p=[.4, .35, .18, .07])
    src = rng.choice(SOURCES, n, p=[.55, .2, .15, .1])
    team = rng.choice(list(teams), n)
    lon = pl["lon"].to_numpy() + rng.normal(0, 0.002, n)
    lat = pl["lat"].to_numpy() + rng.normal(0, 0.002, n)
    del pl

    seq = first_seq
    for lo in range(0, n, max(1, chunk)):
        rows, events = [], []
        for i in range(lo, min(n, lo + max(1, chunk))):
            iid = first_incident_id + i
            row = {c: None for c in ENTITIES["incident"]["columns"]}
            row.update(id=iid, kind=str(kinds[i]), severity=int(sev[i]), lon=float(lon[i]),
                       lat=float(lat[i]), commune_code=commune[i],
                       hamlet_code=hamlet[i], description="", source=str(src[i]),
                       created_by=actor, version=0)
            prev = None
            n_steps = int(last_step[i]) + 1
            actions = ["report", *_HAPPY[:n_steps - 1]] + \
                (["false_alarm"] if false_alarm[i] else [])
            for k, action in enumerate(actions):
                at = start + timedelta(seconds=float(steps[i, min(k, 5)]) + k * 1e-3)
                status = LIFECYCLE.initial if action == "report" else \
                    LIFECYCLE.next(row["status"], action, iid)
                row = dict(row)
                row.update(status=status, version=row["version"] + 1, updated_at=at,
                           updated_by=actor)
                row[STAMPS.get(status, "reported_at")] = at
                if action == "dispatch":
                    row["team_code"] = str(team[i])
                events.append(event_row(seq, at, actor, "incident", iid, action,
                                        row["version"], prev, row))
                seq += 1
                prev = row
            rows.append(prev)
        yield (pd.DataFrame(rows, columns=ENTITIES["incident"]["columns"]),
               pd.DataFrame(events, columns=["seq", *EVENT_COLUMNS[1:]]))


# ---- the drill ---------------------------------------------------------------------------
DRILL_DAY = date(2021, 5, 23)  # the 2021 National Assembly / People's Council election
# Relative incident rate by local hour: opening rush, midday, closing and counting.
_HOURLY = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 2.5, 1.6, 1.3, 1.2, 1.0, 1.0,
                    1.1, 1.2, 1.4, 1.8, 2.2, 2.6, 2.0, 1.4, 0.8, 0.4])


class _Progress:
    def __init__(self, total: int, enabled: bool, label: str) -> None:
        self.total, self.enabled, self.label, self.done, self._shown = total, enabled, label, 0, -1

    def step(self, n: int = 1) -> None:
        self.done += n
        pct = int(100 * self.done / max(1, self.total))
        if self.enabled and pct != self._shown and pct % 2 == 0:
            self._shown = pct
            bar = "#" * (pct // 4)
            print(f"\r{self.label} [{bar:<25}] {pct:3d}%", end="", file=sys.stderr, flush=True)
            if pct >= 100:
                print(file=sys.stderr)


def setup_time(day: date) -> datetime:
    """When a drill registers its sites and teams: 04:00 local on the drill day (UTC)."""
    return local_hour_utc(day, 4)


def _check_fresh(store: Store, day: date, clock: timedelta = timedelta(0)) -> None:
    last = store.last_event()[1]
    if last is not None and last >= setup_time(day) + clock + timedelta(minutes=1):
        raise AnttError(
            f"this database already has events up to {last} UTC, after the drill for {day} "
            "would start. Events are kept in time order, so run the drill on a fresh "
            "database: antt --db var/drill.duckdb simulate --scale ...",
            key="err.drill_not_fresh", at=last, day=f"{day:%d/%m/%Y}")


# When the demo's drill shows a day in progress on the real clock; outside these hours its
# clock is moved so that now is DRILL_NOW of election day (a first look at any hour shows
# the wall as the README pictures it).
LIVE_HOURS = (7.5, 18.5)
DRILL_NOW = 10.5


def drill_clock(now: datetime | None = None, *, real: bool = False
                ) -> tuple[date, timedelta, datetime]:
    """The demo's drill day, how far its clock is moved, and *now* (naive UTC).

    From 07:30 to 18:30 local (or with *real*) the drill is today's on the real clock
    (yesterday's before its 04:00 set-up); otherwise it is today's with its 10:30 at
    *now*: what happened before now is played, the rest comes as the day goes on.
    """
    now = now or utcnow()
    local = to_local(now)
    h = local.hour + local.minute / 60
    if real or LIVE_HOURS[0] <= h <= LIVE_HOURS[1]:
        return to_local(now - timedelta(hours=4, minutes=1)).date(), timedelta(0), now
    return local.date(), now - local_hour_utc(local.date(), DRILL_NOW), now


def simulate(store: Store, *, scale: str = "commune", seed: int = 1, day: date = DRILL_DAY,
             until: datetime | None = None, progress: bool = True,
             clock: timedelta = timedelta(0), incidents_per_commune: float = 9,
             chunk: int = CHUNK, lang: str = "vi") -> str:
    """Play an election-day drill into *store*; return a one-paragraph summary in *lang*.

    With *until* (naive UTC), stop there: the demo plays today's drill up to now, so
    the wall screen shows a day in progress and live writes carry on after it. *clock*
    (the commune drill): every time moved by it (:func:`drill_clock`);
    *incidents_per_commune*: the day's mean number of incidents in each commune.
    *chunk* (province and national): sites and incidents made and written this many at a
    time, which bounds the memory; the drill is the same whatever it is.
    """
    if scale == "commune":
        key, numbers = _simulate_commune(store, seed, day, progress, until, clock,
                                         incidents_per_commune)
    elif scale in SCALES:
        key, numbers = _simulate_bulk(store, scale, seed, day, progress, chunk)
    else:
        raise ValueError(f"unknown scale {scale!r}: commune, province or national")
    return message(key, lang, day=f"{day:%d/%m/%Y}", seed=seed,
                   scale=message(f"drill.scale.{scale}", lang), **numbers)


def _random_point_in(geom, rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(shapely.Point(x, y)):
            return float(x), float(y)
    c = geom.representative_point()
    return float(c.x), float(c.y)


def _simulate_commune(store: Store, seed: int, day: date, progress: bool,
                      until: datetime | None = None, clock: timedelta = timedelta(0),
                      incidents_per_commune: float = 9) -> tuple[str, dict]:
    """Every change goes through the normal commands, in time order, so every rule holds.
    *clock*: how far the drill's clock is from the real one (every time is moved by it)."""
    from geo import incidents as inc
    from geo import sites as site_cmd
    from geo import units as unit_cmd
    from geo.analysis.places import load_layer
    from geo.analysis.spatial import nearest_teams, points

    def on_clock(h: float) -> datetime:
        """*h* o'clock of the drill day on the drill's clock (naive UTC)."""
        return local_hour_utc(day, h) + clock

    rng = np.random.default_rng(seed)
    _check_fresh(store, day, clock)
    if store.layer_summary().empty:
        from geo.drills.demo_layers import load_demo
        load_demo(store, actor="diễn tập", at=setup_time(day) + clock, day=day, clock=clock)
    sites = store.frame("site")
    teams = store.frame("unit")
    hamlets = load_layer(store, "hamlets")
    hotspots = load_layer(store, "hotspots")
    routes = load_layer(store, "routes").set_index("code")
    checkpoints = load_layer(store, "checkpoints")
    if sites.empty or teams.empty or hamlets.empty:
        raise AnttError("the commune drill needs the demo layers: run `antt init --demo`",
                        key="err.drill_needs_demo")

    queue: list[tuple[datetime, int, Callable[[datetime], None]]] = []
    seq = iter(range(10**9))

    def at(t: datetime, fn: Callable[[datetime], None]) -> None:
        heapq.heappush(queue, (t, next(seq), fn))

    actor_ops, actor_field = "Trực ban (diễn tập)", "Tổ ANTT thôn (diễn tập)"

    # Polling sites: open 07:00, close 19:00, count, done; a few suspended briefly.
    def site_move(code: str, action: str, **kw):
        def fn(t: datetime) -> None:
            cur = store.get("site", code)
            try:
                site_cmd.move(store, code, action, expected_version=cur["version"],
                              actor=actor_field, at=t, **kw)
            except AnttError:
                pass  # e.g. resuming a site that a later rule already closed
        return fn

    for code, voters in zip(sites["code"], sites["voters"].fillna(500), strict=True):
        at(on_clock(7 + rng.uniform(-0.05, 0.05)), site_move(code, "open"))
        at(on_clock(19 + rng.uniform(0, 0.1)), site_move(code, "close",
                                                           voted=int(voters * rng.uniform(.95, 1))))
        at(on_clock(19.25 + rng.uniform(0, 0.2)), site_move(code, "start_count"))
        at(on_clock(21 + rng.uniform(0, 2)), site_move(code, "finish"))

    # Teams: patrol from their route's start (or 06:00), positions every 30 min,
    # checkpoint check-ins at the planned interval (some late, some missed).
    def team_action(code: str, action: str):
        def fn(t: datetime) -> None:
            cur = store.get("unit", code)
            if action in UNIT_LIFECYCLE.allowed(cur["status"]):
                unit_cmd.set_status(store, code, action, expected_version=cur["version"],
                                    actor=actor_ops, at=t)
        return fn

    def position(code: str, line, frac: float):
        def fn(t: datetime) -> None:
            p = line.interpolate(frac, normalized=True)
            unit_cmd.report_position(store, code, p.x, p.y, actor=code, at=t)
        return fn

    def checkin(code: str, cp_code: str, x: float, y: float):
        def fn(t: datetime) -> None:
            unit_cmd.check_in(store, code, cp_code, x, y, actor=code, at=t)
        return fn

    for _, team in teams.iterrows():
        route = routes.loc[team["route_code"]] if team["route_code"] in routes.index else None
        at(on_clock(6 + rng.uniform(0, 0.5)), team_action(team["code"], "start_patrol"))
        at(on_clock(23.5), team_action(team["code"], "end_patrol"))
        if route is None:
            continue
        line = route.geometry
        for k, hour in enumerate(np.arange(6.5, 23.0, 0.5)):
            at(on_clock(hour + rng.uniform(0, 0.05)), position(team["code"], line,
                                                                (k % 10) / 10))
        cps = checkpoints[checkpoints["route_code"] == route.name]
        for _, cp in cps.iterrows():
            every = float(cp.get("interval_min") or 60) / 60
            for hour in np.arange(7.0 + 0.1 * float(cp.get("seq") or 1), 22.0, every):
                r = rng.random()
                if r < 0.05:
                    continue  # missed
                late = rng.uniform(0.2, 0.5) if r < 0.12 else rng.uniform(0, 0.08)
                at(on_clock(hour + late), checkin(team["code"], cp["code"],
                                                  cp.geometry.x, cp.geometry.y))

    # Incidents, weighted by hour and by hotspots.
    n_inc = int(rng.poisson(incidents_per_commune * hamlets["commune_code"].nunique()))
    # Not before the 04:00 set-up (the log is in time order): the night's share of
    # incidents comes after it.
    weights = np.where(np.arange(24) < 5, 0.0, _HOURLY)
    hours = rng.choice(24, n_inc, p=weights / weights.sum()) + rng.random(n_inc)
    spots = hotspots[hotspots.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]

    def dispatch_nearest(iid: int, tries: int = 0):
        def fn(t: datetime) -> None:
            cur = store.get("incident", iid)
            if cur["status"] != "verifying":
                return
            free = store.frame("unit")
            free = free[free["status"].isin(FREE) & free["lon"].notna()]
            if free.empty:
                if tries >= 6:
                    inc.escalate(store, iid, expected_version=cur["version"], actor=actor_ops,
                                 note="Không còn tổ trống", at=t)
                else:
                    at(t + timedelta(minutes=3), dispatch_nearest(iid, tries + 1))
                return
            near = nearest_teams(points([cur["lon"]], [cur["lat"]]),
                                 points(free["lon"], free["lat"]).set_index(free["code"]), k=1)
            team, dist = near.iloc[0]["team"], float(near.iloc[0]["distance_m"])
            inc.dispatch(store, iid, team, expected_version=cur["version"], actor=actor_ops,
                         at=t)
            travel = timedelta(seconds=60 + dist / (settings.get("travel_kmh") / 3.6)
                               * rng.uniform(1.0, 1.6))
            at(t + travel, step(iid, "arrive", team))
        return fn

    def step(iid: int, action: str, who: str = actor_ops):
        def fn(t: datetime) -> None:
            cur = store.get("incident", iid)
            if action not in inc.LIFECYCLE.allowed(cur["status"]):
                return
            inc.move(store, iid, action, expected_version=cur["version"], actor=who, at=t)
            follow = {"verify": None, "arrive": ("resolve", rng.gamma(3, 8)),
                      "resolve": ("close", rng.gamma(2, 10))}.get(action)
            if action == "verify":
                if rng.random() < 0.07:
                    at(t + timedelta(minutes=rng.uniform(2, 8)), step(iid, "false_alarm"))
                else:
                    at(t + timedelta(seconds=rng.gamma(2, 20)), dispatch_nearest(iid))
            elif follow:
                at(t + timedelta(minutes=float(follow[1])), step(iid, follow[0], who))
        return fn

    def report(hour: float):
        def fn(t: datetime) -> None:
            if len(spots) and rng.random() < 0.35:
                spot = spots.iloc[rng.integers(len(spots))]
                x, y = _random_point_in(spot.geometry, rng)
            else:
                h = hamlets.iloc[rng.integers(len(hamlets))]
                x, y = _random_point_in(h.geometry, rng)
            kind = str(rng.choice(inc.KINDS, p=_KIND_WEIGHTS))
            site = sites.iloc[int(np.argmin(np.hypot(sites["lon"] - x, sites["lat"] - y)))]
            near_site = np.hypot(site["lon"] - x, site["lat"] - y) < 0.004
            row = inc.report(store, kind=kind, severity=int(rng.choice([1, 2, 3, 4],
                                                                        p=[.35, .4, .18, .07])),
                             lon=x, lat=y, source=str(rng.choice(inc.SOURCES,
                                                                 p=[.6, .15, .15, .1])),
                             actor=actor_ops, description=_DESCRIPTIONS[kind],
                             site_code=site["code"] if near_site else None, at=t)
            at(t + timedelta(seconds=rng.gamma(2, 25)), step(row["id"], "verify"))
            if kind == "disorder" and near_site and rng.random() < 0.5:
                at(t + timedelta(minutes=2), site_move(site["code"], "suspend",
                                                       reason="Gây rối tại điểm bỏ phiếu",
                                                       incident_id=row["id"]))
                at(t + timedelta(minutes=rng.uniform(10, 25)), site_move(site["code"], "resume"))
        return fn

    for h in hours:
        at(on_clock(float(h)), report(float(h)))

    bar = _Progress(len(queue), progress, "simulate commune")
    store.checkpoint_after_write = False  # one checkpoint at the end (store.close)
    n_done = 0
    last_t = datetime.min
    while queue:
        t, _, fn = heapq.heappop(queue)
        if until is not None and t > until:
            break
        # Steps planned for the same instant (every team ending patrol at 23:30) go
        # 1 µs apart: the log keeps strictly increasing times.
        t = last_t = max(t, last_t + timedelta(microseconds=1))
        before = len(queue)
        fn(t)
        bar.total += len(queue) - before + (1 if len(queue) > before else 0)
        bar.step()
        n_done += 1
    store.checkpoint_after_write = True
    store.close()
    counts = store.counts()
    return "drill.summary_commune", {  # "commune drill on <day> (seed 1): 37 incidents, …"
        "incidents": sum(counts["incidents"].values()), "sites": len(sites),
        "teams": len(teams), "events": counts["events"]}


_KIND_WEIGHTS = np.array([.16, .14, .1, .1, .08, .08, .04, .12, .08, .05, .05])
_DESCRIPTIONS = {
    "disorder": "Gây mất trật tự trước nhà văn hóa thôn",
    "tampering": "Danh sách cử tri niêm yết bị xé một phần",
    "gathering": "Một nhóm người tụ tập, mang theo đơn khiếu nại",
    "complaint": "Cử tri khiếu nại về danh sách cử tri",
    "filming": "Có người quay phim trong khu vực bỏ phiếu",
    "misinformation": "Thông tin sai lệch về bầu cử lan truyền trên mạng xã hội",
    "fire": "Chập điện, khói tại khu vực gần điểm bỏ phiếu",
    "traffic": "Ùn tắc giao thông trên đường vào điểm bỏ phiếu",
    "medical": "Cử tri cao tuổi bị mệt, cần hỗ trợ y tế",
    "crime": "Mất trộm xe máy gần khu vực bỏ phiếu",
    "other": "Sự việc khác cần xác minh",
}

# ---- province and national scale: the bulk path ----------------------------------------------
SCALES = {  # sites, incidents, sites per commune
    "province": (3_000, 10_000, 15),
    "national": (85_000, 100_000, 14),
}
_PROVINCE_CENTRES = [  # rough land anchors for synthetic communes, (lon, lat)
    (105.85, 21.03), (106.33, 20.94), (105.78, 19.8), (105.7, 18.68), (107.6, 16.46),
    (108.2, 16.05), (108.99, 13.1), (108.0, 12.67), (106.7, 10.78), (105.78, 10.03),
    (106.1, 11.3), (105.2, 10.4), (104.9, 21.7), (106.6, 21.9), (107.1, 20.95),
]


# The province drill's communes lie around 106.33 E, 20.94 N: Hải Dương before July 2025,
# part of Hải Phòng since. They are named as Hải Phòng's 2025 units are (data/admin-2025).
DRILL_PROVINCE = "Hải Phòng"


def _province_names(n: int) -> tuple[list[str], str]:
    """*n* commune names of :data:`DRILL_PROVINCE`'s 2025 units, in the list's order ("Phường
    Thủy Nguyên", …, "Xã Kim Thành"), and the province as the list names it. The province
    has fewer units than the drill has communes: past the last, the names come round again
    numbered ("Phường Thủy Nguyên (2)"), so no two drill communes share a name."""
    from geo import admin2025

    province = admin2025.province_of(DRILL_PROVINCE)
    names = [u.name for u in admin2025.units() if u.province == province]
    return [names[k % len(names)] + (f" ({k // len(names) + 1})" if k >= len(names) else "")
            for k in range(n)], province


def _synthetic_places(n_sites: int, per_commune: int, rng: np.random.Generator
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic communes (5 km squares) on a grid around real provincial centres, each
    with *per_commune* sites. Returns (communes, sites)."""
    n_communes = -(-n_sites // per_commune)
    size = 0.045
    centres = _PROVINCE_CENTRES if n_communes > 300 else _PROVINCE_CENTRES[1:2]
    per_centre = -(-n_communes // len(centres))
    side = int(np.ceil(np.sqrt(per_centre)))
    rows = []
    for c, (lon0, lat0) in enumerate(centres):
        for k in range(per_centre):
            if len(rows) == n_communes:
                break
            i, j = divmod(k, side)
            x0 = lon0 + (j - side / 2) * size
            y0 = lat0 + (i - side / 2) * size
            rows.append({"code": f"SYN{c:02d}{k:04d}", "name": f"Xã mô phỏng {c:02d}-{k:04d}",
                         "province": None, "x0": x0, "y0": y0})
    communes = pd.DataFrame(rows)
    if len(centres) == 1:
        communes["name"], communes["province"] = _province_names(len(communes))
    cidx = np.repeat(np.arange(len(communes)), per_commune)[:n_sites]
    sx = communes["x0"].to_numpy()[cidx] + rng.uniform(0.003, size - 0.003, n_sites)
    sy = communes["y0"].to_numpy()[cidx] + rng.uniform(0.003, size - 0.003, n_sites)
    sites = pd.DataFrame({"code": [f"{communes.at[c, 'code']}-S{k:02d}" for k, c in
                                   zip(np.arange(n_sites) % per_commune, cidx, strict=True)],
                          "commune_code": communes["code"].to_numpy()[cidx], "lon": sx,
                          "lat": sy, "voters": rng.integers(300, 4000, n_sites)})
    sites["hamlet_code"] = sites["code"].str.replace("-S", "-H", regex=False)
    sites["name"] = "Điểm bỏ phiếu " + sites["code"]
    return communes, sites


def _simulate_bulk(store: Store, scale: str, seed: int, day: date, progress: bool,
                   chunk: int = CHUNK) -> tuple[str, dict]:
    """Rows and events made and written *chunk* sites, then *chunk* incidents, at a time
    in one transaction (``Store.bulk_load_chunks``): the same drill for any *chunk*."""
    from geo.analysis.places import to_features

    n_sites, n_inc, per_commune = SCALES[scale]
    rng = np.random.default_rng(seed)
    bar = _Progress(0, progress, f"simulate {scale}")
    _check_fresh(store, day)
    communes, sites = _synthetic_places(n_sites, per_commune, rng)
    size = 0.045
    comm_geo = gpd.GeoDataFrame(
        {"code": communes["code"], "name": communes["name"], "commune_code": communes["code"]},
        geometry=shapely.box(communes["x0"], communes["y0"], communes["x0"] + size,
                             communes["y0"] + size), crs="EPSG:4326")
    for col in SCHEMAS["communes"].optional:
        comm_geo[col] = None
    comm_geo["province"] = communes["province"].to_numpy()
    comm_geo["source"] = "synthetic (drill)"
    site_geo = gpd.GeoDataFrame(sites[["code", "name", "hamlet_code", "commune_code",
                                       "voters"]],
                                geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
                                crs="EPSG:4326")

    actor = "diễn tập"
    setup_at = setup_time(day) + timedelta(seconds=30)
    n_teams = max(1, n_sites // 6)
    team_site = rng.integers(0, n_sites, n_teams)
    teams = pd.DataFrame({"code": [f"TEAM{k:05d}" for k in range(n_teams)],
                          "name": [f"Tổ tuần tra {k}" for k in range(n_teams)],
                          "commune_code": sites["commune_code"].to_numpy()[team_site],
                          "size": rng.integers(3, 7, n_teams), "route_code": None,
                          "status": UNIT_LIFECYCLE.initial,
                          "lon": sites["lon"].to_numpy()[team_site],
                          "lat": sites["lat"].to_numpy()[team_site], "position_at": setup_at,
                          "incident_id": None, "last_checkpoint": None,
                          "last_checkin_at": None, "version": 1, "updated_at": setup_at,
                          "updated_by": actor})

    # Site rows and their events: registered, then the day's steps.
    steps = [("register", -1.0), *_SITE_DAY]
    jitter = rng.uniform(0, 0.15, (n_sites, len(steps)))
    scols = ENTITIES["site"]["columns"]
    ecols = ["seq", *EVENT_COLUMNS[1:]]
    chunk = max(1, chunk)
    # Each event's seq is its place in the order the drill makes them (sites, teams,
    # incidents): the store numbers the log by (time, seq).
    n_site_ev, n_team_ev = n_sites * len(steps), n_teams

    def site_chunks() -> Iterator[tuple[dict[str, pd.DataFrame], pd.DataFrame]]:
        for lo in range(0, n_sites, chunk):
            site_rows, events = [], []
            part = sites.iloc[lo:lo + chunk].itertuples(index=False)
            for i, s in enumerate(part, start=lo):
                row = {c: None for c in scols}
                row.update(code=s.code, name=s.name, commune_code=s.commune_code,
                           hamlet_code=s.hamlet_code, voters=int(s.voters), lon=float(s.lon),
                           lat=float(s.lat), version=0)
                prev = None
                for k, (action, hour) in enumerate(steps):
                    t = setup_at + timedelta(seconds=i * 1e-3) if hour < 0 else \
                        local_hour_utc(day, hour + jitter[i, k])
                    status = SITE_LIFECYCLE.initial if action == "register" else \
                        SITE_LIFECYCLE.next(row["status"], action, s.code)
                    row = dict(row)
                    row.update(status=status, version=row["version"] + 1, updated_at=t,
                               updated_by=actor)
                    if action == "close":
                        row["voted"] = int(s.voters * 0.98)
                    events.append(event_row(i * len(steps) + k, t, actor, "site", s.code,
                                            action, row["version"], prev, row))
                    prev = row
                site_rows.append(prev)
            yield {"site": pd.DataFrame(site_rows, columns=scols)}, \
                pd.DataFrame(events, columns=ecols)
            bar.step()

    def team_chunk() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        events = [event_row(n_site_ev + k, setup_at + timedelta(seconds=k * 1e-3 + 0.5), actor,
                            "unit", t.code, "register", 1, None, t._asdict())
                  for k, t in enumerate(teams.itertuples(index=False))]
        return {"unit": teams[ENTITIES["unit"]["columns"]]}, pd.DataFrame(events, columns=ecols)

    def chunks() -> Iterator[tuple[dict[str, pd.DataFrame], pd.DataFrame]]:
        yield from site_chunks()
        yield team_chunk()
        bar.step()
        places = sites[["lon", "lat", "hamlet_code", "commune_code"]]
        for incidents, events in incident_chunks(
                n_inc, start=local_hour_utc(day, 5), hours=18, places=places,
                teams=list(teams["code"]), first_incident_id=store.next_incident_id(),
                seed=seed, actor=actor, settle=True, chunk=chunk,
                first_seq=n_site_ev + n_team_ev):
            yield {"incident": incidents}, events
            bar.step()

    bar.total += -(-n_sites // chunk) + 1 + -(-n_inc // chunk) + 1
    n_events = store.bulk_load_chunks(
        chunks(), features={"communes": to_features(comm_geo, "communes", demo=True),
                            "sites": to_features(site_geo, "sites", demo=True)}, actor=actor)
    bar.step()
    return "drill.summary_bulk", {"sites": f"{n_sites:,}", "communes": f"{len(communes):,}",
                                  "teams": f"{n_teams:,}", "incidents": f"{n_inc:,}",
                                  "events": f"{n_events:,}"}
