"""The urgent-incident alert: a banner on the wall and the board until an operator
acknowledges it (an event with the actor). Renders only; ``geo.incidents`` decides what
is urgent."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import incidents as inc
from geo.clock import utcnow
from geo.view import View

__all__ = ["banner", "count"]


def count(view: View) -> int:
    """How many alerts the view's places have open (for the KPI strip)."""
    return len(inc.alerts(data.store(), view.filters()))


def banner(view: View, lang: str, *, key: str) -> None:
    """One red banner listing the unacknowledged urgent incidents, each with an
    "acknowledge" button for those who may press it (a wall token may not)."""
    actions.show(state.get("alert_outcome"))  # once: the next refresh clears it
    state.set("alert_outcome", None)
    pending = inc.alerts(data.store(), view.filters())
    if pending.empty:
        return
    actor = state.get("account")
    can_ack = accounts.may(actor, "incident.acknowledge")
    hamlets = data.hamlet_names()
    now = utcnow()
    with st.container(key=f"antt-alert-{key}", border=True):
        st.error(t("alert.banner", lang, n=len(pending)))
        for r in pending.itertuples(index=False):
            line = t("alert.line", lang, id=int(r.id), kind=label("kind", r.kind, lang),
                     severity=label("severity", int(r.severity), lang),
                     place=hamlets.get(r.hamlet_code, "") or "—",
                     minutes=int((now - r.reported_at).total_seconds() // 60))
            if can_ack:
                left, right = st.columns([5, 1])
                left.markdown(line)
                right.button(t("alert.ack", lang, id=int(r.id)), key=f"ack_{key}_{r.id}",
                             type="primary", use_container_width=True, on_click=_ack,
                             args=(int(r.id), int(r.version), lang))
            else:
                st.markdown(line)


def _ack(incident_id: int, version: int, lang: str) -> None:
    state.set("alert_outcome", actions.attempt(
        lambda: inc.acknowledge(data.store(), incident_id, expected_version=version,
                                actor=state.get("account")),
        lang, "status", done=t("alert.acked", lang, id=incident_id)))
