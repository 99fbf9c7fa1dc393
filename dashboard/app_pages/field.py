"""Field page for hamlet teams on a phone: report an incident, set the polling site's
status, check in at a checkpoint. Big buttons (44 px at least: ``theme.phone``), little
typing. A check-in is made where the phone's GPS says it is (``dashboard.gps``), never at
a spot tapped on the map. Renders only."""

from __future__ import annotations

import folium
import folium.plugins
import streamlit as st
from branca.element import MacroElement
from folium.template import Template

from dashboard import actions, data, forms, gps, maps, mapview, state, theme
from dashboard.i18n import label, t
from geo import incidents as inc
from geo import sites as site_cmd
from geo import units as unit_cmd
from geo.analysis.places import commune_labels, outside_communes
from geo.checks.inert import html_text, md_text
from geo.checks.text import searchable
from geo.clock import local_text
from geo.event_text import number
from geo.sites import SITE_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
# What "yes, the same incident" clears: the place and what was typed (widget → value).
CLEAR = {"field_point": None, "field_kind": None, "field_description": "",
         "field_pick_site": None, "field_pick_hamlet": None}


def _l(group: str, code: object) -> str:
    return label(group, code, lang)


def _metres(m: float) -> str:
    return f"{number(m / 1000, lang, 1)} km" if m >= 1000 else f"{number(m, lang)} m"


def _site_move(code: str, action: str, version: int) -> None:
    """Button callback with the version on screen (a stale screen is refused)."""
    state.set("field_confirm_close", None)
    state.set("field_site_outcome", actions.attempt(lambda: site_cmd.move(
        data.store(), code, action, expected_version=version, actor=actor,
        reason=st.session_state.get("field_reason")), lang, "site_status",
        done=actions.moved("site_status", lang)))


class _StayOnCommune(MacroElement):
    """The locate control, when the phone is outside the commune: the map stays on the
    commune and says so (it used to jump to an empty map without a word)."""

    _template = Template("""{% macro script(this, kwargs) %}
    (function () {
      var map = {{ this._parent.get_name() }}, locate = {{ this.locate.get_name() }};
      var home = L.latLngBounds({{ this.bounds|tojson }});
      var note = L.control({position: 'bottomleft'});
      note.onAdd = function () {
        var d = L.DomUtil.create('div', 'antt-outside');
        d.textContent = {{ this.text|tojson }}; d.style.display = 'none'; return d; };
      note.addTo(map);
      var own = locate.setView;
      locate.setView = function () {
        var at = this._event && this._event.latlng;
        var inside = !at || home.pad(0.05).contains(at);
        note.getContainer().style.display = inside ? 'none' : 'block';
        if (inside) return own.apply(this, arguments);
        this._drawMarker();
        this._ignoreEvent = true;
        map.fitBounds(home);
        L.Util.requestAnimFrame(function () { this._ignoreEvent = false; }, this);
      };
    })();
    {% endmacro %}""")

    def __init__(self, locate: folium.plugins.LocateControl,
                 bounds: list[list[float]], text: str) -> None:
        super().__init__()
        self._name = "StayOnCommune"
        self.locate, self.bounds, self.text = locate, bounds, text


def _mine() -> folium.FeatureGroup:
    """The team's own places, drawn over the phone's map: its route's checkpoints
    (numbered in order) and its polling site. Nothing to tap: a tap is a place."""
    group = folium.FeatureGroup(name="mine")
    for cp in _my_checkpoints().itertuples():
        folium.Marker([cp.geometry.y, cp.geometry.x], interactive=False, icon=folium.DivIcon(
            html=f"<div>{int(cp.seq)}</div>", icon_size=(30, 30), icon_anchor=(15, 15),
            class_name="antt-cp")).add_to(group)
    sites = layers["sites"]
    for s in sites[sites["code"] == actor.site_code].itertuples():
        folium.Marker([s.geometry.y, s.geometry.x], interactive=False, icon=folium.DivIcon(
            html="<div>&#9873;</div>", icon_size=(32, 32), icon_anchor=(16, 16),
            class_name="antt-site"),
            tooltip=folium.Tooltip(html_text(f"{t('field.map.site', lang)}: {s.name}"),
                                   permanent=True, direction="auto", offset=(16, 0))
        ).add_to(group)
    return group


