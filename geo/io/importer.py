"""Layer import: read + validate, compare with what is stored, then write atomically.

``plan_import`` changes nothing and says what would change; ``apply_import``
writes the features, and registers new polling sites and patrol teams, in one
transaction. A plan with any error cannot be applied.

Two questions an import asks rather than settles silently:

* A commune overlapping a loaded commune of another code (more than the
  ``commune_overlap_percent`` setting of the smaller one's area) is refused, naming
  both; with *replace* the loaded one and its layers are removed in the same
  transaction instead (``geo.io.removal``).
* A place that lies in no loaded commune is refused, naming the nearest commune and
  its distance, unless the file's ``outside`` column (or *outside* for every row) says
  it is meant; a file in a VN-2000 zone is tried under the other zones and the message
  names the one that would put its points in place (``geo.io.zones``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import admin2025, settings
from geo.accounts import Actor, authorize, require
from geo.analysis.places import commune_labels, commune_notes_2025, load_layer, to_features
from geo.analysis.spatial import WGS84, middle_lon, to_metric
from geo.errors import Invalid, Problem
from geo.i18n import message
from geo.io.layers import LayerRead, read_layer
from geo.io.positions import (
    check_inside,
    distance_text,
    fill_by_containment,
    guess_zone,
    nearest_communes,
    outside_every,
    resolve_names,
)
from geo.io.removal import remove_communes_in
from geo.io.zones import zone_hint
from geo.layer_schemas import SCHEMAS
from geo.lifecycle import Lifecycle
from geo.registry import register_many
from geo.sites import SITE_LIFECYCLE
from geo.store import Store, Tx
from geo.units import UNIT_LIFECYCLE

__all__ = ["ImportPlan", "plan_import", "apply_import", "import_layer", "LAYER_ORDER"]

# Parents before children: hamlets name their commune, checkpoints their route.
LAYER_ORDER = ("communes", "hamlets", "sites", "targets", "hotspots", "routes", "checkpoints")


@dataclass
class ImportPlan:
    kind: str
    source: str
    read: LayerRead
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # What the import was asked to do: replace overlapped communes, accept places
    # outside every commune, mark its features as the demo's.
    replace: bool = False
    outside: bool = False
    demo: bool = False
    # Loaded communes this import overlaps and, with *replace*, removes with their layers.
    replaced: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return self.read.warnings

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, lang: str = "vi") -> str:
        """What the import would do, in *lang*: "communes from … (GeoJSON, EPSG:4326): 3
        new, 0 changed, 0 unchanged, 0 stored but not in the file (kept)"."""
        return message("import.summary", lang, kind=message(f"import.kind.{self.kind}", lang),
                       source=self.source, format=self.read.source_format,
                       crs=self.read.source_crs, new=len(self.added), changed=len(self.changed),
                       unchanged=len(self.unchanged), kept=len(self.not_in_file))

    def notes_2025(self, lang: str = "vi") -> list[str]:
        """For communes: "An Phụ: nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo
        Nghị quyết 1669/NQ-UBTVQH15)", one line for each commune of the file the 2025 list
        knows (``geo.admin2025``); nothing for other layers or a refused file."""
        frame = self.read.frame
        if self.kind != "communes" or frame is None or not self.ok:
            return []
        names = commune_labels(frame)
        return [message("cli.layer_commune", lang, commune=names[code],
                        note=message(key, lang, **params)).strip()
                for code, (key, params) in commune_notes_2025(frame).items()]


