"""Map labels that never overlap: a greedy placer over rectangles, and a ring layout for
several points at one place. Pure geometry in one plane (any units, y upwards); the
pictures measure their text and draw what is placed here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Label", "Box", "place_labels", "intersects", "ring_offsets", "stack_groups"]

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Label:
    """A label to place: its text's *width* and *height*, the point it names and the
    offsets (dx, dy) of its box's lower-left corner from that point to try, in order.
    A lower *priority* is placed first (a site's name before its hamlet's)."""

    text: str
    x: float
    y: float
    width: float
    height: float
    offsets: tuple[tuple[float, float], ...]
    priority: int = 0


def intersects(a: Box, b: Box) -> bool:
    """True when two boxes overlap (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a: Box, bounds: Box) -> bool:
    return a[0] >= bounds[0] and a[1] >= bounds[1] and a[2] <= bounds[2] and \
        a[3] <= bounds[3]


def place_labels(labels: Sequence[Label], obstacles: Sequence[Box] = (),
                 bounds: Box | None = None) -> list[tuple[Label, Box]]:
    """Each label at its first offset whose box meets no label placed before it and no
    obstacle (the markers) and lies within *bounds*; a label with no such place is
    dropped. Labels are taken by priority, then in the given order."""
    placed: list[tuple[Label, Box]] = []
    order = sorted(range(len(labels)), key=lambda k: (labels[k].priority, k))
    for k in order:
        lab = labels[k]
        for dx, dy in lab.offsets:
            b = (lab.x + dx, lab.y + dy, lab.x + dx + lab.width, lab.y + dy + lab.height)
            if bounds is not None and not _inside(b, bounds):
                continue
            if any(intersects(b, o) for o in obstacles) or \
                    any(intersects(b, p) for _, p in placed):
                continue
            placed.append((lab, b))
            break
    return placed


def ring_offsets(n: int, radius: float) -> list[tuple[float, float]]:
    """*n* points evenly round a circle of *radius* (the first at the top, clockwise), so
    several incidents reported at one place are each seen; one point stays in place."""
    if n <= 1:
        return [(0.0, 0.0)] * n
    return [(radius * math.sin(2 * math.pi * k / n), radius * math.cos(2 * math.pi * k / n))
            for k in range(n)]


def stack_groups(x: Sequence[float], y: Sequence[float], digits: int = 5) -> np.ndarray:
    """A group number per point: points at the same place (to *digits* decimals of a
    degree, about a metre at five) share one, numbered by first appearance."""
    keys = list(zip(np.round(np.asarray(x, dtype=float), digits),
                    np.round(np.asarray(y, dtype=float), digits), strict=True))
    first: dict[tuple[float, float], int] = {}
    return np.array([first.setdefault(k, len(first)) for k in keys], dtype=int)
