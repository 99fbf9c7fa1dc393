"""Team board: status, last check-in or position, assignment; late or missed checkpoints."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import units as unit_cmd
from geo.analysis.patrols import checkpoint_status
from geo.checks.inert import md_text
from geo.clock import local_text
from geo.errors import AnttError, IllegalMove, StaleVersion
from geo.store import utcnow
from geo.units import UNIT_ACTIONS, UNIT_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
can_write = accounts.may(actor, "unit.status")

def _act(code: str, action: str, version: int) -> None:
    """Button callback: the version is the one on screen (see the incident board)."""
    try:
        unit_cmd.set_status(data.store(), code, action, expected_version=version, actor=actor)
        state.set("teams_outcome", None)
    except StaleVersion as e:
        state.set("teams_outcome", (code, t("incident.changed_by", lang, who=e.actor,
                                            at=local_text(e.at))))
    except (IllegalMove, AnttError) as e:
        state.set("teams_outcome", (code, md_text(str(e))))


st.title(t("teams.title", lang))
units = data.units()
if view.commune != "*":
    units = units[units["commune_code"] == view.commune]
units = units.reset_index(drop=True)
if units.empty:
    st.info(t("teams.empty", lang))
    st.stop()
layers = data.layers()
cps = checkpoint_status(layers["checkpoints"], layers["routes"], data.checkins(), utcnow())
flagged = cps[cps["state"] != "ok"].groupby("team").size()
table = pd.DataFrame({
    t("col.team", lang): list(data.place_names(units).values()),
    t("col.status", lang): [label("unit_status", s, lang) for s in units["status"]],
    t("teams.size", lang): units["size"],
    t("teams.assignment", lang): [f"#{int(i)}" if pd.notna(i) else "" for i in
                                  units["incident_id"]],
    t("teams.last_checkin", lang): [f"{c or ''} {local_text(a)}".strip() for c, a in
                                    zip(units["last_checkpoint"], units["last_checkin_at"],
                                        strict=True)],
    t("teams.last_position", lang): [local_text(a) for a in units["position_at"]],
    t("teams.flags", lang): [int(flagged.get(c, 0)) for c in units["code"]],
})
st.dataframe(table, hide_index=True, width="stretch")
names = data.place_names(units)
code = st.selectbox(t("teams.pick", lang), list(names), index=None, key="teams_pick",
                    format_func=names.get, placeholder=t("op.choose", lang))
if code:
    unit = data.store().get("unit", code)
    st.subheader(md_text(f"{unit['name']} · {label('unit_status', unit['status'], lang)}"))
    moves = [a for a in UNIT_LIFECYCLE.allowed(unit["status"])
             if a in UNIT_ACTIONS and can_write]  # viewers: no buttons
    cols = st.columns(max(1, len(moves)))
    for col, action in zip(cols, moves, strict=False):
        col.button(label("action", action, lang), key=f"unit_{action}_{unit['code']}",
                   use_container_width=True, on_click=_act,
                   args=(unit["code"], action, unit["version"]))
    outcome = state.get("teams_outcome")
    if outcome and outcome[0] == unit["code"]:
        st.warning(outcome[1])
    mine = cps[cps["team"] == unit["code"]]
else:
    st.caption(t("teams.pick", lang))
    mine = cps[cps["team"].isin(units["code"])]
st.markdown(t("teams.checkpoints", lang))
st.dataframe({
    t("teams.checkpoint", lang): mine["name"],
    t("col.team", lang): mine["team"],
    t("teams.last_checkin", lang): [local_text(a) for a in mine["last_checkin"]],
    t("teams.state", lang): [t(f"teams.state.{s}", lang) for s in mine["state"]],
}, hide_index=True, width="stretch")
