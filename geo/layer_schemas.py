"""What each map layer holds: its geometry, required and optional fields, numbers,
choices and times. The file readers (``geo.io.layers``) check a file against it and the
stored layers (``geo.analysis.places``) are read back by it."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.admin2025 import FIELDS as ADMIN_2025_FIELDS

__all__ = ["LayerSchema", "SCHEMAS", "TARGET_KINDS"]

TARGET_KINDS = ("peoples_committee", "party_office", "police", "ballot_storage",
                "voter_list_posting", "candidate_list_posting", "health_station", "school",
                "market", "fuel_station")


@dataclass(frozen=True)
class LayerSchema:
    kind: str
    geom_types: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    choices: dict[str, tuple] = field(default_factory=dict)
    floats: tuple[str, ...] = ()
    # Smallest allowed value of a number field, and whether the bound itself is allowed.
    minimums: dict[str, tuple[float, bool]] = field(default_factory=dict)
    # Time fields: ISO 8601; without an offset a time is Vietnam time.
    times: tuple[str, ...] = ()
    # A pair of time fields whose second must come after the first.
    period: tuple[str, str] | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


_POLY = ("Polygon", "MultiPolygon")
SCHEMAS: dict[str, LayerSchema] = {s.kind: s for s in (
    # The 2025 fields are filled on import from the reference data (``geo.admin2025``):
    # the 2025 unit a commune is, or the one a 2021-era commune is now part of.
    LayerSchema("communes", _POLY, ("code", "name"),
                ("district", "province", "admin_set", "area_km2", "population", "source",
                 "type", "aliases", *ADMIN_2025_FIELDS),
                ints=("population",), floats=("area_km2",),
                minimums={"population": (0, True), "area_km2": (0, False)}),
    # A hamlet's commune may be named by code, by name, or found by containment.
    LayerSchema("hamlets", _POLY, ("code", "name"), ("commune_code",)),
    LayerSchema("sites", ("Point",), ("code", "name"),
                ("hamlet_code", "commune_code", "voters"), ints=("voters",),
                minimums={"voters": (0, True)}),
    LayerSchema("targets", ("Point", *_POLY), ("code", "name", "kind"),
                ("commune_code", "protection"), ints=("protection",),
                choices={"kind": TARGET_KINDS, "protection": (1, 2, 3)}),
    LayerSchema("hotspots", ("Point", *_POLY), ("code", "name", "reason"),
                ("risk", "active_from", "active_to", "commune_code", "radius_m"),
                ints=("risk",), choices={"risk": (1, 2, 3, 4)}, floats=("radius_m",),
                minimums={"radius_m": (0, False)}, times=("active_from", "active_to"),
                period=("active_from", "active_to")),
    LayerSchema("routes", ("LineString", "MultiLineString"),
                ("code", "name", "team_code"),
                ("team_name", "team_size", "starts_at", "ends_at", "commune_code"),
                ints=("team_size",), minimums={"team_size": (1, True)},
                times=("starts_at", "ends_at"), period=("starts_at", "ends_at")),
    LayerSchema("checkpoints", ("Point",), ("code", "name", "route_code"),
                ("seq", "interval_min"), ints=("seq", "interval_min"),
                minimums={"seq": (0, True), "interval_min": (1, True)}),
)}
