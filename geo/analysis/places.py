"""Stored map layers read back as GeoDataFrames (and written as feature rows), how a commune
is named, and where a point is: "which hamlet is this point in", "the nearest commune".

A feature the demo or a drill drew carries ``demo`` True: wherever a point or a name is
looked up, a real feature outranks a demo one (a point in a real commune and a demo one
is the real one's)."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from geo import admin2025, settings
from geo.analysis.spatial import WGS84, assign_hamlets, points, to_metric
from geo.checks.text import fold
from geo.codec import to_json
from geo.layer_schemas import SCHEMAS
from geo.store import Store

__all__ = ["load_layer", "locate", "has_hamlets", "to_features", "commune_labels",
           "commune_notes_2025", "nearest_commune", "in_hamlets", "outside_communes"]

_CACHE: dict[tuple[str, str], tuple[int, gpd.GeoDataFrame]] = {}
_LOCK = threading.Lock()


def load_layer(store: Store, kind: str) -> gpd.GeoDataFrame:
    """All features of *kind*, props expanded to columns, and ``demo`` (drawn by the demo
    or a drill), cached until the next import."""
    version = store.layers_version()
    key = (store.path, kind)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit and hit[0] == version:
            return hit[1].copy()
    df = store.features(kind)
    fields = SCHEMAS[kind].fields
    props = pd.DataFrame([json.loads(p) for p in df["props"]], columns=[
        f for f in fields if f not in ("code", "name", "commune_code")])
    gdf = gpd.GeoDataFrame(
        pd.concat([df[["code", "name", "commune_code"]].reset_index(drop=True), props,
                   df["demo"].astype(bool).reset_index(drop=True)], axis=1),
        geometry=shapely.from_wkb([bytes(g) for g in df["geom"]]) if len(df) else [], crs=WGS84)
    with _LOCK:
        _CACHE[key] = (version, gdf)
    return gdf.copy()


def has_hamlets(store: Store) -> bool:
    return not load_layer(store, "hamlets").empty


def locate(store: Store, lon: float, lat: float) -> tuple[str | None, str | None]:
    """``(commune_code, hamlet_code)`` of the hamlet containing the point, or Nones. A
    real hamlet outranks a demo one; a point in a demo hamlet that lies in a real commune
    too is the real commune's (with no hamlet)."""
    hamlets = load_layer(store, "hamlets")
    if hamlets.empty:
        return None, None
    got = assign_hamlets(points([lon], [lat]), hamlets).iloc[0]
    if got["hamlet_code"] is not None and bool(
            hamlets.loc[hamlets["code"] == got["hamlet_code"], "demo"].iloc[0]):
        real = _real_commune_at(store, lon, lat)
        if real is not None:
            return real, None
    return got["commune_code"], got["hamlet_code"]


def _real_commune_at(store: Store, lon: float, lat: float) -> str | None:
    """The real (not demo) commune holding the point, the smallest code on a border."""
    communes = load_layer(store, "communes")
    real = communes[~communes["demo"]] if not communes.empty else communes
    if real.empty:
        return None
    holds = real[shapely.intersects_xy(real.geometry.values, lon, lat)]
    return str(holds["code"].min()) if len(holds) else None


def in_hamlets(lons: pd.Series, lats: pd.Series, hamlets: pd.DataFrame,
               codes: Collection[str]) -> pd.Series:
    """True for each point (*lons*, *lats*) that lies in one of the hamlets *codes* of the
    hamlet layer *hamlets* (code, geometry, WGS84)."""
    if len(lons) == 0:
        return pd.Series([], dtype=bool)
    chosen = gpd.GeoDataFrame(hamlets[hamlets["code"].isin(list(codes))], crs=WGS84)
    got = assign_hamlets(points(lons.tolist(), lats.tolist()), chosen)
    return got["hamlet_code"].notna().reset_index(drop=True)


