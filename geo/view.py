"""What one screen shows: a commune (or all the account may see), hamlets, and incident
filters. A :class:`View` scopes layers and frames once, so no page filters by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from geo.accounts import ALL, Account  # ALL: every commune; defined once, in accounts
from geo.clock import utcnow
from geo.incidents import KINDS, LIFECYCLE, OPEN
from geo.store import Filters

__all__ = ["ALL", "WINDOWS", "View", "scope_layers", "account_scope"]

WINDOWS = {"1h": timedelta(hours=1), "6h": timedelta(hours=6), "24h": timedelta(hours=24),
           "all": None}


@dataclass
class View:
    """What the user asked to see. *scope* is the account's communes (empty: all)."""

    commune: str = ALL
    hamlets: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    severities: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: list(OPEN))
    window: str = "all"
    wall: bool = False
    scope: list[str] = field(default_factory=list)

    def narrow(self, scope: list[str]) -> None:
        """Limit this view to *scope* (empty: every commune); a commune outside it gives way
        to the scope's first."""
        self.scope = list(scope)
        if scope and self.commune not in scope:
            self.commune = scope[0]

    @property
    def commune_codes(self) -> list[str]:
        """The communes shown; empty means every commune."""
        return list(self.scope) if self.commune == ALL else [self.commune]

    @property
    def one_commune(self) -> str | None:
        """The commune code when exactly one is chosen (a new report belongs to it)."""
        return None if self.commune == ALL else self.commune

    def filters(self, **over: object) -> Filters:
        """The incident filters of this view (*over* replaces fields, e.g. ``statuses=()``)."""
        span = WINDOWS[self.window]
        base = dict(commune_codes=self.commune_codes, hamlet_codes=list(self.hamlets),
                    kinds=list(self.kinds), severities=list(self.severities),
                    statuses=list(self.statuses),
                    since=None if span is None else utcnow() - span)
        base.update(over)
        return Filters(**base)

    def layers(self, layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """The map layers of the communes shown."""
        return scope_layers(layers, self.commune_codes)

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Sites, teams or incidents in the communes (and hamlets) shown."""
        keep = pd.Series(True, index=rows.index)
        if self.commune_codes:
            keep &= rows["commune_code"].isin(self.commune_codes)
        if self.hamlets and "hamlet_code" in rows.columns:
            keep &= rows["hamlet_code"].isin(self.hamlets)
        return rows[keep].reset_index(drop=True)

    def teams(self, units: pd.DataFrame, hamlets: pd.DataFrame,
              incident_ids: Iterable[int] = ()) -> list[str] | None:
        """The teams of the hamlets shown, whose events the ticker keeps: those whose last
        position lies in one of them, or that are sent to one of *incident_ids* (the
        view's incidents). None when no hamlet is chosen (every team of the communes).
        *hamlets*: the hamlet layer (code, geometry)."""
        if not self.hamlets:
            return None
        from geo.analysis.places import in_hamlets  # geopandas: only when filtering
        at = units.dropna(subset=["lon", "lat"])
        inside = in_hamlets(at["lon"], at["lat"], hamlets, self.hamlets)
        keep = set(at["code"][inside.to_numpy()])
        if "incident_id" in units.columns:
            ids = {int(i) for i in incident_ids}
            keep |= {c for c, i in zip(units["code"], units["incident_id"], strict=True)
                     if pd.notna(i) and int(i) in ids}
        return sorted(keep)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> View:
        """A wall screen's view from its URL:
        ``?wall=1&commune=10732&hamlet=a,b&kind=fire&severity=3,4&status=...&window=6h``.
        Unknown values are left out rather than refused (a screen must show something)."""
        def listed(key: str) -> list[str]:
            return [v for v in str(params.get(key, "")).split(",") if v]

        window = params.get("window", "all")
        return cls(commune=params.get("commune", ALL), hamlets=listed("hamlet"),
                   kinds=[k for k in listed("kind") if k in KINDS],
                   severities=[int(s) for s in listed("severity") if s in {"1", "2", "3", "4"}],
                   statuses=[s for s in listed("status") if s in LIFECYCLE.statuses]
                   or list(OPEN),
                   window=window if window in WINDOWS else "all", wall=True)


def account_scope(account: Account, loaded: Iterable[str]) -> list[str]:
    """The communes an account's screens are narrowed to: those of its communes that are
    *loaded*, or empty (every commune) for an account over all of them. A commune scope
    limits what the account sees as well as what it may change."""
    if account.all_communes:
        return []
    loaded = set(loaded)
    return [c for c in account.communes if c in loaded]


def scope_layers(layers: Mapping[str, pd.DataFrame], commune_codes: list[str]
                 ) -> dict[str, pd.DataFrame]:
    """*layers* narrowed to *commune_codes* (all when empty): a commune by its code, a
    checkpoint by its route, every other feature by its commune."""
    if not commune_codes:
        return dict(layers)
    out = {}
    for kind, layer in layers.items():
        if kind == "checkpoints":
            continue
        col = "code" if kind == "communes" else "commune_code"
        out[kind] = layer[layer[col].isin(commune_codes)]
    if "checkpoints" in layers:
        cps = layers["checkpoints"]
        routes = out.get("routes")
        out["checkpoints"] = cps[cps["route_code"].isin(routes["code"])] \
            if routes is not None else cps
    return out
