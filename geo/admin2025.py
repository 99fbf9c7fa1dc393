"""Vietnam's two-level administrative units of 1 July 2025 (34 provinces, 3,321 communes,
no districts) as reference data: find a unit by code or by name, label it, say which 2025
unit a commune of a boundary file is, or which one a 2021-era commune is now part of.

Everything here is read from ``data/admin-2025/`` (its README says where each file comes
from) and loaded once:

* ``communes-2025.json``: the units, their names with the type ("Phường Bắc An Phụ") and
  codes, under their province;
* ``crosswalk-2025.csv``: 2021-era communes and the 2025 unit each is now part of, with
  the reorganisation resolution that says so (only rows a source supports);
* ``unit-types.csv``: unit types as files write them ("Thịtrấn", "Tp") and as they are
  spelt ("Thị trấn", "Thành phố").

Logic only: no SQL, no Streamlit.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo import DATA_DIR
from geo.checks.text import fold, nfc

__all__ = ["ADMIN_2025_DIR", "Unit", "PartOf", "units", "provinces", "by_code", "find",
           "match", "province_of", "spelling", "type_spelling", "type_words", "bare",
           "part_of", "crosswalk", "identify", "annotate_communes", "FIELDS", "note", "describe",
           "is_2025_set"]

ADMIN_2025_DIR = DATA_DIR / "admin-2025"
LIST_FILE = "communes-2025.json"
CROSSWALK_FILE = "crosswalk-2025.csv"
TYPES_FILE = "unit-types.csv"
# The commune attributes the importer fills from this module (``geo.layer_schemas``).
FIELDS = ("unit_2025", "part_of_2025", "label_2025", "source_2025")


@dataclass(frozen=True)
class Unit:
    """A commune-level unit of the 2025 list."""

    code: str  # as the list gives it (8 digits; not the 5-digit official code)
    name: str  # with its type: "Phường Bắc An Phụ"
    type: str  # "Phường", "Xã" or "Đặc khu"
    province: str  # spelt out: "Thành phố Hải Phòng" (the list writes "Tp Hải Phòng")
    province_code: str  # the list's matinhBNV: "04"

    @property
    def bare(self) -> str:
        """The name without its type: "Bắc An Phụ"."""
        return self.name[len(self.type):].strip()

    @property
    def label(self) -> str:
        """"Phường Bắc An Phụ, Thành phố Hải Phòng"."""
        return f"{self.name}, {self.province}"


@dataclass(frozen=True)
class PartOf:
    """A 2021-era commune and the 2025 unit it is now part of (a crosswalk row)."""

    old: str  # "An Phụ (Thị xã Kinh Môn, Tỉnh Hải Dương)"
    unit: Unit
    source: str  # the resolution: "1669/NQ-UBTVQH15"


# ---- the files ---------------------------------------------------------------------------
@cache
def _types() -> tuple[tuple[str, str, str], ...]:
    """(written, proper, level) rows of unit-types.csv."""
    with open(ADMIN_2025_DIR / TYPES_FILE, encoding="utf-8", newline="") as f:
        return tuple((nfc(r["written"]).strip(), nfc(r["proper"]).strip(), r["level"].strip())
                     for r in csv.DictReader(f))


def type_spelling(written: object, level: str = "commune") -> object:
    """A unit type as Vietnamese spells it: "Thịtrấn" and "Thị Trấn" → "Thị trấn",
    "Trungtâmhuấnluyện" → "Trung tâm huấn luyện" (``unit-types.csv``). A type the file
    does not list keeps its words, with every word after the first in lower case (a
    type is a common noun). Anything not a string passes as it is."""
    if not isinstance(written, str) or not written.strip():
        return written
    text = nfc(written).strip()
    for w, proper, lvl in _types():
        if lvl == level and w == text:
            return proper
    first, *rest = text.split()
    return " ".join([first, *(r.lower() for r in rest)])


def type_words(level: str) -> tuple[str, ...]:
    """The folded type words of *level* ("commune", "district", "province"), longest
    first: what :func:`bare` takes off the front of a name."""
    words = {fold(w) for row in _types() if row[2] == level for w in row[:2]}
    return tuple(sorted(words, key=len, reverse=True))


def bare(name: object, level: str = "commune") -> str:
    """The folded name without a type word in front: "Tp Hải Phòng" → "hai phong",
    "Xã Nam An Phụ" → "nam an phu"."""
    key = fold(str(name)) if isinstance(name, str) else ""
    for w in type_words(level):
        if key.startswith(w + " ") and len(key) > len(w) + 1:
            return key[len(w) + 1:]
    return key


def _province_name(written: str) -> str:
    """The province as spelt out: the list's "Tp Hải Phòng" → "Thành phố Hải Phòng"."""
    text = nfc(written).strip()
    for w, proper, lvl in sorted(_types(), key=lambda r: -len(r[0])):
        if lvl == "province" and text.startswith(w + " ") and w != proper:
            return proper + text[len(w):]
    return text


