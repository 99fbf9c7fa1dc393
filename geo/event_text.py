"""Events and codes in words, as a Vietnamese reader reads them: who acted by display name,
what an event is about by its name ("Tổ tuần tra số 1 — An Phụ", "Vụ việc #12"), an
event's detail with its keys labelled and its codes named, and numbers in the reader's
format ("8.782 m" in Vietnamese, where "8,782" reads as eight point seven).

Used by the audit page and its CSV, the incident board's timeline and the CSV exports, so
no screen or file shows ``session chihuy``, ``unit 10732-TEAM1`` or raw JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from geo.clock import local_text
from geo.i18n import label, message
from geo.store import Store

__all__ = ["Names", "names_of", "number", "entity_text", "detail_text"]

# The layer or table each kind of code is named from.
_PLACES = ("sites", "hamlets", "communes", "checkpoints", "targets")


@dataclass(frozen=True)
class Names:
    """code → name, by what the code is of; a code not found is shown as it is."""

    people: dict[str, str] = field(default_factory=dict)   # user name → display name
    teams: dict[str, str] = field(default_factory=dict)    # team code → "name — commune"
    places: dict[str, dict[str, str]] = field(default_factory=dict)  # layer → code → name

    def person(self, who: object) -> str:
        """An actor: an account's display name, or a team (a team reports as itself)."""
        key = str(who)
        return self.people.get(key) or self.teams.get(key) or key

    def team(self, code: object) -> str:
        return self.teams.get(str(code), str(code))

    def place(self, layer: str, code: object) -> str:
        return self.places.get(layer, {}).get(str(code), str(code))


def names_of(store: Store) -> Names:
    """Every name an event or an export may need, read once."""
    from geo.accounts import display_names

    places = {}
    for layer in _PLACES:
        frame = store.features(layer)
        places[layer] = dict(zip(frame["code"], frame["name"], strict=True))
    communes = places["communes"]
    units = store.frame("unit")
    teams = {c: f"{n} — {communes.get(cc, cc)}" if cc else n
             for c, n, cc in zip(units["code"], units["name"], units["commune_code"],
                                 strict=True)}
    return Names(people=display_names(store), teams=teams, places=places)


def number(x: float | int | None, lang: str = "vi", digits: int = 0) -> str:
    """*x* with the reader's separators: ``8.782`` and ``1.234,5`` in Vietnamese,
    ``8,782`` and ``1,234.5`` in English; "" for None or NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = f"{x:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def entity_text(entity: str, entity_id: object, names: Names, lang: str = "vi") -> str:
    """What an event is about, in words: "Vụ việc #12", "Tổ: Tổ tuần tra số 1 — An Phụ",
    "Đăng nhập: Chỉ huy trực" (a session event names the account it is of)."""
    what = label("entity", entity, lang)
    if entity == "incident":
        return f"{what} #{entity_id}"
    if entity == "unit":
        name = names.team(entity_id)
    elif entity == "site":
        name = names.place("sites", entity_id)
    elif entity in ("session", "user"):
        name = names.person(entity_id)
    else:
        name = str(entity_id)
    return f"{what}: {name}"


def _value(key: str, value: object, names: Names, lang: str) -> str:
    if key in ("team_code", "previous_team", "unit"):
        return names.team(value)
    if key in ("checkpoint", "last_checkpoint"):
        return names.place("checkpoints", value)
    if key in ("site_code", "site"):
        return names.place("sites", value)
    if key in ("nearest_commune", "commune_code"):
        return names.place("communes", value)
    if key == "incident_id":
        return f"#{value}"
    if key == "distance_m":
        return f"{number(float(value), lang)} m"
    if key.endswith(("_until", "_at")) and isinstance(value, str):
        try:
            return local_text(datetime.fromisoformat(value), "%d/%m/%Y %H:%M:%S")
        except ValueError:
            return value
    if key == "role":
        return label("role", value, lang)
    if isinstance(value, bool):
        return message("yes" if value else "no", lang)
    if isinstance(value, float):
        return number(value, lang, 1 if value != int(value) else 0)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def detail_text(detail: object, names: Names, lang: str = "vi") -> str:
    """An event's detail (JSON text) in words: "Tổ: Tổ tuần tra số 2 — An Phụ · Lý do:
    …"; a note as it was typed; "" for none."""
    if not isinstance(detail, str) or not detail:
        return ""
    try:
        items = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(items, dict):
        return str(items)
    out = []
    # "outside Vietnam / every loaded commune" first: it is why the rest is said
    flags = ("outside_vietnam", "outside_communes")
    items = dict(sorted(items.items(), key=lambda kv: (
        flags.index(kv[0]) if kv[0] in flags else len(flags))))
    for key, value in items.items():
        if value in (None, "", [], False):
            continue
        if key == "note":
            out.append(str(value))
        elif key in flags:
            out.append(message(f"detail.{key}", lang))
        else:
            out.append(f"{message(f'detail.key.{key}', lang)}: "
                       f"{_value(key, value, names, lang)}")
    return " · ".join(out)
