"""Glue shared by the pages that log incidents (the operator's and the hamlet team's):
picking a place from a list, the form's key kept in the page's URL, and one send path
that knows a report sent again and asks "same incident?" before logging a second."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.actions import problem_text
from dashboard.i18n import label, t
from geo import incidents as inc
from geo.checks.inert import md_text
from geo.checks.text import searchable
from geo.errors import AnttError, Invalid

__all__ = ["pick_place", "show_location", "Sent", "form_key", "send_report", "show_sent",
           "clear_form"]

_LAYER = {"site": "sites", "target": "targets", "hamlet": "hamlets"}
FORM_KEY = "f"  # the page URL's query parameter that holds the form's key
_KEY_SHAPE = re.compile(r"[0-9a-f]{16,64}")


def pick_place(how: str, layers: dict[str, gpd.GeoDataFrame], lang: str, key: str
               ) -> tuple[tuple[float, float] | None, str | None]:
    """A searchable picker of sites, targets or hamlets (*how*); returns the point to log
    the incident at and the picked code (None, None until something is picked)."""
    layer = layers[_LAYER[how]]
    names = data.place_names(layer)
    code = st.selectbox(t(f"op.where.{how}", lang), list(names), index=None, key=key,
                        format_func=lambda c: searchable(names[c]),
                        placeholder=t("op.search_hint", lang))
    if not code:
        return None, None
    geom = layer.loc[layer["code"] == code].geometry.iloc[0]
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return (p.x, p.y), code


def show_location(point: tuple[float, float] | None, lang: str) -> None:
    """Where the incident will be logged, as latitude, longitude (or "not chosen")."""
    st.caption(t("op.location", lang) + ": " + (f"{point[1]:.5f}, {point[0]:.5f}" if point
                                                else t("op.no_location", lang)))


@dataclass(frozen=True)
class Sent:
    """What sending a report came to, kept in session state and shown until the next send:
    ``saved``, ``again`` (this form's report was logged before), ``ask`` (same
    incident?), ``same`` (the user said so: nothing logged) or ``refused``."""

    outcome: str
    key: str                          # the form key it was sent with
    report: dict                      # the form's fields (sent again on "no, a new one")
    ids: tuple[int, ...] = ()         # the incident logged, or the possible duplicates
    problems: dict[str, str] = field(default_factory=dict)  # field → message (refused)
    # ask: (id, kind, metres, minutes ago, status) of each possible duplicate
    duplicates: tuple[tuple[int, str, int, int, str], ...] = ()


def form_key() -> str:
    """The form's idempotency key, kept by the browser in the page's URL (``?f=…``): made
    when the form is first shown, it comes back with the URL when the browser reconnects
    to a restarted server, so a report sent again there carries the same request id."""
    key = st.query_params.get(FORM_KEY)
    if not key or not _KEY_SHAPE.fullmatch(key):
        key = secrets.token_hex(8)
        st.query_params[FORM_KEY] = key
    return key


def _renew_form_key(sent: Sent) -> None:
    """A new key once *sent* is confirmed on screen: what the form sends next is another
    report (the same content included, after "no, a new one")."""
    if st.query_params.get(FORM_KEY) == sent.key:
        st.query_params[FORM_KEY] = secrets.token_hex(8)


def _request_id(key: str, report: dict) -> str:
    """The form's key, the account and the content: the same form sent twice (a double
    click, a retry after a restart) has the same id and logs one incident."""
    content = "|".join(str(v) for v in (
        key, state.get("account").username, report["kind"], report["severity"],
        report["point"], report["description"]))
    return hashlib.sha1(content.encode()).hexdigest()


def send_report(report: dict, lang: str, *, scope: Sequence[str] = (), ask: bool = True,
                key: str | None = None) -> Sent:
    """Send the form's *report* (point, kind, severity, source, description, site_code,
    target_code, commune_code). Logged before with this key: ``again``, nothing written.
    With *ask*, open incidents it may repeat (in *scope*'s communes) come back as ``ask``
    before anything is written."""
    key = key or form_key()
    problems = {}
    if report["point"] is None:
        problems["lon"] = t("op.error.no_location", lang)
    if report["kind"] is None:
        problems["kind"] = t("op.error.no_kind", lang)
    if problems:
        return Sent("refused", key, report, problems=problems)
    store, rid = data.store(), _request_id(key, report)
    (lon, lat), kind = report["point"], report["kind"]
    try:
        earlier = inc.earlier_report(store, rid)
        if earlier is not None:
            return Sent("again", key, report, ids=(int(earlier["id"]),))
        dups = inc.possible_duplicates(store, kind, lon, lat, commune_codes=scope) if ask \
            else pd.DataFrame()
        if len(dups):
            return Sent("ask", key, report, ids=tuple(int(i) for i in dups["id"]),
                        duplicates=tuple(
                            (int(d.id), str(d.kind), round(d.distance_m),
                             round(d.minutes_ago), str(d.status)) for d in dups.itertuples()))
        row = inc.report(store, kind=kind, severity=report["severity"], lon=lon, lat=lat,
                         source=report["source"], actor=state.get("account"),
                         description=report["description"], site_code=report["site_code"],
                         target_code=report["target_code"],
                         commune_code=report["commune_code"], request_id=rid)
        return Sent("saved", key, report, ids=(int(row["id"]),))
    except Invalid as e:
        return Sent("refused", key, report,
                    problems={p.field: problem_text(p, lang) for p in e.problems})
    except AnttError as e:
        return Sent("refused", key, report, problems={"lon": md_text(str(e))})


def show_sent(name: str, lang: str, *, clear: dict[str, object], problems: bool = False
              ) -> None:
    """The last send (session key *name*) under the form: saved, sent before, or the
    "same incident?" question with its two answers. "Yes" logs nothing and resets the
    *clear* keys (widget or state key → value); "no" logs it. *problems*: show a
    refusal's messages here (a page may show them by their fields instead)."""
    sent: Sent | None = state.get(name)
    if sent is None:
        return
    if sent.outcome in ("saved", "again"):
        st.success(t("op.saved" if sent.outcome == "saved" else "op.again", lang,
                     id=sent.ids[0]))
        _renew_form_key(sent)  # after the confirmation: the browser has it first
    elif sent.outcome == "same":
        st.info(t("op.same.done", lang, id=sent.ids[0]))  # the nearest
    elif sent.outcome == "ask":
        st.warning(t("op.same.question", lang) + "\n\n" + "\n".join(
            "- " + t("op.same.line", lang, id=i, kind=label("kind", kind, lang), m=m,
                     minutes=minutes, status=label("status", status, lang))
            for i, kind, m, minutes, status in sent.duplicates))
        yes, no = st.columns(2)
        yes.button(t("op.same.yes", lang), key=f"{name}_same", use_container_width=True,
                   on_click=_same, args=(name, clear))
        no.button(t("op.same.no", lang), key=f"{name}_new", use_container_width=True,
                  on_click=_new, args=(name, lang))
    elif problems:
        for message in sent.problems.values():
            st.error(message)


def _same(name: str, clear: dict[str, object]) -> None:
    """Button callback: the report is the incident already logged; clear the form."""
    sent: Sent = state.get(name)
    state.set(name, replace(sent, outcome="same", duplicates=()))
    clear_form(clear)


def clear_form(clear: dict[str, object]) -> None:
    """Reset the *clear* keys (widget or state key → value) for the next call: from a
    button's callback, or at the top of a run before the form's widgets are drawn (a
    widget's value cannot be changed once it is drawn in the run)."""
    for key, value in clear.items():
        if key in state.DEFAULTS:
            state.set(key, value)
        elif key in st.session_state:  # a widget's value: reset before it is drawn again
            st.session_state[key] = value


def _new(name: str, lang: str) -> None:
    """Button callback: a new incident after all; logged with the key it was sent with."""
    sent: Sent = state.get(name)
    state.set(name, send_report(sent.report, lang, ask=False, key=sent.key))