def _my_checkpoints():
    """The checkpoints of the team's route (its own team's, for a team account)."""
    cps = layers["checkpoints"]
    units = view.frame(data.units())
    mine = units[units["code"] == (st.session_state.get("field_team") or actor.unit_code)]
    if mine.empty:
        return cps.iloc[0:0]
    return cps[cps["route_code"] == mine["route_code"].iloc[0]].sort_values("seq")


def _phone_view(key: str, hint: str, *, tap: bool) -> tuple[float, float] | None:
    """A map for a phone with the team's checkpoints and polling site (and, when *tap*,
    the spot tapped, kept across reruns: an incident's place; a check-in ignores taps).
    Returns the tapped (lon, lat) or None."""
    st.caption(t(hint, lang))
    # The static map is rendered once per layers, communes and language (both of the
    # page's maps share it); the team's places and the tapped point each run.
    base = mapview.static_map(("field", data.store().path, layers_version,
                               tuple(view.commune_codes), lang), _phone_map)
    groups = [_mine()]
    picked = state.get("field_point") if tap else None
    if picked:
        group = folium.FeatureGroup(name="picked")
        folium.CircleMarker([picked[1], picked[0]], radius=12, color="#c62828", weight=5,
                            fill=False, class_name="antt-picked").add_to(group)
        groups.append(group)
    value = mapview.show(base, groups, key=key,
                         returned_objects=["last_clicked"] if tap else [], height=320)
    if not tap:
        return None
    click = (value or {}).get("last_clicked")
    if click and click != state.get("field_click"):
        state.set("field_click", click)
        state.set("field_point", (float(click["lng"]), float(click["lat"])))
        st.rerun()
    return state.get("field_point")


def _phone_map() -> folium.Map:
    """The phone's static map: the places to find one's way, and nothing that opens a
    popup (every tap is a place); a locate control that keeps to the commune; large
    touch targets."""
    base = maps.base_map({k: v for k, v in layers.items() if k in ("communes", "hamlets",
                                                                     "routes")}, label=_l)
    # icon: a class of ours drawn with a Unicode glyph (Font Awesome is not shipped). A
    # 0 m or missing accuracy must not zoom to infinity: maxZoom bounds it.
    locate = folium.plugins.LocateControl(
        auto_start=False, icon="antt-locate", showPopup=False, drawCircle=True,
        circleStyle={"interactive": False}, markerStyle={"interactive": False},
        locateOptions={"maxZoom": 17, "enableHighAccuracy": True},
        strings={"title": t("field.locate", lang), "popup": "", "outsideMapBoundsMsg": ""})
    locate.add_to(base)
    communes = layers["communes"]
    if not communes.empty:
        w, s, e, n = (float(v) for v in communes.total_bounds)
        names = ", ".join(commune_labels(communes).values())
        _StayOnCommune(locate, [[s, w], [n, e]],
                       t("field.outside_map", lang, commune=names)).add_to(base)
    base.get_root().header.add_child(folium.Element(
        "<style>.antt-locate::before{content:'\\25CE';font:700 20px/30px sans-serif;"
        "display:block;text-align:center}.leaflet-touch .leaflet-bar a{width:44px;"
        "height:44px;line-height:44px}"
        ".antt-cp div{width:26px;height:26px;background:#e65100;color:#fff;border:2px "
        "solid #fff;border-radius:50%;font:700 15px/26px sans-serif;text-align:center;"
        "box-shadow:0 0 3px #000}"
        ".antt-site div{width:28px;height:28px;background:#1565c0;color:#fff;border:2px "
        "solid #fff;border-radius:6px;font:700 18px/28px sans-serif;text-align:center;"
        "box-shadow:0 0 3px #000}"
        ".antt-outside{background:#fff3e0;color:#bf360c;border:2px solid #e65100;"
        "border-radius:6px;padding:6px 10px;font:600 15px/1.3 sans-serif;max-width:300px}"
        "</style>"))
    return base


def _check_in(team: str, checkpoint: str) -> None:
    """Button callback: check in where the phone's GPS says it is now (never a tapped
    spot); a position too far from the checkpoint is refused with the distance (the
    command decides)."""
    here = gps.position(state.get("field_gps"))
    if here is None:
        return
    state.set("field_checkin_outcome", actions.attempt(
        lambda: unit_cmd.check_in(data.store(), team, checkpoint, here[0], here[1],
                                  actor=actor), lang, "unit_status",
        done=lambda row: t("field.checked_in", lang, at=local_text(row["last_checkin_at"]))))


