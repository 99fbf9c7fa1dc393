"""Field page for hamlet teams on a phone: report an incident, set the polling site's
status, check in at a checkpoint. Big buttons, little typing. Renders only."""

from __future__ import annotations

import folium
import folium.plugins
import streamlit as st
from streamlit_folium import st_folium

from dashboard import data, forms, maps, state
from dashboard.i18n import label, t
from geo import incidents as inc
from geo import sites as site_cmd
from geo import units as unit_cmd
from geo.checks.inert import md_text
from geo.checks.text import fold
from geo.clock import local_text
from geo.errors import AnttError, Invalid, StaleVersion
from geo.sites import SITE_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")


def _l(group: str, code: object) -> str:
    return label(group, code, lang)


def _name(n: str) -> str:
    f = fold(n)
    return n if f == n.lower() else f"{n} · {f}"


def _site_move(code: str, action: str, version: int) -> None:
    """Button callback with the version on screen (a stale screen is refused)."""
    try:
        site_cmd.move(data.store(), code, action, expected_version=version, actor=actor,
                      reason=st.session_state.get("field_reason"))
        state.set("field_outcome", None)
    except StaleVersion as e:
        state.set("field_outcome", t("incident.changed_by", lang, who=e.actor,
                                     at=local_text(e.at)))
    except Invalid as e:
        state.set("field_outcome", " ".join(t("sites.error.reason", lang)
                                            if p.field == "reason" else md_text(p.reason)
                                            for p in e.problems))
    except AnttError as e:
        state.set("field_outcome", md_text(str(e)))


st.title(t("field.title", lang))
layers = data.layers()
if not actor.all_communes:  # a hamlet team works in its own commune
    layers = {k: v[v["code" if k == "communes" else "commune_code"].isin(actor.communes)]
              if k != "checkpoints" else v for k, v in layers.items()}
if view.commune != "*":
    layers = {k: v[v["code" if k == "communes" else "commune_code"] == view.commune]
              if k != "checkpoints" else v for k, v in layers.items()}
task = st.radio(t("field.task", lang), ["report", "site", "checkin"], key="field_task",
                format_func=lambda k: t(f"field.task.{k}", lang), horizontal=True)

if task == "report":
    how = st.radio(t("op.where", lang), ["map", "site", "hamlet"], key="field_where",
                   horizontal=True, format_func=lambda w: t(f"op.where.{w}", lang))
    point, site_code = None, None
    if how == "map":
        st.caption(t("field.map_hint", lang))
        base = maps.base_map(layers, label=_l)
        # icon: a class of ours drawn with a Unicode glyph (Font Awesome is not shipped).
        folium.plugins.LocateControl(auto_start=False, icon="antt-locate", strings={
            "title": t("field.locate", lang)}).add_to(base)
        base.get_root().header.add_child(folium.Element(
            "<style>.antt-locate::before{content:'\\25CE';font:700 20px/30px sans-serif;"
            "display:block;text-align:center}</style>"))
        maps.localize(base)
        value = st_folium(base, key="field_map", returned_objects=["last_clicked"],
                          height=300, use_container_width=True)
        click = (value or {}).get("last_clicked")
        if click:
            point = (float(click["lng"]), float(click["lat"]))
    else:
        layer = layers["sites" if how == "site" else "hamlets"]
        names = data.place_names(layer)
        code = st.selectbox(t(f"op.where.{how}", lang), list(names), index=None,
                            key=f"field_pick_{how}", format_func=lambda c: _name(names[c]),
                            placeholder=t("op.search_hint", lang))
        if code:
            g = layer.loc[layer["code"] == code].geometry.iloc[0]
            p = g if g.geom_type == "Point" else g.representative_point()
            point, site_code = (p.x, p.y), (code if how == "site" else None)
    st.caption(t("op.location", lang) + ": " + (f"{point[1]:.5f}, {point[0]:.5f}" if point
                                                else t("op.no_location", lang)))
    kind = st.selectbox(t("filter.kind", lang), inc.KINDS, index=None, key="field_kind",
                        format_func=lambda k: _l("kind", k), placeholder=t("op.choose", lang))
    severity = st.radio(t("filter.severity", lang), list(inc.SEVERITIES), index=1,
                        key="field_severity", horizontal=True,
                        format_func=lambda s: _l("severity", s))
    description = st.text_input(t("col.description", lang), key="field_description")
    if st.button(t("field.send", lang), type="primary", use_container_width=True,
                 key="field_send"):
        row, problems = forms.save_report(
            point=point, kind=kind, severity=severity, source="hamlet_team",
            description=description, site_code=site_code,
            commune_code=None if view.commune == "*" else view.commune,
            messages={"no_location": t("op.error.no_location", lang),
                      "no_kind": t("op.error.no_kind", lang)})
        if row is not None:
            st.success(t("op.saved", lang, id=row["id"]))
        for msg in problems.values():
            st.error(msg)

elif task == "site":
    sites = data.sites()
    if view.commune != "*":
        sites = sites[sites["commune_code"] == view.commune]
    if actor.role == "field":  # its own polling site only
        sites = sites[sites["code"] == actor.site_code]
    names = data.place_names(sites)
    code = st.selectbox(t("sites.site", lang), list(names), index=0 if len(names) == 1 else None,
                        key="field_site",
                        format_func=lambda c: _name(names[c]),
                        placeholder=t("op.search_hint", lang))
    if code:
        site = data.store().get("site", code)
        st.subheader(md_text(_l("site_status", site["status"])))
        if "suspend" in SITE_LIFECYCLE.allowed(site["status"]):
            st.text_input(t("sites.reason", lang), key="field_reason")
        for action in SITE_LIFECYCLE.allowed(site["status"]):
            st.button(_l("action", action), key=f"field_site_{action}", type="primary",
                      use_container_width=True, on_click=_site_move,
                      args=(code, action, site["version"]))
        if state.get("field_outcome"):
            st.error(state.get("field_outcome"))

else:
    units = data.units()
    if view.commune != "*":
        units = units[units["commune_code"] == view.commune]
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
        if cp and st.button(t("field.checkin", lang), type="primary", use_container_width=True,
                            key="field_checkin"):
            g = cps.loc[cps["code"] == cp].geometry.iloc[0]
            try:
                row = unit_cmd.check_in(data.store(), team, cp, g.x, g.y, actor=actor)
                st.success(t("field.checked_in", lang, at=local_text(row["last_checkin_at"])))
            except AnttError as e:
                st.error(md_text(str(e)))
