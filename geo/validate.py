"""Field checks shared by commands and importers; each failure is a Problem."""

from __future__ import annotations

import math

from .errors import Invalid, Problem
from .text import clean_text

__all__ = ["VN_BBOX", "MAX_ACTOR", "check_point", "check_actor"]

MAX_ACTOR = 64

# Roughly Vietnam with its islands: 102–110° E, 8–24° N (Trường Sa lies further
# east; a deployment there widens this).
VN_BBOX = (102.0, 8.0, 110.0, 24.0)


def _in_bbox(lon: float, lat: float) -> bool:
    w, s, e, n = VN_BBOX
    return w <= lon <= e and s <= lat <= n


def check_point(lon: object, lat: object, row: int | None = None) -> list[Problem]:
    """Problems with a WGS 84 lon/lat pair: missing, not a number, swapped, outside Vietnam."""
    out: list[Problem] = []
    vals = {}
    for name, v in (("lon", lon), ("lat", lat)):
        try:
            f = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out.append(Problem(name, f"not a number: {v!r}", row))
            continue
        if not math.isfinite(f):
            out.append(Problem(name, f"not a finite number: {v!r}", row))
            continue
        vals[name] = f
    if out:
        return out
    x, y = vals["lon"], vals["lat"]
    if _in_bbox(x, y):
        return []
    if _in_bbox(y, x):
        return [Problem("lon", f"lon={x}, lat={y} look swapped (lat/lon order); "
                        "give longitude first", row)]
    if abs(x) > 180 or abs(y) > 90:
        return [Problem("lon", f"({x}, {y}) is not in degrees: metres given without a CRS?",
                        row)]
    return [Problem("lon", f"({x}, {y}) is outside Vietnam (102–110° E, 8–24° N)", row)]


def check_actor(actor: object) -> str:
    """The acting name or call sign, NFC and trimmed; refused if empty or too long."""
    try:
        name = clean_text(actor, max_len=MAX_ACTOR)
    except ValueError as e:
        raise Invalid([Problem("actor", str(e))]) from None
    if not name:
        raise Invalid([Problem("actor", "a name or call sign is required")])
    return name
