"""Review page: replay any moment from the event log, where and when incidents happened,
per-hamlet response times, patrol gaps, exports and the written review. Renders only.

The replay is a fragment: while playing it reruns every second and moves the moment on
by the chosen step; the map underneath is not remounted, only its live groups change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, maps, mapview, state, theme
from dashboard.i18n import label, t
from geo import accounts, settings
from geo import calendar as election_calendar
from geo.analysis import replay
from geo.analysis.review import hex_bins
from geo.checks.inert import md_text
from geo.clock import Period, local_day, local_text, local_to_utc, to_local, to_local_naive
from geo.incidents import OPEN
from geo.io.exports import FORMATS, export_zip
from geo.io.report import (
    checkpoint_rows,
    emerging_rows,
    gap_rows,
    hamlet_rows,
    head,
    phase_rows,
    render_html,
    render_pdf,
    with_pictures,
)

lang = state.get("lang")
view = state.get("view")
STEPS = (5, 15, 60)


def _label(group: str, code: object) -> str:
    return label(group, code, lang)


st.title(t("review.title", lang))
store = data.store()
last_at = store.last_operation_at()
if last_at is None:
    st.info(t("review.no_events", lang))
    st.stop()
last_day = to_local(last_at).date()
calendar = data.calendar(view.commune_codes)
phases = {code: (name, p) for code, name, p in election_calendar.phase_periods(calendar)}


def _pick_phase() -> None:
    """A phase picked: the period becomes its days (the date input then shows them)."""
    code = state.get("review_phase")
    if code in phases:
        p = phases[code][1]
        st.session_state["review_days"] = (to_local(p.start).date(),
                                           to_local(p.end - timedelta(microseconds=1)).date())


if phases:
    st.selectbox(t("review.phase", lang), list(phases), index=None, key="review_phase",
                 on_change=_pick_phase, format_func=lambda c: md_text(phases[c][0]))
picked = st.date_input(t("review.period", lang), value=(last_day, last_day), key="review_days",
                       format="DD/MM/YYYY")
if not isinstance(picked, tuple | list) or len(picked) != 2:
    st.info(t("review.bad_period", lang))
    st.stop()
period = Period(local_day(picked[0]).start, local_day(picked[1]).end)
st.caption(t("review.filters_note", lang))
filters = view.filters(statuses=[], since=period.start, until=period.end)
# What the maps' cached parts depend on, read before what they show (see mapview.desk_base):
# the analysis layers are the review's, which changes with the log, the layers, the period,
# the filters and the language.
layers_version, last_event = store.layers_version(), store.last_event()[0]
analysis_mark = ("review_analysis", store.path, last_event, layers_version, period.start,
                 period.end, tuple(filters.commune_codes), tuple(filters.hamlet_codes),
                 tuple(filters.kinds), tuple(int(x) for x in filters.severities), lang)
layers = view.layers(data.layers())
rev = data.review(period, filters, lang)
tile_url = settings.get("tile_url")


def _base() -> mapview.StaticMap:
    """The static map under both maps (rendered once; the operator page's too)."""
    return mapview.desk_base(layers, label=_label, version=layers_version,
                             communes=view.commune_codes, lang=lang, tile_url=tile_url)


# ---- replay -----------------------------------------------------------------------------
start_l, end_l = to_local_naive(period.start), to_local_naive(period.end)
end_l = min(end_l, max(to_local_naive(last_at) + timedelta(minutes=5), start_l))
# A new period starts the replay again at its end: the slider, keyed, lost a moment it
# kept from the old period when its bounds moved (None, and the page failed).
if state.get("review_bounds") != (start_l, period.end):
    state.set("review_bounds", (start_l, period.end))
    state.set("review_t", end_l)
elif not isinstance(state.get("review_t"), datetime) or not start_l <= state.get(
        "review_t") <= end_l:
    state.set("review_t", end_l)


def _toggle_play() -> None:
    state.set("review_playing", not state.get("review_playing"))


st.subheader(t("review.replay", lang))
c_play, c_speed = st.columns([1, 3])
c_play.button(t("review.pause" if state.get("review_playing") else "review.play", lang),
              key="review_play", on_click=_toggle_play)
c_speed.radio(t("review.speed", lang), STEPS, key="review_step", horizontal=True,
              format_func=lambda n: t("review.minutes", lang, n=n))


@auth.fragment(run_every=1.0 if state.get("review_playing") else None)
def replay_view() -> None:
    if state.get("review_playing"):
        nxt = state.get("review_t") + timedelta(minutes=state.get("review_step"))
        state.set("review_t", min(nxt, end_l))
        if nxt >= end_l:  # the end: stop the timer and turn the button back to "play"
            state.set("review_playing", False)
            st.rerun(scope="app")
    st.slider(t("review.at", lang), min_value=start_l, max_value=end_l,
              step=timedelta(minutes=1), key="review_t", format="HH:mm DD/MM")
    at_utc = local_to_utc(state.get("review_t"))
    frames = replay.filtered_frames_at(store, at_utc, filters)
    inc, sites, units = frames["incident"], frames["site"], frames["unit"]
    with st.container(key="antt-replay-state"):  # the class st-key-antt-replay-state
        st.markdown(t("review.state_at", lang, at=local_text(at_utc, "%H:%M %d/%m"),
                      incidents=len(inc), open=int(inc["status"].isin(OPEN).sum()),
                      voting=int((sites["status"] == "voting").sum()),
                      responding=int((units["status"] == "responding").sum())))
    groups = maps.live_groups(sites, inc, units, label=_label)
    mapview.show(_base(), groups, key="review_map", layer_control=True, height=560)


replay_view()

def _hourly_chart(per_hour: pd.DataFrame) -> alt.Chart:
    """Stacked bars per hour and kind, the kinds' full names under the chart, one a line
    (a legend beside it cuts a long name: "…áp phích, khẩu h")."""
    per_hour = per_hour.loc[:, per_hour.sum() > 0]
    hour, kind, n = t("report.chart.hour", lang), t("review.kind", lang), \
        t("report.chart.count", lang)
    long = per_hour.rename(columns=lambda k: _label("kind", k)).rename_axis(index=hour)
    long.index = long.index.strftime("%d/%m %H:00")
    long = long.reset_index().melt(id_vars=hour, var_name=kind, value_name=n)
    return alt.Chart(long).mark_bar().encode(
        x=alt.X(f"{hour}:N"),
        y=alt.Y(f"{n}:Q", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{kind}:N", legend=alt.Legend(
            orient="bottom", direction="vertical", columns=1, labelLimit=0, title=None))
    ).properties(height=400, width="container")


