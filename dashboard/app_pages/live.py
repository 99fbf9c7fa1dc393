"""Live page: KPI strip, the map (static layers + live layers), the ticker. Renders only.

The live part is a fragment that reruns every ``ANTT_CHANGE_CHECK_SECONDS`` (1 s): it
asks the event log for its last event number (one tiny query) and reads and redraws
only when that moved, the filters changed, or ``ANTT_REFRESH_SECONDS`` passed (the
KPIs count "today"). Otherwise it shows the last snapshot again, with the map's live
layers as already rendered, which costs next to nothing. The map itself is never
remounted, so a commander's pan and zoom stay where they are.
"""

from __future__ import annotations

import streamlit as st

from dashboard import (
    alerts,
    auth,
    calendar_strip,
    complaint_alerts,
    data,
    guard,
    maps,
    mapview,
    state,
)
from dashboard.i18n import label, t
from geo import settings
from geo.analysis import metrics
from geo.checks.inert import md_text
from geo.clock import local_midnight_utc, local_text, utcnow
from geo.errors import StoreBusy
from geo.incidents import OPEN, SEVERITIES

lang = state.get("lang")
view = state.get("view")


def _label(group: str, code: object) -> str:
    return label(group, code, lang)


layers = data.layers()
if layers["communes"].empty:
    st.info(t("live.no_layers", lang))
    st.stop()
layers = view.layers(layers)
names = ", ".join(layers["communes"]["name"]) if view.one_commune else \
    t("filter.all_communes", lang)
# The hamlets the view is narrowed to (chosen in the sidebar or on the map) are named.
hamlet_names = layers["hamlets"].set_index("code")["name"].reindex(view.hamlets).dropna()
if len(hamlet_names):
    names += " · " + ", ".join(hamlet_names)
st.title(f"{t('live.title', lang)} — {md_text(names)}")
kpi_box = st.container()
# The wall's ticker needs room for a line per event in large type.
map_col, side_col = st.columns([3, 1]) if not view.wall else st.columns([5, 4])


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    m, s = divmod(int(round(seconds)), 60)
    return t("duration.min_sec", lang, m=m, s=f"{s:02d}")


def _clicked_hamlet(value: dict | None) -> str | None:
    """The hamlet the user just clicked on the map, once per click (the component keeps
    returning its last click; the click position tells a new click from an old one)."""
    value = value or {}
    click = value.get("last_clicked")
    if not click or click == state.get("map_click"):
        return None
    state.set("map_click", click)
    drawing = value.get("last_active_drawing") or {}
    code = (drawing.get("properties") or {}).get("code")
    return code if code in set(layers["hamlets"]["code"]) else None


def _mark() -> tuple:
    """What the snapshot depends on besides the clock: the last event, the layers'
    version, the filters and the language."""
    s = data.store()
    return (s.path, s.last_event()[0], s.layers_version(), repr(view.filters()), lang,
            view.wall)


def _read_if_changed() -> dict:
    """The last snapshot while nothing moved (and it is younger than the refresh
    interval), else a fresh one, numbered: the session's *reads* so far."""
    mark = _mark()
    last = state.get("live_last")
    if last is not None and last.get("mark") == mark and (
            utcnow() - last["at"]).total_seconds() < settings.get("refresh_seconds"):
        return last
    return {**_read(), "mark": mark, "reads": (last or {}).get("reads", 0) + 1}


def _read() -> dict:
    """Everything the live part shows, read in one go (kept to show while the database
    is busy)."""
    everything = {"kinds": [], "severities": [], "statuses": []}  # the KPIs count them all
    units = view.frame(data.units())
    open_now = data.incidents(view.filters(**{**everything, "statuses": list(OPEN)},
                                           since=None), limit=None)
    return {
        "sites": view.frame(data.sites()), "units": units,
        "shown": data.incidents(view.filters(), limit=None),
        "today": data.incidents(view.filters(**everything, since=local_midnight_utc()),
                                limit=None),
        "open_now": open_now,
        # Under a hamlet filter, only the events of the teams in those hamlets.
        "ticker": data.latest_events(12, view.filters(statuses=[]), teams=view.teams(
            units, layers["hamlets"], open_now["id"])),
        "names": data.display_names(),
        "places": {**data.place_names(layers["sites"]), **data.place_names(layers["targets"])},
        "alerts": alerts.pending(view),
        "calendar": data.calendar(view.commune_codes),
        "complaints": complaint_alerts.read(view),
        "at": utcnow(),
    }