def _cross_check(gdf: gpd.GeoDataFrame, kind: str, store: Store, plan: ImportPlan) -> None:
    """Names resolved to codes, codes filled by containment, every code checked against
    what is loaded, and every place checked against the boundary its code names (see
    ``geo.io.positions``). An unknown code is reported as that, never also as a position.
    Communes are told which 2025 unit each is, or is now part of (``geo.admin2025``)."""
    if kind == "communes":
        admin2025.annotate_communes(gdf)
        _check_overlaps(gdf, store, plan)
        return
    communes, hamlets = load_layer(store, "communes"), load_layer(store, "hamlets")
    if communes.empty:
        plan.read.warnings.append(Problem(
            "geometry", "positions not cross-checked: no communes are loaded (import the "
                        "communes first to check that every place lies in its commune)",
            severity="warning"))
    elif plan.read.source_geometry is not None:
        zone = guess_zone(plan.read.source_geometry, communes)
        if zone is not None:
            epsg, now, then, n = zone
            name = CRS.from_epsg(epsg).name
            plan.errors.append(Problem(
                "crs", f"{now}/{n} points lie in the loaded communes as {plan.read.source_crs}; "
                       f"with EPSG:{epsg} ({name}) {then}/{n} do: wrong VN-2000 zone? Import "
                       f"again with --crs EPSG:{epsg} (với EPSG:{epsg} {then}/{n} điểm nằm "
                       "trong các xã đã nạp)",
                key="import.wrong_zone",
                params={"now": now, "then": then, "n": n, "crs": plan.read.source_crs,
                        "epsg": epsg, "name": name}))
            _check_refs(gdf, kind, store, plan)
            return
    for ref, places in (("commune", communes), ("hamlet", hamlets)):
        if f"{ref}_ref" in gdf.columns and places.empty:
            plan.errors.append(Problem(ref, f"the file names {ref}s by name but none are "
                                            f"loaded: import {ref}s first"))
        elif not places.empty:
            resolve_names(gdf, ref, places, plan.errors)
    if not communes.empty:
        fill_by_containment(gdf, kind, communes, hamlets)
    _check_refs(gdf, kind, store, plan)
    if kind == "checkpoints":
        # A checkpoint lies in its route's commune.
        routes = load_layer(store, "routes")
        by_route = dict(zip(routes["code"], routes["commune_code"], strict=True))
        check_inside(gdf, "route_code", communes, plan.errors,
                     codes=gdf["route_code"].map(by_route),
                     via="route " + gdf["route_code"].astype(str))
    else:
        check_inside(gdf, "commune_code", communes, plan.errors)
        check_inside(gdf, "hamlet_code", hamlets, plan.errors)
    if kind == "hamlets":
        for i in np.flatnonzero(gdf["commune_code"].isna().to_numpy()):
            plan.errors.append(Problem("commune_code", "no commune: give its code or name, "
                                       "or import the commune it lies in first",
                                       row=int(i) + 1))
    elif not communes.empty and "commune_code" in gdf.columns:
        _check_strays(gdf, communes, plan)


def _check_strays(gdf: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, plan: ImportPlan
                  ) -> None:
    """A place with no commune code that lies in no loaded commune is refused (its row,
    position, the nearest commune and how far), unless the file's ``outside`` column or
    the import's *outside* says it is meant; then it is kept, with a warning. With a
    VN-2000 source CRS the refusal names the zone that would put the points in place."""
    stray = [r for r in outside_every(gdf, communes)
             if pd.isna(gdf["commune_code"].iloc[r - 1])]
    if not stray:
        return
    meant = gdf["_outside"].to_numpy(dtype=bool) if "_outside" in gdf.columns else \
        np.zeros(len(gdf), dtype=bool)
    kept = [r for r in stray if plan.outside or meant[r - 1]]
    refused = sorted(set(stray) - set(kept))
    if kept:
        shown = ", ".join(map(str, kept[:10])) + (" …" if len(kept) > 10 else "")
        plan.read.warnings.append(Problem(
            "geometry", f"{len(kept)} row(s) lie in no loaded commune, kept as outside on "
                        f"purpose (rows {shown})", severity="warning",
            key="import.outside_kept", params={"n": len(kept), "rows": shown}))
    if not refused:
        return
    # The zone hint first: a file of 3,000 stray sites lists only the first problems.
    source = plan.read.source_geometry
    hint = zone_hint(source.iloc[[r - 1 for r in refused]], communes) \
        if source is not None else None
    if hint is not None:
        plan.errors.append(hint)
    rows = gdf.iloc[[r - 1 for r in refused]]
    labels = commune_labels(communes)
    where = shapely.get_coordinates(shapely.point_on_surface(rows.geometry.values))
    for r, (x, y), (code, metres) in zip(refused, where, nearest_communes(rows, communes),
                                         strict=True):
        at, far = f"({x:.5f}, {y:.5f})", distance_text(metres)
        plan.errors.append(Problem(
            "geometry", f"{at} lies in no loaded commune: the nearest is {labels[code]} "
                        f"({code}), {far} away; check the position (or the CRS), or mark the "
                        "row as outside on purpose (column outside = yes) or import with "
                        "--outside", row=r, key="import.outside_communes",
            params={"at": at, "commune": labels[code], "code": code, "distance": far}))