def commune_labels(communes: pd.DataFrame) -> dict[str, str]:
    """code → how a commune is shown: its name (for a commune the boundary file matched to a
    2025 unit, the 2025 list's: "Phường Bắc An Phụ"), or, where another loaded commune has
    the same name (4,865 of Vietnam's communes share 1,359 names), "name (district,
    province)"."""
    units = communes["unit_2025"] if "unit_2025" in communes.columns else \
        pd.Series([None] * len(communes), index=communes.index)
    shown = [unit.name if (unit := admin2025.by_code(u)) is not None else str(name)
             for u, name in zip(units, communes["name"], strict=True)]
    keys = pd.Series([fold(n) for n in shown])
    shared = keys.duplicated(keep=False).to_numpy()
    out = {}
    for i, (code, name) in enumerate(zip(communes["code"], shown, strict=True)):
        where = [str(communes[c].iloc[i]) for c in ("district", "province")
                 if c in communes.columns and pd.notna(communes[c].iloc[i])] if shared[i] else []
        out[code] = f"{name} ({', '.join(where)})" if where else name
    return out


def commune_notes_2025(communes: pd.DataFrame) -> dict[str, tuple[str, dict[str, str]]]:
    """code → what the 2025 list says of each commune it knows, as a catalogue key and its
    parameters (``geo.admin2025.note``): "đơn vị hành chính năm 2025: Xã Cẩm Tân, Tỉnh Thanh
    Hóa", "nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị quyết
    1669/NQ-UBTVQH15)". Each place that shows it formats it for its own sink."""
    if "label_2025" not in communes.columns:
        return {}
    known = communes[communes["label_2025"].notna()]  # most communes: none (a drill's 6,072)
    out = {}
    for code, (_, row) in zip(known["code"], known.iterrows(), strict=True):
        said = admin2025.note(row)
        if said:
            out[code] = said
    return out


def nearest_commune(store: Store, lon: float, lat: float
                    ) -> tuple[str, str, float] | None:
    """``(code, name, metres)`` of the loaded commune nearest the point (0 inside it), or
    None when no commune is loaded. Communes within the ``position_tolerance_m`` setting
    of the point count as holding it: a real one of them outranks a demo one."""
    communes = load_layer(store, "communes")
    if communes.empty:
        return None
    metric, point = to_metric(communes, points([lon], [lat]))
    d = metric.distance(point.geometry.iloc[0]).to_numpy()
    holds = d <= settings.get("position_tolerance_m")
    # Holding before not holding, then real before demo, then nearer, then the code.
    i = min(range(len(d)), key=lambda k: (not holds[k], bool(communes["demo"].iloc[k]),
                                          d[k], communes["code"].iloc[k]))
    return communes["code"].iloc[i], communes["name"].iloc[i], float(d[i])


def outside_communes(store: Store, lon: float, lat: float, codes: Sequence[str]
                     ) -> tuple[str, float] | None:
    """Where a point lies against the communes *codes* (a team's own): None inside one
    of them (within the ``position_tolerance_m`` setting) or when none is loaded, else
    ``(the nearest one's name as shown, metres to it)``."""
    communes = load_layer(store, "communes")
    names = commune_labels(communes) if not communes.empty else {}
    mine = communes[communes["code"].isin(list(codes))] if not communes.empty else communes
    if mine.empty:
        return None
    metric, point = to_metric(mine, points([lon], [lat]))
    d = metric.distance(point.geometry.iloc[0])
    i = int(d.to_numpy().argmin())
    if float(d.iloc[i]) <= settings.get("position_tolerance_m"):
        return None
    return names[mine["code"].iloc[i]], float(d.iloc[i])


def to_features(gdf: gpd.GeoDataFrame, kind: str, *, demo: bool = False) -> pd.DataFrame:
    """A validated layer as rows for the features table (props JSON, geometry WKB);
    *demo* marks them as drawn by the demo or a drill."""
    extra = [f for f in SCHEMAS[kind].fields if f not in ("code", "name", "commune_code")]
    props = [to_json({f: row[f] for f in extra})
             for _, row in gdf[extra].iterrows()] if extra else ["{}"] * len(gdf)
    if kind == "communes":
        commune = gdf["code"]  # a commune is its own commune
    elif "commune_code" in gdf.columns:
        commune = gdf["commune_code"]
    else:
        commune = [None] * len(gdf)
    return pd.DataFrame({"code": gdf["code"].to_numpy(), "name": gdf["name"].to_numpy(),
                         "commune_code": list(commune), "props": props,
                         "geom": shapely.to_wkb(gdf.geometry.values),
                         "demo": [bool(demo)] * len(gdf)})
