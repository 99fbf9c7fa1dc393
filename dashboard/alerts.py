"""The urgent-incident alert: a banner on the wall and the board until an operator
acknowledges it (an event with the actor), a flashing marker on the map
(``maps.live_groups(alerting=…)``) and, if the user turned it on, a sound. Renders only;
``geo.incidents`` decides what is urgent.

The sound is three short beeps from the browser's own audio (no file, no network) for
each alert the page has not beeped for. Browsers play sound only in a page someone has
clicked: the sidebar's switch is that click; a wall with no one at it plays sound only if
its Chromium is started with ``--autoplay-policy=no-user-gesture-required`` and the URL
has ``sound=1``.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import incidents as inc
from geo.clock import utcnow
from geo.view import View

__all__ = ["banner", "count", "pending", "ALERT_LINES"]

ALERT_LINES = 8  # alerts listed in the banner, each with its button; the rest are counted


# The banner in white on red, and the KPI of pending alerts in red: seen across the room
# (on the wall, dashboard.theme makes the text larger). No motion for those who asked
# for less. A constant (the sink scan reads it), in geo.palette.ALERT_COLOUR
# (tests/unit/test_maps.py checks they agree).
_CSS = """<style>
[class*="st-key-antt-alert-"] [data-testid="stAlertContainer"] {
    background: #c62828 !important; animation: antt-banner 1.2s ease-in-out infinite alternate; }
[class*="st-key-antt-alert-"] [data-testid="stAlertContainer"] * {
    color: #ffffff !important; font-weight: 700; }
@keyframes antt-banner { from { background: #b71c1c; } to { background: #e53935; } }
@media (prefers-reduced-motion: reduce) {
    [class*="st-key-antt-alert-"] [data-testid="stAlertContainer"] { animation: none; } }
.st-key-antt-kpi-alerts-on [data-testid="stMetricValue"],
.st-key-antt-kpi-alerts-on [data-testid="stMetricValue"] * { color: #e53935 !important; }
</style>"""


def pending(view: View) -> pd.DataFrame:
    """The view's places' alerts not yet acknowledged."""
    return inc.alerts(data.store(), view.filters())


def count(view: View) -> int:
    """How many alerts the view's places have open (for the KPI strip)."""
    return len(pending(view))


def banner(view: View, lang: str, *, key: str, alerts: pd.DataFrame | None = None,
           compact: bool = False) -> None:
    """One red banner listing the unacknowledged urgent incidents, each with an
    "acknowledge" button for those who may press it (a wall token may not). *alerts*: the
    pending alerts if already read; *compact*: the wall's single line."""
    actions.show(state.get("alert_outcome"))  # once: the next refresh clears it
    state.set("alert_outcome", None)
    pending = alerts if alerts is not None else inc.alerts(data.store(), view.filters())
    if pending.empty:
        return
    st.markdown(_CSS, unsafe_allow_html=True)
    _sound([int(i) for i in pending["id"]])
    actor = state.get("account")
    can_ack = accounts.may(actor, "incident.acknowledge")
    hamlets = data.hamlet_names()
    now = utcnow()
    # The most urgent first, then the longest waiting; at most ALERT_LINES of them, so
    # the banner never pushes the map off the screen (a province drill has 173 alerts).
    listed = pending.sort_values(["severity", "reported_at", "id"],
                                 ascending=[False, True, True]).head(ALERT_LINES)
    with st.container(key=f"antt-alert-{key}", border=not compact):
        st.error(_headline(pending, lang, now) if compact else
                 t("alert.banner", lang, n=len(pending)))
        for r in listed.itertuples(index=False) if not compact else ():
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
        if not compact and len(pending) > len(listed):
            st.markdown(t("alert.more", lang, n=len(pending) - len(listed)))


def _headline(pending: pd.DataFrame, lang: str, now) -> str:
    """The wall's one line: what the oldest alert is, where, how long it has waited, and
    how many more wait ("Khẩn: Gây rối trật tự tại Nhà văn hóa thôn 3 — 12 phút, …")."""
    head = inc.oldest_alert(pending, now)
    if head is None:
        return ""
    layers = data.layers()
    names = {c: n for kind in ("hamlets", "sites") if kind in layers
             for c, n in zip(layers[kind]["code"], layers[kind]["name"], strict=True)}
    place = names.get(head.site_code or "") or names.get(head.hamlet_code or "") or "—"
    line = t("alert.wall_head", lang, kind=label("kind_short", head.kind, lang),
             place=place, minutes=head.minutes)
    return line + (t("alert.wall_more", lang, n=head.more) if head.more else "")


def _ack(incident_id: int, version: int, lang: str) -> None:
    state.set("alert_outcome", actions.attempt(
        lambda: inc.acknowledge(data.store(), incident_id, expected_version=version,
                                actor=state.get("account")),
        lang, "status", done=t("alert.acked", lang, id=incident_id)))


_BEEP = """<script>
(() => {
  const ids = %s;
  const heard = window.__anttHeard || (window.__anttHeard = new Set());
  const fresh = ids.filter(i => !heard.has(i));
  ids.forEach(i => heard.add(i));
  if (!fresh.length) return;
  try {
    const a = window.__anttAudio ||
      (window.__anttAudio = new (window.AudioContext || window.webkitAudioContext)());
    a.resume();
    for (let k = 0; k < 3; k++) {
      const o = a.createOscillator(), g = a.createGain(), t0 = a.currentTime + k * 0.35;
      o.frequency.value = 880; o.connect(g); g.connect(a.destination);
      g.gain.setValueAtTime(0.3, t0); g.gain.setValueAtTime(0, t0 + 0.2);
      o.start(t0); o.stop(t0 + 0.22);
    }
    window.__anttBeeps = (window.__anttBeeps || 0) + fresh.length;
  } catch (e) { /* no audio device: the banner and the marker remain */ }
})();
</script>"""


def _sound(ids: list[int]) -> None:
    """Beep for alerts this page has not beeped for, if the user turned the sound on."""
    if state.get("alert_sound") or st.query_params.get("sound") == "1":
        st.html(_BEEP % json.dumps(sorted(ids)), unsafe_allow_javascript=True)