def _check_overlaps(gdf: gpd.GeoDataFrame, store: Store, plan: ImportPlan) -> None:
    """Each commune of the file against the loaded communes of other codes: one that
    overlaps a loaded commune by more than the ``commune_overlap_percent`` setting of the
    smaller one's area is an error naming both and the overlap (with *replace*, the
    loaded one is to be removed instead: ``plan.replaced``)."""
    loaded = load_layer(store, "communes")
    others = loaded[~loaded["code"].isin(set(gdf["code"].dropna()))].reset_index(drop=True)
    if others.empty or not len(gdf):
        return
    mine_m, others_m = to_metric(gpd.GeoSeries(gdf.geometry.values, crs=WGS84),
                                 others.geometry, lon=middle_lon(gdf))
    mine_g, others_g = np.asarray(mine_m.values), np.asarray(others_m.values)
    i_mine, i_other = shapely.STRtree(others_g).query(mine_g, predicate="intersects")
    if not len(i_mine):
        return
    overlap = shapely.area(shapely.intersection(mine_g[i_mine], others_g[i_other]))
    a_mine, a_other = shapely.area(mine_g)[i_mine], shapely.area(others_g)[i_other]
    share = overlap / np.maximum(np.minimum(a_mine, a_other), 1e-9)
    limit = float(settings.get("commune_overlap_percent"))
    labels = commune_labels(loaded)
    names = gdf["name"].to_numpy()
    for i, j, km2, part, smaller_is_mine in zip(
            i_mine, i_other, overlap / 1e6, share * 100, a_mine <= a_other, strict=True):
        if part <= limit:
            continue
        other = others.iloc[j]
        if plan.replace:
            if other["code"] not in plan.replaced:
                plan.replaced.append(other["code"])
            continue
        code, name = gdf["code"].iloc[i], names[i]
        smaller = name if smaller_is_mine else labels[other["code"]]
        params = {"code": code, "name": name, "other_code": other["code"],
                  "other": labels[other["code"]], "km2": f"{km2:.2f}", "pct": f"{part:.0f}",
                  "smaller": smaller, "limit": f"{limit:g}"}
        head = (f"commune {code} ({name}) overlaps the loaded "
                f"{'demo ' if other['demo'] else ''}commune {other['code']} "
                f"({labels[other['code']]}) by {km2:.2f} km² ({part:.0f} % of the area of "
                f"{smaller}; at most {limit:g} % may overlap)")
        if other["demo"]:
            plan.errors.append(Problem(
                "geometry", f"{head}. {other['code']} was drawn by the demo (antt init), it "
                            "is no real boundary: remove the demo's layers with antt layers "
                            f"remove --demo (or this commune's: antt layers remove --commune "
                            f"{other['code']}, or import again with --replace), or start a "
                            "database without the demo: antt --db NEW.duckdb init --empty "
                            "(removing layers keeps the demo's sites, teams and incidents)",
                row=i + 1, key="import.overlap_demo", params=params))
        else:
            plan.errors.append(Problem(
                "geometry", f"{head}. To replace {other['code']} and its layers (hamlets, "
                            "sites, targets, hotspots, routes) with this file, import again "
                            f"with --replace; or remove it first: antt layers remove "
                            f"--commune {other['code']}",
                row=i + 1, key="import.overlap", params=params))
    plan.replaced.sort()


# Which stored layer each code field names; a code no stored feature has is refused,
# for every kind alike.
_REFS = {"commune_code": "communes", "hamlet_code": "hamlets", "route_code": "routes"}


def _check_refs(gdf: gpd.GeoDataFrame, kind: str, store: Store, plan: ImportPlan) -> None:
    for col, parent in _REFS.items():
        if col not in gdf.columns or kind == parent:
            continue
        given = gdf[col].notna()
        if not given.any():
            if col in SCHEMAS[kind].required:
                plan.errors.append(Problem(col, f"import {parent} before {kind}"))
            continue
        known = set(load_layer(store, parent)["code"])
        if not known:
            plan.errors.append(Problem(col, f"the file names {parent} but none are loaded: "
                                            f"import {parent} before {kind}"))
            continue
        unknown = given & ~gdf[col].isin(known)
        for i, v in gdf.loc[unknown, col].items():
            plan.errors.append(Problem(col, f"unknown {parent[:-1]} {v!r}", row=int(i) + 1))


def same_shape(a: bytes, b: bytes) -> bool:
    """Two stored geometries (WKB) are the same place: equal to within about 1 cm, a
    one-part MultiPolygon and its Polygon alike (a Shapefile gives the one, GeoJSON the
    other)."""
    if a == b:
        return True
    ga, gb = (_single(shapely.from_wkb(x)) for x in (a, b))
    return ga.geom_type == gb.geom_type and shapely.equals_exact(
        shapely.normalize(ga), shapely.normalize(gb), tolerance=1e-7)


def _single(g: shapely.Geometry) -> shapely.Geometry:
    parts = getattr(g, "geoms", None)
    return parts[0] if g.geom_type.startswith("Multi") and len(parts) == 1 else g


