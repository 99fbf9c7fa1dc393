"""Incident board: open incidents by severity and age; detail, timeline, legal moves,
dispatch of the nearest free team. Renders only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, alerts, auth, complaint_alerts, data, reports_line, state
from dashboard.i18n import label, t
from geo import accounts, settings
from geo import incidents as inc
from geo.analysis import dispatch
from geo.checks.inert import md_text
from geo.clock import local_text, utcnow
from geo.errors import NotFound
from geo.event_text import detail_text, number

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
SPEED_KMH = settings.get("travel_kmh")


def _label(group: str, code: object) -> str:
    return label(group, code, lang)


def _detail(detail: object) -> str:
    """An event's detail in words: team and place names for codes, notes as typed."""
    return detail_text(detail, data.event_names(), lang)


def _act(incident_id: int, action: str, version: int, team: str | None) -> None:
    """Button callback: apply *action* to the version the user saw; keep the outcome."""
    note = st.session_state.get(f"note_{incident_id}") or None
    outcome = actions.attempt(
        lambda: inc.move(data.store(), incident_id, action, expected_version=version,
                         actor=actor, team_code=team, note=note), lang, "status",
        done=t("board.done", lang, id=incident_id, what=_label("action", action)))
    state.set("board_outcome", (incident_id, *outcome))


def _table(df: pd.DataFrame) -> pd.DataFrame:
    """Incidents as people read them: labels and names, never codes or "None"."""
    now = utcnow()
    hamlets, teams = data.hamlet_names(), data.team_names()
    return pd.DataFrame({
        t("col.id", lang): df["id"],
        t("col.severity", lang): [_label("severity", s) for s in df["severity"]],
        t("col.kind", lang): [_label("kind", k) for k in df["kind"]],
        t("col.status", lang): [_label("status", s) for s in df["status"]],
        t("board.age", lang): [t("board.minutes", lang, m=int((now - r).total_seconds() // 60))
                               for r in df["reported_at"]],
        t("col.hamlet", lang): [hamlets.get(h, "") for h in df["hamlet_code"]],
        t("col.team", lang): [teams.get(c, "") for c in df["team_code"]],
        t("col.description", lang): df["description"].fillna(""),
    })


def _read() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incidents the filters show (most urgent first), and the resolved ones waiting
    to be closed whatever the status filter says (so a resolve never loses sight of one)."""
    shown = inc.triage(data.incidents(view.filters(), limit=None))
    resolved = data.incidents(view.filters(statuses=["resolved"]), limit=None)
    return shown[shown["status"] != "resolved"], inc.triage(resolved)


st.title(t("board.title", lang))
reports_line.show(lang)
shown, resolved = _read()
ids = [int(i) for i in pd.concat([shown["id"], resolved["id"]])]
_outcome = state.get("board_outcome")
if _outcome and _outcome[0] not in ids:  # closed (or out of the filters): say it here
    actions.show(_outcome[1:])


@auth.fragment(run_every=settings.get("refresh_seconds"))
def board() -> None:
    """The lists refresh themselves; the incident picked below and its form stay as they
    are (a new incident reruns the page once, so the picker offers it)."""
    now_shown, now_resolved = _read()
    if (set(now_shown["id"]) | set(now_resolved["id"])) - set(ids):
        st.rerun(scope="app")  # a new incident: the picker must offer it
    alerts.banner(view, lang, key="board")
    complaint_alerts.banner(view, lang, key="board")
    st.caption(t("board.refreshed", lang, s=f"{settings.get('refresh_seconds'):g}",
                 at=local_text(utcnow(), "%H:%M:%S")))
    if now_shown.empty and now_resolved.empty:
        st.info(t("board.empty", lang))
        return
    st.markdown("**" + t("board.open", lang, n=len(now_shown)) + "**")
    st.dataframe(_table(now_shown), hide_index=True, width="stretch",
                 height=min(280, 38 + 35 * len(now_shown)))
    if len(now_resolved):
        st.markdown("**" + t("board.resolved", lang, n=len(now_resolved)) + "**")
        st.dataframe(_table(now_resolved), hide_index=True, width="stretch",
                     height=min(200, 38 + 35 * len(now_resolved)))


board()
if not ids:
    st.stop()
incident_id = st.selectbox(t("board.pick", lang), ids, key="board_pick",
                           format_func=lambda i: f"#{i}")  # most urgent first
if incident_id is None:
    st.stop()
try:
    cur = data.store().get("incident", incident_id)
except NotFound:
    st.stop()

st.subheader(md_text(f"#{cur['id']} · {_label('kind', cur['kind'])} · "
                     f"{_label('severity', cur['severity'])} · {_label('status', cur['status'])}"))
c1, c2 = st.columns([2, 3])
with c1:
    st.text(cur["description"] or "—")  # text, never markup
    who = data.display_names().get(cur["updated_by"], cur["updated_by"])
    st.caption(t("board.version", lang, v=cur["version"], who=who,
                 at=local_text(cur["updated_at"])))
    # Only the moves this account may make: a viewer sees no write widget at all.
    allowed = [a for a in inc.LIFECYCLE.allowed(cur["status"])
               if accounts.may(actor, f"incident.{a}")]
    can_note = accounts.may(actor, "incident.note")
    team = None
    if "dispatch" in allowed or "reassign" in allowed:
        # Only teams this account may send; its own commune's teams first.
        options = dispatch.suggest(cur, accounts.within_scope(data.units(), actor), k=5)
        if options.empty:
            st.warning(t("board.no_team", lang))
        else:
            st.markdown(t("board.nearest", lang, kmh=int(SPEED_KMH)))
            teams = data.team_names()
            labels = {r.code: t("board.team_option", lang, name=teams.get(r.code, r.name),
                                m=number(r.distance_m, lang), eta=f"{r.eta_min:.0f}",
                                status=_label("unit_status", r.status))
                      for r in options.itertuples(index=False)}
            team = st.radio(t("col.team", lang), list(labels), key=f"team_{incident_id}",
                            format_func=labels.get)
    note = st.text_input(t("board.note", lang), key=f"note_{incident_id}") if can_note \
        else None
    buttons = [a for a in allowed if a != "reassign" or team != cur["team_code"]]
    cols = st.columns(max(1, len(buttons) + 1)) if buttons or can_note else []
    # The version is the one on screen when the button was drawn: the callback runs
    # before the page re-reads the incident, so a stale screen is refused, not applied.
    for col, action in zip(cols, buttons, strict=False):
        col.button(_label("action", action), key=f"do_{action}_{incident_id}",
                   disabled=action in ("dispatch", "reassign") and not team,
                   use_container_width=True, on_click=_act,
                   args=(incident_id, action, cur["version"], team))
    if can_note:
        cols[-1].button(t("board.add_note", lang), key=f"do_note_{incident_id}",
                        disabled=not note, on_click=_act,
                        args=(incident_id, "note", cur["version"], None))
    outcome = state.get("board_outcome")
    if outcome and outcome[0] == incident_id:
        actions.show(outcome[1:])
with c2:
    st.markdown(t("board.timeline", lang))
    ev = data.store().events("incident", incident_id)
    names = data.display_names()
    st.dataframe({
        t("ticker.time", lang): [local_text(a) for a in ev["occurred_at"]],
        t("board.who", lang): [names.get(a, a) for a in ev["actor"]],
        t("ticker.what", lang): [_label("action", a) for a in ev["action"]],
        t("board.detail", lang): [_detail(d) for d in ev["detail"]],
    }, hide_index=True, width="stretch")
