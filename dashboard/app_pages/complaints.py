"""Complaints register (Khiếu nại, tố cáo): receive a complaint, the register with each
row's deadline and state (overdue in red), move a complaint along. Renders only:
``geo.complaints`` decides."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import complaints as cp
from geo.checks.inert import md_text
from geo.clock import local_text, local_to_utc, to_local_naive, utcnow
from geo.errors import Invalid

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
can_receive = accounts.may(actor, "complaint.receive")
store = data.store()
commune_names = dict(zip(data.layers()["communes"]["code"], data.layers()["communes"]["name"],
                         strict=True))

st.title(t("complaint.title", lang))


def _problems(e: Invalid) -> None:
    actions.show(("error", " ".join(actions.problem_text(p, lang) for p in e.problems[:20])))


def _receive_form() -> None:
    choices = [c for c in commune_names if accounts.Account.in_scope(actor, c)
               and (not view.commune_codes or c in view.commune_codes)]
    # Only the hamlets and teams of those communes (a form cannot follow its own commune).
    hamlets = data.layers()["hamlets"]
    hamlets = hamlets[hamlets["commune_code"].isin(choices)]
    units = data.units()
    units = units[units["commune_code"].isin(choices)]
    with st.expander(t("complaint.receive", lang), expanded=False):
        with st.form("complaint_form", clear_on_submit=True):
            a, b = st.columns(2)
            a.selectbox(t("complaint.col.kind", lang), cp.KINDS, key="cp_kind",
                        format_func=lambda k: label("complaint.kind", k, lang))
            b.selectbox(t("complaint.col.matter", lang), cp.MATTERS, key="cp_matter",
                        format_func=lambda k: label("complaint.matter", k, lang))
            a.selectbox(t("complaint.col.channel", lang), cp.CHANNELS, key="cp_channel",
                        format_func=lambda k: label("complaint.channel", k, lang))
            b.selectbox(t("complaint.col.from_whom", lang), cp.FROM_WHOM, key="cp_from",
                        format_func=lambda k: label("complaint.from", k, lang),
                        help=t("complaint.from_help", lang))
            a.selectbox(t("complaint.col.commune", lang), choices, key="cp_commune",
                        format_func=lambda c: commune_names.get(c, c))
            b.selectbox(t("complaint.col.hamlet", lang), list(hamlets["code"]), index=None,
                        key="cp_hamlet", format_func=dict(zip(hamlets["code"],
                                                              hamlets["name"], strict=True)).get)
            a.text_input(t("complaint.col.place", lang), key="cp_place")
            b.selectbox(t("complaint.col.handler", lang), list(units["code"]), index=None,
                        key="cp_unit", format_func=data.team_names().get)
            now = to_local_naive(utcnow())
            a.date_input(t("complaint.received_day", lang), value=now.date(), key="cp_day")
            b.time_input(t("complaint.received_time", lang), value=now.time().replace(
                second=0, microsecond=0), key="cp_time")
            st.text_area(t("complaint.col.summary", lang), key="cp_summary",
                         help=t("complaint.summary_help", lang))
            sent = st.form_submit_button(t("complaint.receive_button", lang), type="primary")
    if sent:
        ss = st.session_state
        try:
            row = cp.receive(store, kind=ss["cp_kind"], matter=ss["cp_matter"],
                             channel=ss["cp_channel"], from_whom=ss["cp_from"],
                             commune_code=ss["cp_commune"], hamlet_code=ss["cp_hamlet"],
                             place=ss["cp_place"], summary=ss["cp_summary"],
                             handler_unit=ss["cp_unit"], actor=actor,
                             received_at=local_to_utc(datetime.combine(ss["cp_day"],
                                                                       ss["cp_time"])))
            state.set("complaint_outcome", ("ok", t("complaint.received_ok", lang,
                                                    id=row["id"])))
        except Invalid as e:
            state.set("complaint_outcome", ("error", " ".join(
                actions.problem_text(p, lang) for p in e.problems[:20])))
        except accounts.Forbidden as e:
            state.set("complaint_outcome", ("error", md_text(str(e))))
    actions.show(state.get("complaint_outcome"))


if can_receive:
    _receive_form()

try:
    reg = cp.register(store, view.commune_codes)
except Invalid as e:  # a replaced rules file that does not pass: say which row, field
    st.error(t("complaint.rules_bad", lang))
    _problems(e)
    st.stop()

if reg.empty:
    st.info(t("complaint.empty", lang))
    st.stop()


def _table(reg: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        t("complaint.col.id", lang): reg["id"].astype(int),
        t("complaint.col.received_at", lang): [local_text(a, "%d/%m/%Y %H:%M")
                                               for a in reg["received_at"]],
        t("complaint.col.kind", lang): [label("complaint.kind", k, lang) for k in reg["kind"]],
        t("complaint.col.matter", lang): [label("complaint.matter", k, lang)
                                          for k in reg["matter"]],
        t("complaint.col.from_whom", lang): [label("complaint.from", k, lang)
                                             for k in reg["from_whom"]],
        t("complaint.col.summary", lang): [md_text(s) for s in reg["summary"]],
        t("complaint.col.status", lang): [label("complaint.status", s, lang)
                                          for s in reg["status"]],
        t("complaint.col.due", lang): [local_text(d, "%d/%m/%Y %H:%M") for d in reg["due"]],
        t("complaint.col.state", lang): [label("complaint.state", s, lang)
                                         for s in reg["state"]],
        t("complaint.col.basis", lang): [b or "" for b in reg["legal_basis"]],
        t("complaint.col.why", lang): [_why(r, lang) for r in reg.itertuples(index=False)],
    })


def _why(r, lang: str) -> str:
    """Why a row has no deadline (which start has not happened), or that it came late."""
    out = []
    if r.no_due in cp.START_EVENTS or r.no_due in ("not_accepted", "no_rule"):
        out.append(t(f"complaint.no_due.{r.no_due}", lang))
    if r.filed_late:
        out.append(t("complaint.filed_late", lang))
    return "; ".join(out)


overdue = reg["state"].eq("overdue").to_numpy()
st.dataframe(_table(reg).style.apply(
    lambda row: ["color: #d32f2f; font-weight: bold" if overdue[row.name] else ""
                 for _ in row], axis=1), hide_index=True, width="stretch", key="cp_table")
st.caption(t("complaint.count", lang, n=len(reg), overdue=int(overdue.sum())))

if not can_receive:
    st.stop()
pick = st.selectbox(t("complaint.pick", lang), list(reg["id"].astype(int)), index=None,
                    key="cp_pick", format_func=lambda i: f"#{i}")
if pick is None:
    st.stop()
row = store.get("complaint", int(pick))
st.subheader(md_text(f"#{row['id']} · {label('complaint.status', row['status'], lang)}"))
allowed = [a for a in cp.LIFECYCLE.allowed(row["status"])
           if accounts.may(actor, f"complaint.{a}")]
if "forward" in allowed:
    st.text_input(t("complaint.body", lang), key=f"cp_body_{row['id']}")
if allowed:
    st.text_input(t("complaint.note", lang), key=f"cp_note_{row['id']}")


def _act(complaint_id: int, action: str, version: int) -> None:
    """Button callback: the version is the one on screen (a stale one is refused)."""
    outcome = actions.attempt(lambda: cp.move(
        store, complaint_id, action, expected_version=version, actor=actor,
        body=st.session_state.get(f"cp_body_{complaint_id}"),
        note=st.session_state.get(f"cp_note_{complaint_id}")),
        lang, "complaint.status",
        done=lambda r: t("complaint.moved", lang, id=r["id"],
                         status=label("complaint.status", r["status"], lang)))
    state.set("complaint_move_outcome", (complaint_id, *outcome) if outcome else None)


actions.buttons(allowed, key=f"cp_{{action}}_{row['id']}", lang=lang, on_click=_act,
                args=lambda a: (row["id"], a, row["version"]))
outcome = state.get("complaint_move_outcome")
if outcome and outcome[0] == row["id"]:
    actions.show(outcome[1:])
