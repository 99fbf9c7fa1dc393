"""Team board: status, last check-in or position, assignment; late or missed checkpoints."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
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
        "unit_status")
    state.set("teams_outcome", (code, *outcome) if outcome else None)


st.title(t("teams.title", lang))
units = view.frame(data.units())
if units.empty:
    st.info(t("teams.empty", lang))
    st.stop()
layers = view.layers(data.layers())
now = utcnow()
# Today so far: the same evaluator as the review, over the duty day up to now.
cps = checkpoint_report(layers["checkpoints"], layers["routes"], data.checkins(),
                        (local_midnight_utc(now), now))
flagged = cps[cps["state"] != "ok"].groupby("team").size()
names = data.place_names(units)
table = pd.DataFrame({
    t("col.team", lang): list(names.values()),
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
