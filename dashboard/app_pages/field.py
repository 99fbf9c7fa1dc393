"""Field page for hamlet teams on a phone: report an incident, set the polling site's
status, check in at a checkpoint. Big buttons, little typing. Renders only."""

from __future__ import annotations

import folium
import folium.plugins
import streamlit as st

from dashboard import actions, data, forms, maps, mapview, state
from dashboard.i18n import label, t
from geo import incidents as inc
from geo import sites as site_cmd
from geo import units as unit_cmd
from geo.checks.inert import md_text
from geo.checks.text import searchable
from geo.clock import local_text
from geo.sites import SITE_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
# What "yes, the same incident" clears: the place and what was typed (widget → value).
CLEAR = {"field_point": None, "field_kind": None, "field_description": "",
         "field_pick_site": None, "field_pick_hamlet": None}


def _l(group: str, code: object) -> str:
    return label(group, code, lang)


def _site_move(code: str, action: str, version: int) -> None:
    """Button callback with the version on screen (a stale screen is refused)."""
    state.set("field_outcome", actions.attempt(lambda: site_cmd.move(
        data.store(), code, action, expected_version=version, actor=actor,
        reason=st.session_state.get("field_reason")), lang, "site_status",
        done=actions.moved("site_status", lang)))


def _where_am_i(key: str, hint: str) -> tuple[float, float] | None:
    """A map for a phone: tap where you are (your own blue dot too: it lets taps through),
    and the point is marked. Returns the tapped (lon, lat), kept across reruns."""
    st.caption(t(hint, lang))
    # The static map is rendered once per layers, communes and language (both of the
    # page's maps share it); only the tapped point is drawn each run.
    base = mapview.static_map(("field", data.store().path, layers_version,
                               tuple(view.commune_codes), lang), _phone_map)
    picked = state.get("field_point")
    marker = []
    if picked:
        group = folium.FeatureGroup(name="picked")
        folium.CircleMarker([picked[1], picked[0]], radius=12, color="#c62828", weight=5,
                            fill=False, class_name="antt-picked").add_to(group)
        marker = [group]
    value = mapview.show(base, marker, key=key, returned_objects=["last_clicked"],
                         height=320)
    click = (value or {}).get("last_clicked")
    if click and click != state.get("field_click"):
        state.set("field_click", click)
        state.set("field_point", (float(click["lng"]), float(click["lat"])))
        st.rerun()
    return state.get("field_point")


def _phone_map() -> folium.Map:
    """The phone's static map: the places to find one's way, and nothing that opens a
    popup (every tap is a place); a locate control; large touch targets."""
    base = maps.base_map({k: v for k, v in layers.items() if k in ("communes", "hamlets",
                                                                     "routes")}, label=_l)
    # icon: a class of ours drawn with a Unicode glyph (Font Awesome is not shipped). A
    # 0 m or missing accuracy must not zoom to infinity: maxZoom bounds it.
    folium.plugins.LocateControl(
        auto_start=False, icon="antt-locate", showPopup=False, drawCircle=True,
        circleStyle={"interactive": False}, markerStyle={"interactive": False},
        locateOptions={"maxZoom": 17, "enableHighAccuracy": True},
        strings={"title": t("field.locate", lang), "popup": "",
                 "outsideMapBoundsMsg": t("field.outside_map", lang)}).add_to(base)
    base.get_root().header.add_child(folium.Element(
        "<style>.antt-locate::before{content:'\\25CE';font:700 20px/30px sans-serif;"
        "display:block;text-align:center}.leaflet-touch .leaflet-bar a{width:44px;"
        "height:44px;line-height:44px}</style>"))
    return base


def _check_in(team: str, checkpoint: str, point: tuple[float, float]) -> None:
    """Button callback: check in where the phone is; a position too far from the
    checkpoint is refused with the distance (the command decides)."""
    state.set("field_outcome", actions.attempt(
        lambda: unit_cmd.check_in(data.store(), team, checkpoint, point[0], point[1],
                                  actor=actor), lang, "unit_status",
        done=lambda row: t("field.checked_in", lang, at=local_text(row["last_checkin_at"]))))