def plan_import(store: Store, path: str | Path, kind: str, *, crs: str | None = None,
                encoding: str | None = None,
                progress: Callable[[str], None] | None = None, replace: bool = False,
                outside: bool = False, demo: bool = False) -> ImportPlan:
    """Read, validate and compare with the store. Writes nothing.

    *replace*: communes of the file that overlap loaded communes of other codes replace
    them (the loaded ones and their layers are removed on apply) instead of being
    refused. *outside*: every place may lie outside every loaded commune. *demo*: the
    features are the demo's (a real import outranks them in every lookup)."""
    read = read_layer(path, kind, crs=crs, encoding=encoding, progress=progress)
    plan = ImportPlan(kind, str(path), read, errors=list(read.errors), replace=replace,
                      outside=outside, demo=demo)
    if not read.ok:
        _hint_outside_vietnam(store, plan)
        return plan
    gdf = read.frame
    _cross_check(gdf, kind, store, plan)
    if plan.errors:
        return plan
    new = to_features(gdf, kind, demo=demo).set_index("code")
    old = store.features(kind).set_index("code")
    for code, row in new.iterrows():
        if code not in old.index:
            plan.added.append(code)
        elif (row["name"], row["commune_code"], json.loads(row["props"]), row["demo"]) != (
                old.at[code, "name"], old.at[code, "commune_code"],
                json.loads(old.at[code, "props"]), bool(old.at[code, "demo"])) or not \
                same_shape(row["geom"], bytes(old.at[code, "geom"])):
            plan.changed.append(code)
        else:
            plan.unchanged.append(code)
    plan.not_in_file = sorted(set(old.index) - set(new.index))
    return plan


def _hint_outside_vietnam(store: Store, plan: ImportPlan) -> None:
    """A file refused for points outside Vietnam, read in a VN-2000 zone: the zone that
    would put them in a loaded commune, or at least in Vietnam."""
    source = plan.read.source_geometry
    far = sorted({p.row for p in plan.read.errors if p.key == "import.outside_vietnam"})
    if source is None or not far or max(far) > len(source):
        return
    hint = zone_hint(source.iloc[[r - 1 for r in far]], load_layer(store, "communes"))
    if hint is not None:
        plan.errors.insert(0, hint)  # first: only the first problems are listed


def _entity_rows(kind: str, gdf: gpd.GeoDataFrame) -> tuple[Lifecycle | None, list[dict]]:
    """The entity rows a layer brings: a polling site per site, a patrol unit per route's
    team. Built before the transaction, so the write lock is held only to write."""
    if kind == "sites":
        return SITE_LIFECYCLE, [
            {"code": code, "name": name, "commune_code": commune, "hamlet_code": hamlet,
             "voters": None if pd.isna(voters) else int(voters), "lon": float(x),
             "lat": float(y)}
            for code, name, commune, hamlet, voters, x, y in zip(
                gdf["code"], gdf["name"], gdf["commune_code"], gdf["hamlet_code"],
                gdf["voters"], gdf.geometry.x, gdf.geometry.y, strict=True)]
    if kind == "routes":
        return UNIT_LIFECYCLE, [
            {"code": team, "name": team_name or team, "commune_code": commune,
             "route_code": code, "size": None if pd.isna(size) else int(size)}
            for code, team, team_name, commune, size in zip(
                gdf["code"], gdf["team_code"], gdf["team_name"], gdf["commune_code"],
                gdf["team_size"], strict=True)]
    return None, []


def apply_import(store: Store, plan: ImportPlan, *, actor: Actor,
                 at: datetime | None = None) -> ImportPlan:
    """Write a plan in one transaction; refuse (writing nothing) if it has errors."""
    account, actor = actor, require(actor, "layers.import")
    if not plan.ok:
        raise Invalid(plan.errors)
    gdf = plan.read.frame
    rows = to_features(gdf, plan.kind, demo=plan.demo)
    lifecycle, entity_rows = _entity_rows(plan.kind, gdf)

    def cmd(tx: Tx) -> None:
        authorize(tx, account, "layers.import")
        if plan.replaced:
            remove_communes_in(tx, plan.replaced, actor=actor,
                               source=f"--replace {Path(plan.source).name}")
        tx.put_features(plan.kind, rows, actor=actor, source=Path(plan.source).name,
                        added=len(plan.added), changed=len(plan.changed))
        if lifecycle is not None:
            register_many(tx, lifecycle, entity_rows, actor)

    store.transact(cmd, at=at)
    return plan


def import_layer(store: Store, path: str | Path, kind: str, *, actor: Actor,
                 crs: str | None = None, encoding: str | None = None, dry_run: bool = False,
                 progress: Callable[[str], None] | None = None,
                 at: datetime | None = None, replace: bool = False, outside: bool = False,
                 demo: bool = False) -> ImportPlan:
    """Plan, and unless *dry_run*, apply. Raises Invalid (nothing written) on any error.
    *replace*, *outside* and *demo*: see :func:`plan_import`."""
    plan = plan_import(store, path, kind, crs=crs, encoding=encoding, progress=progress,
                       replace=replace, outside=outside, demo=demo)
    if not plan.ok:
        raise Invalid(plan.errors)
    if not dry_run:
        apply_import(store, plan, actor=actor, at=at)
    return plan