def _show_gps(fix: gps.Fix | None) -> None:
    """The phone's GPS position, or why there is none."""
    if fix is None:
        st.info(t("field.gps.waiting", lang))
    elif "error" in fix:
        st.warning(t("field.gps.denied" if fix["error"] == "denied" else
                     "field.gps.unavailable", lang))
    else:
        st.caption(t("field.gps.here", lang, lat=f"{fix['lat']:.5f}", lon=f"{fix['lon']:.5f}",
                     acc=f"{float(fix.get('accuracy') or 0):.0f}"))


theme.phone()
st.title(t("field.title", lang))
# Who is reporting, on the page itself (a phone hides the sidebar).
st.caption(t("field.signed_in", lang, name=actor.display_name,
             role=label("role", actor.role, lang)))
with st.container(key="field_gps_box"):
    fix = gps.watch("field_gps")
layers_version = data.store().layers_version()  # before the layers: mapview.desk_base
layers = view.layers(data.layers())  # a hamlet team works in its own commune
here = gps.position(fix)
away = outside_communes(data.store(), here[0], here[1], view.commune_codes) if here else None
if away:  # far from the commune: say so (the map stays on the commune)
    st.warning(t("field.outside_commune", lang, commune=md_text(away[0]),
                 distance=_metres(away[1])))
task = st.radio(t("field.task", lang), ["report", "site", "checkin"], key="field_task",
                format_func=lambda k: t(f"field.task.{k}", lang), horizontal=True)

if task == "report":
    forms.form_key()  # in the URL before anything is sent: a reconnect brings it back
    how = st.radio(t("op.where", lang), ["map", "site", "hamlet"], key="field_where",
                   horizontal=True, format_func=lambda w: t(f"op.where.{w}", lang))
    point, site_code = None, None
    if how == "map":
        point = _phone_view("field_map", "field.map_hint", tap=True)
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
        allowed = SITE_LIFECYCLE.allowed(site["status"])
        if "suspend" in allowed:
            st.text_input(t("sites.reason", lang), key="field_reason")
        actions.buttons([a for a in allowed if a != "close"], key="field_site_{action}",
                        lang=lang, on_click=_site_move, stacked=True,
                        args=lambda a: (code, a, site["version"]))
        if "close" in allowed:  # for good: apart from the others, and asked twice
            with st.container(key="field_close_zone"):
                st.caption(t("field.close.section", lang))
                if state.get("field_confirm_close") == code:
                    st.warning(t("field.close.warning", lang, site=md_text(names[code])))
                    st.button(t("field.close.confirm", lang), type="primary",
                              use_container_width=True, key="field_close_confirm",
                              on_click=_site_move, args=(code, "close", site["version"]))
                    st.button(t("field.close.cancel", lang), use_container_width=True,
                              key="field_close_cancel", on_click=state.set,
                              args=("field_confirm_close", None))
                else:
                    st.button(t("field.close.ask", lang), use_container_width=True,
                              key="field_site_close", on_click=state.set,
                              args=("field_confirm_close", code))
        actions.show(state.get("field_site_outcome"))

else:
    units = view.frame(data.units())
    if actor.role == "field":  # checks in for its own team only
        units = units[units["code"] == actor.unit_code]
    teams = data.place_names(units)
    team = st.selectbox(t("col.team", lang), list(teams), index=0 if len(teams) == 1 else None,
                        key="field_team",
                        format_func=teams.get, placeholder=t("op.choose", lang))
    if team:
        cps = _my_checkpoints()
        names = dict(zip(cps["code"], cps["name"], strict=True))
        cp = st.radio(t("teams.checkpoint", lang), list(names), key="field_cp",
                      format_func=lambda c: md_text(names[c]))  # options are markdown
        _phone_view("field_checkin_map", "field.checkin_hint", tap=False)
        st.caption(t("field.gps.only", lang))
        _show_gps(fix)
        if cp and here:
            far, limit = unit_cmd.checkin_reach(data.store(), cp, here[0], here[1])
            (st.caption if far <= limit else st.warning)(t(
                "field.checkin.reach", lang, checkpoint=md_text(names[cp]),
                m=number(far, lang), limit=f"{limit:g}"))
        if cp:
            st.button(t("field.checkin", lang), type="primary", use_container_width=True,
                      key="field_checkin", disabled=here is None, on_click=_check_in,
                      args=(team, cp))
        actions.show(state.get("field_checkin_outcome"))