@cache
def units() -> tuple[Unit, ...]:
    """Every unit of the 2025 list, in the list's order."""
    with open(ADMIN_2025_DIR / LIST_FILE, encoding="utf-8") as f:
        doc = json.load(f)
    kinds = sorted({p for w, p, lvl in _types() if lvl == "commune"}, key=len, reverse=True)
    out = []
    for p in doc:
        province = _province_name(p["tentinhmoi"])
        for u in p["phuongxa"]:
            name = nfc(str(u["tenphuongxa"])).strip()
            kind = next((k for k in kinds if name.startswith(k + " ")), name.split()[0])
            out.append(Unit(str(u["maphuongxa"]).strip(), name, kind, province,
                            str(p["matinhBNV"])))
    return tuple(out)


def provinces() -> tuple[str, ...]:
    """The 34 provinces and centrally run cities, spelt out, in the list's order."""
    return tuple(dict.fromkeys(u.province for u in units()))


@cache
def _index() -> dict[str, dict]:
    by_code, exact, folded, squashed = {}, {}, {}, {}
    for u in units():
        by_code[u.code] = u
        for name in (u.name, u.bare):
            exact.setdefault(_exact(name), []).append(u)
            folded.setdefault(fold(name), []).append(u)
        squashed.setdefault(_squash(u.bare), set()).add(u.bare)
    prov = {}
    for p in provinces():
        prov.setdefault(bare(p, "province"), p)
    prov_squashed = {}
    for p in provinces():
        name = _without_type(p, "province")
        prov_squashed.setdefault(_squash(name), set()).add(name)
    return {"code": by_code, "exact": exact, "fold": folded, "squash": squashed,
            "province": prov, "province_squash": prov_squashed}


def _without_type(text: str, level: str) -> str:
    """*text* without the type word it starts with, as written: "Thành phố Huế" → "Huế"."""
    for w in sorted({p for _, p, lvl in _types() if lvl == level}, key=len, reverse=True):
        if text.startswith(w + " "):
            return text[len(w) + 1:]
    return text


# Where a tone mark sits on "oa", "oe", "uy" at the end of a word varies ("Hòa", "Hoà"):
# the old placement is moved to the second vowel before names are compared.
_GLIDE = re.compile(r"([ou])([\u0300\u0301\u0303\u0309\u0323])([aey])(?=\W|$)")


def _exact(text: str) -> str:
    """A name compared as written, but for case, spacing and where a tone mark sits."""
    nfd = unicodedata.normalize("NFD", " ".join(nfc(text).casefold().split()))
    return nfc(_GLIDE.sub(r"\1\3\2", nfd))


def _plain(text: str) -> bool:
    """True when *text* is written without accents (and without đ)."""
    return fold(text) == " ".join(text.casefold().split())


def _squash(text: str) -> str:
    """A name's letters, without spaces, in one case: "KrôngANa" and "Krông Ana" alike."""
    return "".join(nfc(text).split()).casefold()


