"""Reports sent upward (báo cáo cấp trên): what is due next, what is late (red), what was
sent (who, when, the kept file), and one button per due report that makes it for its period
and marks it sent. Renders only (``geo.upward`` decides)."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts, upward
from geo.analysis.places import commune_labels
from geo.checks.inert import md_text
from geo.clock import local_text
from geo.errors import AnttError, Invalid

lang = state.get("lang")
actor = state.get("account")
store = data.store()
SHOWN = 60  # late or upcoming reports listed at most; the rest are counted


def _when(at: object) -> str:
    return local_text(at, "%H:%M %d/%m/%Y")


def _send(key: str) -> None:
    """Button callback: make the report of *key* for its period and mark it sent."""
    fmt = st.session_state.get("reports_fmt", "pdf")
    outcome = actions.attempt(
        lambda: upward.send(store, upward.find_occurrence(key, store=store), actor=actor, lang=lang,
                            fmt=fmt)[0], lang, "status",
        done=lambda row: t("reports.sent_ok", lang, file=row["file_name"]))
    state.set("reports_outcome", (key, *outcome) if outcome else None)


st.title(t("reports.title", lang))
try:
    due = upward.due_reports(store, actor)
except Invalid as e:
    st.error(t("reports.bad_schedule", lang))
    for p in e.problems[:20]:
        st.error(md_text(str(p)))
    st.stop()
except AnttError as e:
    st.error(md_text(str(e)))
    st.stop()

chosen = state.get("view").filters().commune_codes  # the sidebar's commune, if one
if chosen:
    due = [d for d in due if d.occurrence.commune_code in chosen]
communes = commune_labels(data.layers()["communes"])
may_send = accounts.may(actor, "reports.send")
outcome = state.get("reports_outcome")
if outcome:
    actions.show(outcome[1:])
late = [d for d in due if d.state == "late"]
coming = [d for d in due if d.state in ("upcoming", "due_soon")]
sent = [d for d in due if d.sent is not None]
c1, c2, c3 = st.columns(3)
c1.metric(t("reports.n_late", lang), len(late))
c2.metric(t("reports.n_coming", lang), len(coming))
c3.metric(t("reports.n_sent", lang), len(sent))
if may_send:
    st.radio(t("reports.format", lang), list(upward.FORMATS), key="reports_fmt",
             horizontal=True, format_func=lambda f: md_text(f.upper()))


def _row(d: upward.DueReport, box) -> None:
    """One report due: a late one in red, with its button."""
    occ = d.occurrence
    text = "**" + md_text(occ.row.title) + "** — " + t(
        "reports.row", lang, commune=communes.get(occ.commune_code, occ.commune_code),
        to=occ.row.to_whom, due=_when(occ.due_at), period=occ.period.local_text(lang),
        state=label("reports.state", d.state, lang))
    (box.error if d.state == "late" else box.markdown)(text)
    if may_send:
        box.button(t("reports.make", lang), key=f"reports_make_{occ.key}", on_click=_send,
                   args=(occ.key,), type="primary" if d.state == "late" else "secondary")


st.subheader(t("reports.late", lang))
if not late:
    st.info(t("reports.none_late", lang))
for d in late[:SHOWN]:
    _row(d, st.container())
if len(late) > SHOWN:
    st.caption(t("reports.more", lang, n=len(late) - SHOWN))

st.subheader(t("reports.coming", lang))
if not coming:
    st.info(t("reports.none_coming", lang))
for d in coming[:SHOWN]:
    box = st.container(border=True)
    if d.state == "due_soon":
        box.warning(t("reports.due_soon", lang))
    _row(d, box)

st.subheader(t("reports.sent", lang))
register = upward.sent_register(store, actor)
if chosen:
    register = register[register["commune_code"].isin(list(chosen))]
if register.empty:
    st.info(t("reports.none_sent", lang))
titles = {d.occurrence.code: d.occurrence.row.title for d in due}
names = data.display_names()
for r in register.head(SHOWN).to_dict("records"):
    box = st.container(border=True)
    on_time = r["sent_at"] <= r["due_at"]
    box.markdown("**" + md_text(titles.get(r["schedule_code"], r["schedule_code"])) + "** — "
                 + t("reports.sent_row", lang,
                     commune=communes.get(r["commune_code"], r["commune_code"]),
                     due=_when(r["due_at"]), at=_when(r["sent_at"]),
                     who=names.get(r["sent_by"], r["sent_by"]),
                     state=label("reports.state",
                                 "sent_on_time" if on_time else "sent_late", lang)))
    box.download_button(
        t("reports.download", lang, file=r["file_name"]),
        data=lambda key=r["key"]: upward.sent_file(store, key, actor=actor)[1],
        file_name=r["file_name"],
        mime="application/pdf" if r["format"] == "pdf" else "text/html",
        key=f"reports_file_{r['key']}", on_click="ignore")
