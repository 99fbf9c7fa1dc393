"""CSV for people: what a Vietnamese office opens in Excel. Headers and values in words
(``Loại: Khiếu nại``, not ``kind=complaint``), codes as names (the team's, the site's,
the commune's), every actor by display name, times as Vietnam date-times Excel reads as
dates ("2021-05-23 07:30:00"), decimals with a comma in Vietnamese.

The machine formats (Parquet, GeoJSON, GeoPackage) keep the codes and UTC; a CSV is read
by people, so it says what they would say.
"""

from __future__ import annotations

import pandas as pd

from geo.checks.inert import csv_cell
from geo.clock import series_local_naive, series_utc
from geo.event_text import Names, detail_text, entity_text, number
from geo.i18n import label, message

__all__ = ["people_frame", "people_csv"]

# column → the label group its codes are read with
_LABELLED = {"kind": "kind", "severity": "severity", "status": "status", "source": "source",
             "action": "action", "role": "role", "calendar_kind": "calendar_kind"}
# column → the layer its codes are named from
_PLACE = {"commune_code": "communes", "hamlet_code": "hamlets", "site_code": "sites",
          "target_code": "targets", "last_checkpoint": "checkpoints"}
_PEOPLE = ("actor", "created_by", "updated_by", "sent_by")
_TEAMS = ("team_code",)
# machine detail a person has no use for: snapshots, idempotency keys
_DROPPED = ("before", "after", "request_id", "props")
_DEGREES = ("lon", "lat")
# Excel reads "YYYY-MM-DD HH:MM:SS" as a date-time in any locale; ISO with "T" and an
# offset it keeps as text.
_TIME = "%Y-%m-%d %H:%M:%S"


def _times(col: pd.Series) -> list[str]:
    local = series_local_naive(series_utc(col))
    return ["" if pd.isna(t) else t.strftime(_TIME) for t in local]


def people_frame(frame: pd.DataFrame, names: Names, lang: str = "vi") -> pd.DataFrame:
    """*frame* (incidents, events or the audit log, as the store reads them) in words:
    headers ``csv.<column>``, labels for codes, names for codes, local times."""
    out: dict[str, list] = {}
    cols = [c for c in frame.columns if c not in _DROPPED]
    for col in cols:
        values = frame[col]
        if col == "entity_id" and "entity" in frame.columns:
            continue  # folded into the "entity" column
        if pd.api.types.is_datetime64_any_dtype(values):
            cells = _times(values)
        elif col in _LABELLED:
            cells = ["" if pd.isna(v) else label(_LABELLED[col], v, lang) for v in values]
        elif col in _PLACE:
            cells = ["" if pd.isna(v) else names.place(_PLACE[col], v) for v in values]
        elif col in _PEOPLE:
            cells = ["" if pd.isna(v) else names.person(v) for v in values]
        elif col in _TEAMS:
            cells = ["" if pd.isna(v) else names.team(v) for v in values]
        elif col == "entity":
            cells = [entity_text(e, i, names, lang) for e, i in
                     zip(values, frame["entity_id"], strict=True)]
        elif col == "detail":
            cells = [detail_text(d, names, lang) for d in values]
        elif col in _DEGREES:
            cells = [number(v, lang, 6) for v in values]
        else:
            cells = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else v
                     for v in values]
        out[message(f"csv.{col}", lang)] = cells
    return pd.DataFrame(out)


def people_csv(frame: pd.DataFrame, names: Names, lang: str = "vi") -> bytes:
    """:func:`people_frame` as CSV bytes with a BOM (Excel on Windows reads Vietnamese
    right), every text cell guarded so no text opens as a spreadsheet formula."""
    words = people_frame(frame, names, lang)
    for col in words.columns:
        if words[col].dtype == object or pd.api.types.is_string_dtype(words[col]):
            words[col] = words[col].astype(object).map(csv_cell)
    return words.to_csv(index=False).encode("utf-8-sig")