# ---- the figures ----------------------------------------------------------------------------
st.subheader(t("review.summary", lang))
theme.review()
with st.container(key="antt-review-summary"):  # names and values wrap, never cut
    cols = st.columns(4)
    for k, (name, value) in enumerate(rev.summary):
        cols[k % 4].metric(name, value)

incidents = rev.incidents
st.subheader(t("review.analysis", lang))
base = _base()
# The analysis layers change with the review, not with every rerun: rendered once per
# review and base map, and swapped over the same base when the filters change.
analysis = mapview.cached_groups(
    (analysis_mark, base.overlays), base,
    lambda: maps.analysis_groups(incidents, hex_bins(incidents), rev.gaps, rev.emerging,
                                 label=_label), layer_control=True)
mapview.show(base, key="review_analysis_map", live=analysis, height=520)
# The chart the page's width, under the map: beside it, its kinds' long names were cut.
st.subheader(t("review.hourly", lang))
if len(rev.hourly):
    st.altair_chart(_hourly_chart(rev.hourly), key="review_hourly")
else:
    st.caption(t("review.none", lang))


def _table(head: list[str], rows: list[list[str]]) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows, columns=head), hide_index=True, width="stretch")
    else:
        st.caption(t("review.none", lang))


st.subheader(t("review.hamlets", lang))
_table(head("hamlets", lang), hamlet_rows(rev.hamlets, lang))
st.caption(t("review.hamlets_note", lang, target=settings.get("dispatch_target_seconds")))
st.subheader(t("review.coverage", lang, radius=settings.get("coverage_radius_m")))
_table(head("gaps", lang), gap_rows(rev))
st.subheader(t("review.checkpoints", lang))
_table(head("checkpoints", lang), checkpoint_rows(rev))
st.subheader(t("review.emerging", lang))
_table(head("emerging", lang), emerging_rows(rev))
if phases:
    st.subheader(t("review.phases", lang))
    _table(head("phases", lang), phase_rows(
        election_calendar.phase_table(store, view.filters(statuses=[], since=None), calendar),
        lang))
    st.caption(t("review.phases_note", lang))

# ---- exports and the written review (commanders) ---------------------------------------
if not accounts.may(state.get("account"), "review.export"):
    st.stop()
st.subheader(t("review.export", lang))
stamp = f"{picked[0]:%Y%m%d}-{picked[1]:%Y%m%d}"
cols = st.columns(len(FORMATS))
for col, fmt in zip(cols, FORMATS, strict=True):
    col.download_button(fmt.upper(), data=lambda fmt=fmt: export_zip(store, fmt, filters),
                        file_name=f"antt-{stamp}-{fmt}.zip", mime="application/zip",
                        key=f"export_{fmt}", on_click="ignore")
st.subheader(t("review.report", lang))
c1, c2 = st.columns(2)
c1.download_button(t("review.download_pdf", lang),
                   data=lambda: render_pdf(with_pictures(rev)),
                   file_name=f"bao-cao-so-ket-{stamp}.pdf", mime="application/pdf",
                   key="report_pdf", on_click="ignore", type="primary")
c2.download_button(t("review.download_html", lang),
                   data=lambda: render_html(with_pictures(rev)),
                   file_name=f"bao-cao-so-ket-{stamp}.html", mime="text/html",
                   key="report_html", on_click="ignore")
