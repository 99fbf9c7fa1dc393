"""Field checks shared by commands and importers; each failure is a Problem."""

from __future__ import annotations

import math

from geo.checks.outline import in_vietnam, near_vietnam
from geo.checks.text import CODE_MAX, NAME_MAX, TEXT_MAX, clean_text, code_problem
from geo.errors import Invalid, Problem

__all__ = ["MAX_ACTOR", "check_point", "check_actor", "actor_problems", "clean_field", "clean_code",
           "clean_name", "clean_note"]

MAX_ACTOR = 64


def _in_vietnam(lon: float, lat: float) -> bool:
    """Against Vietnam's outline with its islands (data/vietnam.geojson), not a box: a box
    around Vietnam holds Vientiane, Phnom Penh and Nanning."""
    return bool(in_vietnam(lon, lat))


def _near_vietnam(lon: float, lat: float) -> bool:
    """In the outline or within its 10 km band (geo.checks.outline.near_vietnam)."""
    return bool(near_vietnam(lon, lat))


def check_point(lon: object, lat: object, row: int | None = None, *,
                outside: bool = False) -> list[Problem]:
    """Problems with a WGS 84 lon/lat pair: missing, not a number, swapped, outside Vietnam.

    A point within the outline's 10 km band is accepted: a real site or incident on
    the land border or the coast is never refused (an importer warns about it instead,
    geo.io.layer_checks). *outside*: the operator says the point is outside on purpose
    (``--outside``), so a point beyond the band is accepted too; only a point that is
    not a position at all (not a number, not degrees) is still refused."""
    out: list[Problem] = []
    vals = {}
    for name, v in (("lon", lon), ("lat", lat)):
        try:
            f = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out.append(Problem(name, f"not a number: {v!r}", row, key="problem.not_number",
                               params={"value": repr(v)}))
            continue
        if not math.isfinite(f):
            out.append(Problem(name, f"not a finite number: {v!r}", row,
                               key="problem.not_finite", params={"value": repr(v)}))
            continue
        vals[name] = f
    if out:
        return out
    x, y = vals["lon"], vals["lat"]
    if _in_vietnam(x, y):
        return []
    if outside and abs(x) <= 180 and abs(y) <= 90:
        return []
    if _in_vietnam(y, x) and not _near_vietnam(x, y):
        return [Problem("lon", f"lon={x}, lat={y} look swapped (lat/lon order); "
                        "give longitude first", row, key="problem.swapped",
                        params={"lon": x, "lat": y})]
    if _near_vietnam(x, y):
        return []
    if abs(x) > 180 or abs(y) > 90:
        return [Problem("lon", f"({x}, {y}) is not in degrees: metres given without a CRS?",
                        row, key="problem.not_degrees", params={"lon": x, "lat": y})]
    return [Problem("lon", f"({x}, {y}) is outside Vietnam", row,
                    key="problem.outside_vietnam", params={"lon": x, "lat": y})]


def check_actor(actor: object) -> str:
    """The acting name or call sign, NFC and trimmed; refused if empty or too long."""
    try:
        name = clean_text(actor, max_len=MAX_ACTOR)
    except ValueError as e:
        raise Invalid([Problem("actor", str(e))]) from None
    if not name:
        raise Invalid([Problem("actor", "a name or call sign is required",
                               key="problem.actor_required")])
    return name


def actor_problems(actor: object) -> list[Problem]:
    """What :func:`check_actor` would refuse in an in-process caller's name (an account
    is checked by ``geo.accounts``), as problems to report with the input's others."""
    if not isinstance(actor, str):
        return []
    try:
        check_actor(actor)
    except Invalid as e:
        return list(e.problems)
    return []


def clean_field(value: object, field: str, problems: list[Problem], *, max_len: int,
                multiline: bool = False, required: bool = False, row: int | None = None
                ) -> str:
    """*value* cleaned for storage (``geo.text.clean_text``); a length or a missing value
    goes into *problems* naming *field* (and *row*), and ``""`` comes back."""
    try:
        out = clean_text(value, max_len=max_len, multiline=multiline)
    except ValueError as e:
        problems.append(Problem(field, str(e), row))
        return ""
    if required and not out:
        problems.append(Problem(field, "required", row, key="problem.required"))
    return out


def clean_name(value: object, field: str, problems: list[Problem], *,
               required: bool = False) -> str:
    """A name or label: one line, at most ``NAME_MAX`` characters."""
    return clean_field(value, field, problems, max_len=NAME_MAX, required=required)


def clean_code(value: object, field: str, problems: list[Problem], *,
               required: bool = False) -> str | None:
    """A code (site, team, hamlet, …): one line, at most ``CODE_MAX``; empty → None."""
    out = clean_field(value, field, problems, max_len=CODE_MAX, required=required)
    why = code_problem(out)
    if why:
        problems.append(Problem(field, why))
        return None
    return out or None


def clean_note(value: object, field: str, problems: list[Problem]) -> str:
    """Free text (description, note, reason): lines kept, at most ``TEXT_MAX``."""
    return clean_field(value, field, problems, max_len=TEXT_MAX, multiline=True)
