"""Import limits: how large a layer file, its unpacked zip, its feature count and each
feature may be, each refused early with one message naming the file or row, the limit
and the setting that sets it.

Order, cheapest first: the file's size before a byte is read; a zip's members as its
directory declares them, before anything is unpacked, then the bytes actually unpacked,
counted as they come (a member may declare less than it holds: reading stops at the
limit, never trusting the declaration); the number of features from the file's header
where it has one (Shapefile, GeoPackage), else as soon as it is read; the vertices of
each feature right after reading, before any row is checked. The limits are settings
(``ANTT_IMPORT_MAX_*``, see geo/settings.py).
"""

from __future__ import annotations

import copy
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo import settings
from geo.errors import Problem
from geo.i18n import message

__all__ = ["Limits", "TooBig", "MB", "check_file", "check_zip", "unzip", "check_count",
           "check_vertices", "check_vertex_counts", "geojson_vertices"]

MB = 1_000_000
_CHUNK = 1 << 20


class TooBig(Exception):
    """A file over an import limit: its problems (one, or one per feature too large)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Limits:
    """The import limits in bytes and counts."""

    file_bytes: int
    unzipped_bytes: int
    features: int
    vertices: int

    @classmethod
    def current(cls) -> Limits:
        """The limits as the settings (and their ``ANTT_IMPORT_MAX_*`` variables) say now."""
        return cls(file_bytes=int(settings.get("import_max_file_mb") * MB),
                   unzipped_bytes=int(settings.get("import_max_unzipped_mb") * MB),
                   features=int(settings.get("import_max_features")),
                   vertices=int(settings.get("import_max_vertices")))


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB / 10 else f"{n:,} bytes"


def _problem(field: str, key: str, row: int | None = None, **params: object) -> Problem:
    """A problem whose words are the catalogue's (English for the log and ``reason``; a
    page or the command line shows *key* in its own language)."""
    return Problem(field, message(key, "en", **params).rstrip("."), row=row, key=key,
                   params=params)


def check_file(path: Path, limits: Limits) -> None:
    """Refuse a file larger than the limit, before reading it."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise TooBig([_problem("file", "import.limit.file", file=path.name, size=_mb(size),
                               limit=_mb(limits.file_bytes))])


def check_zip(path: Path, z: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose members, as its directory declares them, unpack to more than
    the limit: nothing is unpacked."""
    declared = sum(i.file_size for i in z.infolist())
    if declared > limits.unzipped_bytes:
        raise TooBig([_problem("file", "import.limit.unzipped", file=path.name,
                               size=_mb(declared), limit=_mb(limits.unzipped_bytes))])


def unzip(path: Path, z: zipfile.ZipFile, names: list[str], dest: Path, limits: Limits
          ) -> list[Path]:
    """Unpack the members *names* of *z* flat into *dest*, counting the bytes as they come
    and stopping as soon as the members unpacked so far exceed the limit, whatever a
    member declares. A member that holds other than it declares is refused as damaged.
    Returns the files written."""
    budget = limits.unzipped_bytes
    out = []
    for name in names:
        info = z.getinfo(name)
        # zipfile would cut a member off at its declared size (then fail its CRC); read
        # it as if it declared more than the budget (the CRC is still checked at the end
        # of the stream), so what a member really holds is what is counted.
        probe = copy.copy(info)
        probe.file_size = budget + 2
        target = dest / Path(name).name
        got = 0
        with z.open(probe) as src, open(target, "wb") as dst:
            while chunk := src.read(min(_CHUNK, budget + 1 - got)):
                got += len(chunk)
                if got > budget:
                    raise TooBig([_problem(
                        "file", "import.limit.unzipped_lie", file=path.name, member=name,
                        declared=f"{info.file_size:,}", limit=_mb(limits.unzipped_bytes))])
                dst.write(chunk)
        if got != info.file_size:
            raise TooBig([_problem("file", "import.zip_damaged", file=path.name, member=name,
                                   declared=f"{info.file_size:,}", actual=f"{got:,}")])
        budget -= got
        out.append(target)
    return out


def check_count(path: Path, n: int, limits: Limits) -> None:
    """Refuse a file of more than the limit's features (*n* from its header, or read)."""
    if n > limits.features:
        raise TooBig([_problem("file", "import.limit.features", file=path.name, n=f"{n:,}",
                               limit=f"{limits.features:,}")])


def check_vertices(geoms: np.ndarray, rows: np.ndarray, limits: Limits) -> None:
    """Refuse the features with more vertices than the limit: one problem each, naming
    its row (*rows*, the file's numbering) and its vertex count."""
    check_vertex_counts(shapely.get_num_coordinates(geoms), rows, limits)


def geojson_vertices(features: list) -> np.ndarray:
    """The vertices of each GeoJSON feature as parsed JSON (0 where it has none, or is
    not what GeoJSON says a geometry is): counted before GDAL parses the file again."""
    return np.array([_positions(((f.get("geometry") or {}) if isinstance(f, dict) else {})
                                .get("coordinates")) for f in features], dtype=np.int64)


def _positions(c: object) -> int:
    if not isinstance(c, list) or not c:
        return 0
    first = c[0]
    if not isinstance(first, list):
        return 1  # one position
    if not first or not isinstance(first[0], list):
        return len(c)  # a line or ring of positions
    return sum(_positions(part) for part in c)


def check_vertex_counts(counts: np.ndarray, rows: np.ndarray, limits: Limits) -> None:
    """:func:`check_vertices` of counts already made."""
    over = np.flatnonzero(counts > limits.vertices)
    if len(over):
        raise TooBig([_problem("geometry", "import.limit.vertices", row=int(rows[i]),
                               n=f"{int(counts[i]):,}", limit=f"{limits.vertices:,}")
                      for i in over])
