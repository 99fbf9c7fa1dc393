"""Complaints on the board, the wall and the live map: overdue and due-soon complaints in a
banner until someone acknowledges them (an event with the actor, like the incident alert),
and a marker for each open complaint that has a place. Renders only: ``geo.complaints``
decides what is overdue."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import complaints as cp
from geo.checks.inert import html_text
from geo.clock import local_text
from geo.errors import Invalid
from geo.view import View

__all__ = ["read", "banner", "map_group", "LINES"]

LINES = 8  # complaints listed in the board's banner; the rest are counted
_COLOUR = {"overdue": "#c62828", "due_soon": "#ef6c00"}
_CSS = """<style>
[class*="st-key-antt-complaint-overdue-"] [data-testid="stAlertContainer"] {
    background: #c62828 !important; }
[class*="st-key-antt-complaint-overdue-"] [data-testid="stAlertContainer"] * {
    color: #ffffff !important; font-weight: 700; }
[class*="st-key-antt-complaint-overdue-"] [data-testid="stCaptionContainer"] p {
    color: #ff6e6e !important; font-weight: 700; }
</style>"""


def read(view: View) -> pd.DataFrame:
    """The open complaints of the view's communes with their deadlines (empty when the
    rules file does not pass: the complaints page says why)."""
    try:
        reg = cp.register(data.store(), view.commune_codes)
    except Invalid:
        return pd.DataFrame()
    return reg[reg["status"].isin(cp.OPEN)].reset_index(drop=True)


def banner(view: View, lang: str, *, key: str, rows: pd.DataFrame | None = None,
           compact: bool = False) -> None:
    """A banner of the complaints overdue or due soon and not yet acknowledged, each with
    an "acknowledge" button for those who may (a wall shows one line, no buttons)."""
    actions.show(state.get("complaint_alert_outcome"))
    state.set("complaint_alert_outcome", None)
    rows = rows if rows is not None else read(view)
    pending = cp.pending_alerts(rows) if len(rows) else rows
    if pending.empty:
        return
    overdue = pending[pending["state"] == "overdue"]
    can_ack = accounts.may(state.get("account"), "complaint.acknowledge") and not compact
    box = "antt-complaint-overdue" if len(overdue) else "antt-complaint-due-soon"
    st.markdown(_CSS, unsafe_allow_html=True)
    with st.container(key=f"{box}-{key}", border=not compact):
        head = t("complaint.alert_head", lang, overdue=len(overdue),
                 soon=len(pending) - len(overdue))
        if compact:
            # The wall: the counts, a caption under the alerts' KPI (a row the KPIs' own
            # captions already take: the map keeps its height); the map marks where.
            soon = len(pending) - len(overdue)
            st.caption(t("complaint.wall_overdue", lang, n=len(overdue))
                       + (t("complaint.wall_soon", lang, n=soon) if soon else ""))
            return
        (st.error if len(overdue) else st.warning)(head)
        for r in pending.head(LINES).itertuples(index=False):
            if can_ack:
                left, right = st.columns([5, 1])
                left.markdown(_line(r, lang))
                right.button(t("complaint.ack", lang, id=int(r.id)),
                             key=f"cp_ack_{key}_{r.id}", use_container_width=True,
                             on_click=_ack, args=(int(r.id), int(r.version), lang))
            else:
                st.markdown(_line(r, lang))
        if not compact and len(pending) > LINES:
            st.markdown(t("alert.more", lang, n=len(pending) - LINES))


def _line(r, lang: str) -> str:
    """One complaint's line: its number, kind, matter, state and deadline."""
    return t("complaint.alert_line", lang, id=int(r.id),
             kind=label("complaint.kind", r.kind, lang),
             matter=label("complaint.matter", r.matter, lang),
             state=label("complaint.state", r.state, lang),
             due=local_text(r.due, "%d/%m %H:%M"))


def _ack(complaint_id: int, version: int, lang: str) -> None:
    state.set("complaint_alert_outcome", actions.attempt(
        lambda: cp.acknowledge(data.store(), complaint_id, expected_version=version,
                               actor=state.get("account")),
        lang, "complaint.status", done=t("complaint.acked", lang, id=complaint_id)))


def map_group(rows: pd.DataFrame, lang: str, wall: bool = False) -> folium.FeatureGroup:
    """A marker for each open complaint with a place (its point, else its hamlet): red
    when overdue, orange when due soon."""
    group = folium.FeatureGroup(name=t("complaint.layer", lang))
    if rows.empty:
        return group
    size = 30 if wall else 22
    for r in cp.placed(rows, data.layers()["hamlets"]).itertuples(index=False):
        colour, css = _COLOUR.get(r.state, "#1565c0"), html_text(r.state)
        tip = " — ".join([f"#{int(r.id)} {label('complaint.kind', r.kind, lang)}",
                          label("complaint.matter", r.matter, lang),
                          label("complaint.state", r.state, lang),
                          *([r.place] if isinstance(r.place, str) and r.place else [])])
        folium.Marker([float(r.lat), float(r.lon)], icon=folium.DivIcon(
            html=f'<div class="antt-complaint antt-complaint-{css}" '
                 f'style="background:{colour};color:#fff;border:2px solid #fff;'
                 f'border-radius:4px;font:700 {size // 2}px sans-serif;width:{size}px;'
                 f'height:{size}px;line-height:{size - 4}px;text-align:center">KN</div>',
            icon_size=(size, size), icon_anchor=(size // 2, size // 2)),
            tooltip=html_text(tip)).add_to(group)
    return group
