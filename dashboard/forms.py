"""Glue shared by the pages that log incidents (the operator's and the hamlet team's):
picking a place from a list, and one save path with its idempotency key."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import streamlit as st

from dashboard import data, state
from dashboard.actions import problem_text
from dashboard.i18n import t
from geo import incidents as inc
from geo.checks.inert import md_text
from geo.checks.text import searchable
from geo.errors import AnttError, Invalid

__all__ = ["pick_place", "show_location", "save_report"]

_LAYER = {"site": "sites", "target": "targets", "hamlet": "hamlets"}


def pick_place(how: str, layers: dict[str, gpd.GeoDataFrame], lang: str, key: str
               ) -> tuple[tuple[float, float] | None, str | None]:
    """A searchable picker of sites, targets or hamlets (*how*); returns the point to log
    the incident at and the picked code (None, None until something is picked)."""
    layer = layers[_LAYER[how]]
    names = data.place_names(layer)
    code = st.selectbox(t(f"op.where.{how}", lang), list(names), index=None, key=key,
                        format_func=lambda c: searchable(names[c]),
                        placeholder=t("op.search_hint", lang))
    if not code:
        return None, None
    geom = layer.loc[layer["code"] == code].geometry.iloc[0]
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return (p.x, p.y), code


def show_location(point: tuple[float, float] | None, lang: str) -> None:
    """Where the incident will be logged, as latitude, longitude (or "not chosen")."""
    st.caption(t("op.location", lang) + ": " + (f"{point[1]:.5f}, {point[0]:.5f}" if point
                                                else t("op.no_location", lang)))


def save_report(*, point: tuple[float, float] | None, kind: str | None, severity: int,
                source: str, description: str, lang: str, site_code: str | None = None,
                target_code: str | None = None, commune_code: str | None = None
                ) -> tuple[dict | None, dict[str, str]]:
    """Log an incident; return (row, {}) or (None, {field: message}).

    The request id is the session's nonce plus the form's content, so the same form
    sent twice (a double click, a retry on a slow line) logs one incident.
    """
    problems = {}
    if point is None:
        problems["lon"] = t("op.error.no_location", lang)
    if kind is None:
        problems["kind"] = t("op.error.no_kind", lang)
    if problems:
        return None, problems
    actor = state.get("account")
    content = f"{state.get('nonce')}|{actor.username}|{kind}|{severity}|{point}|{description}"
    try:
        row = inc.report(data.store(), kind=kind, severity=severity, lon=point[0], lat=point[1],
                         source=source, actor=actor, description=description,
                         site_code=site_code, target_code=target_code,
                         commune_code=commune_code,
                         request_id=hashlib.sha1(content.encode()).hexdigest())
        return row, {}
    except Invalid as e:
        return None, {p.field: problem_text(p, lang) for p in e.problems}
    except AnttError as e:
        return None, {"lon": md_text(str(e))}