st.title(t("field.title", lang))
# Who is reporting, on the page itself (a phone hides the sidebar).
st.caption(t("field.signed_in", lang, name=actor.display_name,
             role=label("role", actor.role, lang)))
layers_version = data.store().layers_version()  # before the layers: mapview.desk_base
layers = view.layers(data.layers())  # a hamlet team works in its own commune
task = st.radio(t("field.task", lang), ["report", "site", "checkin"], key="field_task",
                format_func=lambda k: t(f"field.task.{k}", lang), horizontal=True)

if task == "report":
    forms.form_key()  # in the URL before anything is sent: a reconnect brings it back
    how = st.radio(t("op.where", lang), ["map", "site", "hamlet"], key="field_where",
                   horizontal=True, format_func=lambda w: t(f"op.where.{w}", lang))
    point, site_code = None, None
    if how == "map":
        point = _where_am_i("field_map", "field.map_hint")
    else:
        point, code = forms.pick_place(how, layers, lang, key=f"field_pick_{how}")
        site_code = code if how == "site" else None
    forms.show_location(point, lang)
    kind = st.selectbox(t("filter.kind", lang), inc.KINDS, index=None, key="field_kind",
                        format_func=lambda k: _l("kind", k), placeholder=t("op.choose", lang))
    severity = st.radio(t("filter.severity", lang), list(inc.SEVERITIES), index=1,
                        key="field_severity", horizontal=True,
                        format_func=lambda s: _l("severity", s))
    description = st.text_input(t("col.description", lang), key="field_description")
    if st.button(t("field.send", lang), type="primary", use_container_width=True,
                 key="field_send"):
        state.set("field_sent", forms.send_report(
            dict(point=point, kind=kind, severity=severity, source="hamlet_team",
                 description=description, site_code=site_code, target_code=None,
                 commune_code=view.one_commune), lang, scope=view.commune_codes))
    forms.show_sent("field_sent", lang, clear=CLEAR, problems=True)

elif task == "site":
    sites = view.frame(data.sites())
    if actor.role == "field":  # its own polling site only
        sites = sites[sites["code"] == actor.site_code]
    names = data.place_names(sites)
    code = st.selectbox(t("sites.site", lang), list(names), index=0 if len(names) == 1 else None,
                        key="field_site",
                        format_func=lambda c: searchable(names[c]),
                        placeholder=t("op.search_hint", lang))
    if code:
        site = data.store().get("site", code)
        st.subheader(md_text(_l("site_status", site["status"])))
        if "suspend" in SITE_LIFECYCLE.allowed(site["status"]):
            st.text_input(t("sites.reason", lang), key="field_reason")
        actions.buttons(SITE_LIFECYCLE.allowed(site["status"]), key="field_site_{action}",
                        lang=lang, on_click=_site_move, stacked=True,
                        args=lambda a: (code, a, site["version"]))
        actions.show(state.get("field_outcome"))

else:
    units = view.frame(data.units())
    if actor.role == "field":  # checks in for its own team only
        units = units[units["code"] == actor.unit_code]
    teams = data.place_names(units)
    team = st.selectbox(t("col.team", lang), list(teams), index=0 if len(teams) == 1 else None,
                        key="field_team",
                        format_func=teams.get, placeholder=t("op.choose", lang))
    if team:
        route = units.loc[units["code"] == team, "route_code"].iloc[0]
        cps = layers["checkpoints"]
        cps = cps[cps["route_code"] == route].sort_values("seq")
        names = dict(zip(cps["code"], cps["name"], strict=True))
        cp = st.radio(t("teams.checkpoint", lang), list(names), key="field_cp",
                      format_func=lambda c: md_text(names[c]))  # options are markdown
        here = _where_am_i("field_checkin_map", "field.checkin_hint") if cp else None
        forms.show_location(here, lang)
        if cp:
            st.button(t("field.checkin", lang), type="primary", use_container_width=True,
                      key="field_checkin", disabled=here is None, on_click=_check_in,
                      args=(team, cp, here))
        actions.show(state.get("field_outcome"))
