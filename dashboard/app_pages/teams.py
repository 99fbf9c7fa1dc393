"""Team board: status, last check-in or position, assignment; late or missed checkpoints."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, auth, data, state
from dashboard.i18n import label, t
from geo import accounts, settings
from geo import units as unit_cmd
from geo.analysis.patrols import checkpoint_report
from geo.checks.inert import md_text
from geo.clock import local_midnight_utc, local_text, utcnow
from geo.units import UNIT_ACTIONS, UNIT_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
can_write = accounts.may(actor, "unit.status")


def _act(code: str, action: str, version: int) -> None:
    """Button callback: the version is the one on screen (see the incident board)."""
    outcome = actions.attempt(lambda: unit_cmd.set_status(
        data.store(), code, action, expected_version=version, actor=actor), lang,
        "unit_status", done=actions.moved("unit_status", lang))
    state.set("teams_outcome", (code, *outcome) if outcome else None)


def _units() -> pd.DataFrame:
    """The teams shown."""
    return view.frame(data.units())


def _checkpoints() -> pd.DataFrame:
    """The checkpoints today so far: the same evaluator as the review, over the duty day
    up to now."""
    layers = view.layers(data.layers())
    now = utcnow()
    return checkpoint_report(layers["checkpoints"], layers["routes"], data.checkins(),
                             (local_midnight_utc(now), now))


st.title(t("teams.title", lang))
units = _units()
if units.empty:
    st.info(t("teams.empty", lang))
    st.stop()
names = data.place_names(units)


def _last_checkin(checkpoint: object, at: object, cp_names: dict) -> str:
    """"Checkpoint time", or "" for a team not checked in yet (DuckDB's NULL text comes
    back as NaN, which is truthy)."""
    if pd.isna(checkpoint):
        return local_text(at)
    return f"{cp_names.get(checkpoint, checkpoint)} {local_text(at)}".strip()


@auth.fragment(run_every=settings.get("refresh_seconds"))
def table() -> None:
    """The board refreshes itself; the team picked below stays picked."""
    now_units, now_cps = _units(), _checkpoints()
    flagged = now_cps[now_cps["state"] != "ok"].groupby("team").size()
    cp_names = dict(zip(now_cps["checkpoint"], now_cps["name"], strict=True))
    st.dataframe(pd.DataFrame({
        t("col.team", lang): [names.get(c, c) for c in now_units["code"]],
        t("col.status", lang): [label("unit_status", s, lang) for s in now_units["status"]],
        t("teams.size", lang): now_units["size"].astype("Int64").astype(str).replace(
            "<NA>", ""),
        t("teams.assignment", lang): [f"#{int(i)}" if pd.notna(i) else "" for i in
                                      now_units["incident_id"]],
        t("teams.last_checkin", lang): [_last_checkin(c, a, cp_names) for c, a in
                                        zip(now_units["last_checkpoint"],
                                            now_units["last_checkin_at"], strict=True)],
        t("teams.last_position", lang): [local_text(a) for a in now_units["position_at"]],
        t("teams.flags", lang): [int(flagged.get(c, 0)) for c in now_units["code"]],
    }), hide_index=True, width="stretch")


@auth.fragment(run_every=settings.get("refresh_seconds"))
def checkpoints(team: str | None) -> None:
    """Today's checkpoints of *team* (None: of every team shown), refreshed like the board;
    the team picked stays picked (a rerun of the fragment keeps its argument)."""
    cps = _checkpoints()
    mine = cps[cps["team"] == team] if team else cps[cps["team"].isin(_units()["code"])]
    st.markdown(t("teams.checkpoints", lang))
    st.dataframe({
        t("teams.checkpoint", lang): mine["name"],
        t("col.team", lang): ["" if pd.isna(c) else names.get(c, c) for c in mine["team"]],
        t("teams.last_checkin", lang): [local_text(a) for a in mine["last_checkin"]],
        t("teams.state", lang): [t(f"teams.state.{s}", lang) for s in mine["state"]],
    }, hide_index=True, width="stretch")


table()
code = st.selectbox(t("teams.pick", lang), list(names), index=None, key="teams_pick",
                    format_func=names.get, placeholder=t("op.choose", lang))
if code:
    unit = data.store().get("unit", code)
    st.subheader(md_text(f"{unit['name']} · {label('unit_status', unit['status'], lang)}"))
    moves = [a for a in UNIT_LIFECYCLE.allowed(unit["status"])
             if a in UNIT_ACTIONS and can_write]  # viewers: no buttons
    actions.buttons(moves, key=f"unit_{{action}}_{unit['code']}", lang=lang, on_click=_act,
                    args=lambda a: (unit["code"], a, unit["version"]))
    outcome = state.get("teams_outcome")
    if outcome and outcome[0] == unit["code"]:
        actions.show(outcome[1:])
else:
    st.caption(t("teams.pick", lang))
checkpoints(code)