# ---- lookups -----------------------------------------------------------------------------
def by_code(code: object) -> Unit | None:
    """The unit with this code of the list ("10709069"), or None."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return None
    text = str(code).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a code read as a number
        text = text[:-2]
    return _index()["code"].get(text)


def province_of(text: object) -> str | None:
    """The 2025 province *text* names, spelt out ("Hải Phòng", "TP. Hải Phòng", "thanh
    pho hai phong" → "Thành phố Hải Phòng"), or None when it names none of the 34."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = bare(text.replace(".", " "), "province")
    return _index()["province"].get(key)


def find(name: object, province: object = None) -> list[Unit]:
    """The units a name may mean: with or without its type word ("Xã Nam An Phụ", "Nam An
    Phụ", even "Phường Nam An Phụ" for what is a xã), in any case. A name written without
    accents matches without them ("nam an phu"); a name written with accents must have
    the unit's ("An Phụ" is not "An Phú"), wherever the tone mark sits ("Hòa" or "Hoà").
    *province*, when given, keeps the units of that province."""
    if not isinstance(name, str) or not name.strip():
        return []
    ix = _index()

    def look(text: str) -> list[Unit]:
        return ix["fold"].get(fold(text), []) if _plain(text) else \
            ix["exact"].get(_exact(text), [])

    found = look(name)
    if not found:  # the wrong type word, or "Thị trấn …" for what is now a xã
        words = nfc(name).split()
        drop = len(fold(name).split()) - len(bare(name).split())
        if drop:
            found = look(" ".join(words[drop:]))
    found = list(dict.fromkeys(found))
    if province is not None and str(province).strip():
        where = province_of(str(province))
        found = [u for u in found if u.province == where]
    return found


def match(name: object, province: object = None) -> Unit | None:
    """The one unit :func:`find` gives, or None when it gives none or several."""
    found = find(name, province)
    return found[0] if len(found) == 1 else None


def spelling(squashed: object, level: str = "commune") -> str | None:
    """The 2025 list's spelling of a name whose letters match once spaces are removed
    ("KrôngANa" → "Krông Ana", a commune's name without its type; at ``level="province"``
    "HồChíMinh" → "Hồ Chí Minh"), or None when no unit (or several spelt differently)
    matches."""
    if not isinstance(squashed, str) or not squashed.strip():
        return None
    table = _index()["squash" if level == "commune" else "province_squash"]
    spelt = table.get(_squash(squashed), set())
    return next(iter(spelt)) if len(spelt) == 1 else None


# ---- the crosswalk ---------------------------------------------------------------------
@cache
def crosswalk() -> tuple[PartOf, ...]:
    """The crosswalk rows, each with its 2025 unit (a row whose code is not in the list
    is an error in the data file, raised here)."""
    out = []
    with open(ADMIN_2025_DIR / CROSSWALK_FILE, encoding="utf-8", newline="") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            unit = by_code(r["code_2025"])
            if unit is None or fold(unit.name) != fold(r["name_2025"]):
                raise ValueError(f"{CROSSWALK_FILE} line {i}: {r['code_2025']} "
                                 f"{r['name_2025']!r} is not a unit of {LIST_FILE}")
            old = f"{nfc(r['old_name']).strip()} ({nfc(r['old_district']).strip()}, " \
                  f"{nfc(r['old_province']).strip()})"
            out.append(PartOf(old, unit, r["source"].strip()))
    return tuple(out)


@cache
def _crosswalk_keys() -> dict[tuple[str, str, str], PartOf]:
    out = {}
    with open(ADMIN_2025_DIR / CROSSWALK_FILE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r, row in zip(rows, crosswalk(), strict=True):
        out[(bare(r["old_name"]), bare(r["old_district"], "district"),
             bare(r["old_province"], "province"))] = row
    return out


def part_of(name: object, district: object = None, province: object = None
            ) -> PartOf | None:
    """The 2025 unit a 2021-era commune is now part of, when the crosswalk knows it:
    by name, district and province ("An Phụ", "Kinh Môn", "Hải Dương", with or without
    type words and accents). Without a district, the name and province must be enough
    to tell."""
    if not isinstance(name, str) or not _given(province):
        return None
    keys = _crosswalk_keys()
    n, p = bare(name), bare(str(province), "province")
    if _given(district):
        return keys.get((n, bare(str(district), "district"), p))
    found = [v for (kn, _, kp), v in keys.items() if (kn, kp) == (n, p)]
    return found[0] if len(found) == 1 else None


# ---- communes of a boundary file ---------------------------------------------------------
def _given(v: object) -> bool:
    return isinstance(v, str) and bool(v.strip())


def is_2025_set(admin_set: object, district: object) -> bool | None:
    """Whether a commune belongs to the 2025 units: True for an ``admin_set`` that starts
    with 2025, False for one that does not or for a commune with a district (abolished
    in 2025), None when the file does not say."""
    if _given(admin_set):
        return str(admin_set).strip().startswith("2025")
    return False if _given(district) else None


def identify(code: object, name: object, district: object = None, province: object = None,
             admin_set: object = None) -> tuple[Unit | None, PartOf | None]:
    """What the 2025 list says of a commune of a boundary file: ``(unit, None)`` when it is
    a 2025 unit (its code is one of the list, or it is of the 2025 set and its name and
    province are a unit's); ``(None, part)`` when it is a 2021-era commune the crosswalk
    places in a 2025 unit; ``(None, None)`` otherwise."""
    unit = by_code(code)
    era = is_2025_set(admin_set, district)
    if unit is None and era is not False and province_of(province):
        unit = match(name, province)
    if unit is not None:
        return unit, None
    return None, (part_of(name, district, province) if era is not True else None)


def annotate_communes(rows: object) -> object:
    """A communes frame (code, name, district, province, admin_set) with the 2025 fields
    (:data:`FIELDS`) filled: ``unit_2025`` the code of the 2025 unit a commune is,
    ``part_of_2025`` the one a 2021-era commune is now part of, ``label_2025`` that unit's
    label and ``source_2025`` the resolution that says so. Whatever the file gave in
    those columns is replaced: they are derived from the reference data. Fills *rows* in
    place and returns it."""
    out = rows
    cols: dict[str, list] = {f: [] for f in FIELDS}
    given = [out[c] if c in out.columns else [None] * len(out)
             for c in ("district", "province", "admin_set")]
    for code, name, district, province, admin_set in zip(out["code"], out["name"], *given,
                                                          strict=True):
        unit, part = identify(code, name, district, province, admin_set)
        cols["unit_2025"].append(unit.code if unit else None)
        cols["part_of_2025"].append(part.unit.code if part else None)
        cols["label_2025"].append(unit.label if unit else part.unit.label if part else None)
        cols["source_2025"].append(part.source if part else None)
    for f, values in cols.items():
        out[f] = values
    return out


def note(row: object) -> tuple[str, dict[str, str]] | None:
    """What to say of a stored commune (a row with the :data:`FIELDS`), as a catalogue key
    and its parameters: ``("admin2025.part_of", {"unit": "Phường Trần Liễu, Thành phố Hải
    Phòng", "source": "1669/NQ-UBTVQH15"})``, ``("admin2025.is", {"unit": …})``, or None."""
    def get(key: str) -> object:
        return row.get(key) if hasattr(row, "get") else getattr(row, key, None)

    label = get("label_2025")
    if not _given(label):
        return None
    if _given(get("part_of_2025")):
        return "admin2025.part_of", {"unit": str(label), "source": str(get("source_2025"))}
    return "admin2025.is", {"unit": str(label)}


def describe(row: object, lang: str = "vi") -> str | None:
    """:func:`note` in *lang*: "nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị
    quyết 1669/NQ-UBTVQH15)"; None when there is nothing to say."""
    from geo.i18n import message

    said = note(row)
    return message(said[0], lang, **said[1]) if said else None


def data_files() -> tuple[Path, ...]:
    """The reference files this module reads (for a check that they ship)."""
    return tuple(ADMIN_2025_DIR / f for f in (LIST_FILE, CROSSWALK_FILE, TYPES_FILE))
