"""Taking communes out of the map layers: ``antt layers remove --commune CODE`` (or
``--demo``), and an import with ``--replace`` that removes the loaded communes its own
overlap, in its own transaction.

A commune's layers are every feature that names it (its hamlets, sites, targets,
hotspots, routes) and the checkpoints of those routes. Each kind removed is recorded as
an import that removed features (``layer_imports.removed``), so every cached layer is
read again. Polling sites and patrol teams registered from those layers stay registered
with their history (the event log is never rewritten), and so do incidents.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime

import pandas as pd

from geo.accounts import Actor, authorize, require
from geo.errors import AnttError
from geo.layer_schemas import SCHEMAS
from geo.store import Store, Tx

__all__ = ["remove_layers", "remove_communes_in", "layers_of"]


def layers_of(tx: Tx, communes: Collection[str], *, demo: bool = False
              ) -> dict[str, list[str]]:
    """The codes of each kind's features that belong to *communes* (and, with *demo*,
    every feature the demo or a drill drew), kinds in layer order."""
    communes = set(communes)
    out: dict[str, list[str]] = {}
    routes: set[str] = set()
    for kind in SCHEMAS:
        frame = tx.features(kind)
        mine = frame["commune_code"].isin(communes)
        if demo:
            mine |= frame["demo"].astype(bool)
        if kind == "checkpoints":
            mine |= pd.Series([json.loads(p).get("route_code") in routes
                               for p in frame["props"]], index=frame.index, dtype=bool)
        codes = sorted(frame.loc[mine, "code"])
        if kind == "routes":
            routes = set(codes)
        if codes:
            out[kind] = codes
    return out


def remove_communes_in(tx: Tx, communes: Iterable[str], *, actor: str, source: str,
                       demo: bool = False) -> dict[str, int]:
    """Inside a transaction: remove *communes* and their layers (with *demo*, every
    feature the demo drew too); return how many features of each kind went."""
    found = layers_of(tx, list(communes), demo=demo)
    return {kind: tx.remove_features(kind, codes, actor=actor, source=source)
            for kind, codes in found.items()}


def remove_layers(store: Store, *, communes: Collection[str] = (), demo: bool = False,
                  actor: Actor, at: datetime | None = None) -> dict[str, int]:
    """Remove communes (by code) and their layers, and with *demo* every layer feature the
    demo or a drill drew, in one transaction. An unknown commune code is refused (nothing
    removed). Returns the features removed per kind ({} when there was nothing)."""
    account, name = actor, require(actor, "layers.import")
    if not communes and not demo:
        raise AnttError("name the communes to remove (--commune CODE) or --demo",
                        key="err.remove_what")

    def cmd(tx: Tx) -> dict[str, int]:
        authorize(tx, account, "layers.import")
        known = set(tx.features("communes")["code"])
        for code in communes:
            if code not in known:
                shown = ", ".join(sorted(known)[:20]) + (" …" if len(known) > 20 else "")
                raise AnttError(f"--commune {code}: no such commune in the layers "
                                f"(known: {shown})", key="err.unknown_commune",
                                commune=code, known=shown)
        what = ", ".join(sorted(communes)) + (" + demo" if demo else "")
        return remove_communes_in(tx, communes, actor=name, source=f"remove {what}",
                                  demo=demo)

    return store.transact(cmd, at=at)