@auth.fragment(run_every=settings.get("change_check_seconds"))
def live() -> None:
    try:
        if auth.current() is None:  # logged out elsewhere, or a revoked wall token
            st.rerun(scope="app")
    except StoreBusy:
        pass  # cannot be checked while the file is held: the busy notice follows
    snap = guard.or_last(_read_if_changed, "live_last", lang)
    if snap is None:
        return
    sites, units, shown = snap["sites"], snap["units"], snap["shown"]
    k = metrics.kpis(snap["open_now"], snap["today"], sites, units)
    with kpi_box:
        alerts.banner(view, lang, key="live", alerts=snap["alerts"], compact=view.wall)
        strip = calendar_strip.line(snap["calendar"], snap["at"], lang, snap["places"],
                                    wall=view.wall)
        if not view.wall:
            calendar_strip.show(strip)
        if not view.wall:
            complaint_alerts.banner(view, lang, key="live", rows=snap["complaints"])
        cols = st.columns(8)
        cols[0].metric(t("kpi.open_incidents", lang), k["open_total"])
        sev = " · ".join(f"{_label('severity', s)} {k['open_by_severity'][s]}"
                         for s in sorted(SEVERITIES, reverse=True))
        cols[0].caption(sev)
        cols[1].metric(t("kpi.sites_voting", lang), k["sites_by_status"].get("voting", 0))
        cols[1].caption(" · ".join(f"{_label('site_status', s)} {n}"
                                   for s, n in sorted(k["sites_by_status"].items())))
        cols[2].metric(t("kpi.sites_suspended", lang), k["sites_by_status"].get("suspended", 0))
        units_by = k["units_by_status"]
        cols[3].metric(t("kpi.teams_available", lang), k["units_free"])
        cols[4].metric(t("kpi.teams_responding", lang), units_by.get("responding", 0))
        cols[5].metric(t("kpi.to_dispatch", lang), _duration(k["median_to_dispatch_s"]))
        cols[6].metric(t("kpi.to_scene", lang), _duration(k["median_to_scene_s"]))
        cols[5].caption(t("kpi.median_today", lang))
        cols[6].caption(t("kpi.median_today", lang))
        n_alerts = len(snap["alerts"])
        with cols[7].container(key=f"antt-kpi-alerts-{'on' if n_alerts else 'off'}"):
            st.metric(t("kpi.alerts", lang), n_alerts)
        if view.wall:  # under the alerts' KPI: a line of the strip's row, no height of its own
            with cols[7]:
                complaint_alerts.banner(view, lang, key="live", rows=snap["complaints"],
                                        compact=True)
        # The snapshot's number is on the page (the class st-key-antt-live-read-N): the
        # browser tests wait for it to move, never for a time.
        with st.container(key=f"antt-live-read-{snap['reads']}"):
            updated = t("kpi.updated", lang, at=local_text(snap["at"], "%H:%M:%S"))
            if view.wall:  # one line for both: the map keeps its height
                calendar_strip.show(strip, prefix=updated + " · ")
            else:
                st.caption(updated)
    with map_col:
        tile_url = settings.get("tile_url")
        # The layers' version as the snapshot read it: while the file is held, the
        # map is drawn from the last state without asking the database again.
        path, layers_version = snap["mark"][0], snap["mark"][2]
        base = mapview.static_map(
            ("live", path, layers_version, tuple(view.commune_codes), lang, view.wall,
             tile_url),
            lambda: maps.base_map(layers, label=_label, tile_url=tile_url, dark=view.wall,
                                  legend=True))
        if snap.get("live") is None:  # rendered once per snapshot, not once per check
            groups = maps.live_groups(sites, shown, units, label=_label, wall=view.wall,
                                      alerting=snap["alerts"]["id"].astype(int).tolist())
            groups.append(complaint_alerts.map_group(snap["complaints"], lang, view.wall))
            # On the wall no one is there to switch layers.
            snap["live"] = mapview.groups_script(base, groups, layer_control=not view.wall)
        # On the wall the map fills the height the page leaves it (dashboard.theme).
        value = mapview.show(base, key="live_map", live=snap["live"],
                             returned_objects=["last_active_drawing", "last_clicked"],
                             height=720 if view.wall else 680)
    hamlet = _clicked_hamlet(value)
    if hamlet and not view.wall and hamlet not in view.hamlets:
        state.set("map_hamlet", hamlet)
        st.rerun(scope="app")
    with side_col:
        st.subheader(t("ticker.title", lang))
        # Lines of markdown, not a table: st.dataframe's 1.2 MB of script (Glide Data
        # Grid, Arrow) held the first paint of the desk's live page back.
        _ticker(snap["ticker"], snap["names"], _severities(
            snap["shown"], snap["today"], snap["open_now"]), wall=view.wall)


def _event_text(e, names: dict[str, str], short: bool = False) -> str:
    """One ticker line: what changed, and who did it if that is not the thing itself.
    *short*: the wall's line, with the kind's short name."""
    if e.entity == "incident":
        what = f"#{e.entity_id} {_label('kind_short' if short else 'kind', e.name)}"
    else:
        what = e.name
    who = "" if e.actor in (e.entity_id, e.name) else f" ({names.get(e.actor, e.actor)})"
    return f"{what} · {_label('action', e.action)}{who}"


def _severities(*frames) -> dict[str, int]:
    """Incident id (as the event log writes it) → severity, from the frames at hand."""
    out: dict[str, int] = {}
    for f in frames:
        out.update(zip(f["id"].astype(str), f["severity"].astype(int), strict=True))
    return out


def _ticker(ev, names: dict[str, str], severity: dict[str, int], wall: bool) -> None:
    """The ticker: one line per event, newest first. On the wall, light on dark in type
    read from 5 m (``dashboard.theme`` styles it), an incident's line in its severity's
    colour, the kind's short name; at a desk, the time to the second in a column of the
    map's height. Markdown through md_text, never HTML."""
    with st.container(key="antt-ticker", height="content" if wall else 640,
                      border=False):
        for n, e in enumerate(ev.itertuples(index=False)):
            sev = severity.get(str(e.entity_id), 0) if e.entity == "incident" else 0
            at = local_text(e.occurred_at, "%H:%M" if wall else "%H:%M:%S")
            with st.container(key=f"antt-tick-s{sev}-{n}"):
                st.markdown(f"**{md_text(at)}** "
                            f"{md_text(_event_text(e, names, short=wall))}")


live()
