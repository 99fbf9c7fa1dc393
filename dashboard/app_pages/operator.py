"""Operator page: log an incident in under 30 seconds. Renders only; geo decides."""

from __future__ import annotations

import folium
import streamlit as st

from dashboard import data, forms, mapview, state
from dashboard.i18n import label, t
from geo import incidents as inc
from geo import settings
from geo.mapclick import new_click

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
# What a saved report and "yes, the same incident" clear for the next call: the place and
# what was chosen and typed (widget → value).
CLEAR = {"op_point": None, "op_kind": None, "op_description": "", "op_pick_site": None,
         "op_pick_target": None, "op_pick_hamlet": None,
         "op_severity": list(inc.SEVERITIES)[1], "op_source": inc.SOURCES[0]}


def _label(group: str, code: object) -> str:
    return label(group, code, lang)


st.title(t("op.title", lang))
forms.form_key()  # in the URL before anything is sent: a reconnect brings it back
if state.get("op_clear"):  # the last run saved a report: an empty form for the next call
    forms.clear_form(CLEAR)
    state.set("op_clear", False)
layers_version = data.store().layers_version()  # before the layers: see mapview.desk_base
layers = view.layers(data.layers())

left, right = st.columns([3, 2])
with right:
    how = st.radio(t("op.where", lang), ["map", "site", "target", "hamlet"], key="op_where",
                   horizontal=True, format_func=lambda w: t(f"op.where.{w}", lang))
    point, site_code, target_code = state.get("op_point"), None, None
    if how != "map":
        point, code = forms.pick_place(how, layers, lang, key=f"op_pick_{how}")
        site_code = code if how == "site" else None
        target_code = code if how == "target" else None
    sent: forms.Sent | None = state.get("op_sent")
    errors = sent.problems if sent else {}
    with st.form("report", clear_on_submit=False, border=True):
        forms.show_location(point, lang)
        if "lon" in errors:
            st.error(errors["lon"])
        kind = st.selectbox(t("filter.kind", lang), inc.KINDS, index=None, key="op_kind",
                            format_func=lambda k: _label("kind", k),
                            placeholder=t("op.choose", lang))
        if "kind" in errors:
            st.error(errors["kind"])
        severity = st.radio(t("filter.severity", lang), list(inc.SEVERITIES), index=1,
                            key="op_severity", horizontal=True,
                            format_func=lambda s: _label("severity", s))
        source = st.radio(t("col.source", lang), inc.SOURCES, key="op_source", horizontal=True,
                          format_func=lambda s: _label("source", s))
        description = st.text_area(t("col.description", lang), key="op_description",
                                   height=90)
        if "description" in errors:
            st.error(errors["description"])
        saved = st.form_submit_button(t("op.save", lang), type="primary",
                                      use_container_width=True)
    if saved:
        sent = forms.send_report(
            dict(point=point, kind=kind, severity=severity, source=source,
                 description=description, site_code=site_code, target_code=target_code,
                 commune_code=view.one_commune), lang, scope=view.commune_codes)
        state.set("op_sent", sent)
        if sent.outcome in ("saved", "again"):
            state.set("op_clear", True)
        st.rerun()  # the outcome, and any refusal by its field, drawn with the form
    forms.show_sent("op_sent", lang, clear=CLEAR)

with left:
    # The static map is rendered once (its hotspots take no clicks: a click anywhere picks
    # the place); only the picked point is drawn each run.
    base = mapview.desk_base(layers, label=_label, version=layers_version,
                             communes=view.commune_codes, lang=lang,
                             tile_url=settings.get("tile_url"), picking=True)
    picked = []
    if how == "map" and point:
        group = folium.FeatureGroup(name="picked")
        folium.CircleMarker([point[1], point[0]], radius=10, color="#c62828", weight=4,
                            fill=False).add_to(group)
        picked = [group]
    # A click on a layer that opens a popup (a hotspot) or on a marker never reaches the
    # map's own click: the component reports it as the last object clicked instead.
    value = mapview.show(base, picked, key="op_map",
                         returned_objects=["last_clicked", "last_object_clicked"], height=560)
    click = new_click(value, state.get("op_click"))
    if how == "map" and click is not None:
        state.set("op_click", click.seen)
        state.set("op_point", click.point)
        st.rerun()
    st.caption(t("op.map_hint", lang))
