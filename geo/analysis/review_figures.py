"""The written review's figures (báo cáo sơ kết), gathered once from the store for a period
and the filters, worded in one language: the summary, the per-hamlet and per-commune
tables, the hourly counts, the serious incidents' timelines, the coverage gaps, the
checkpoints missed and the emerging hotspots. ``geo.io.report`` draws and renders them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import pandas as pd

from geo import calendar as election_calendar
from geo import settings
from geo.accounts import display_names
from geo.analysis.patrols import checkpoint_report
from geo.analysis.places import commune_labels, load_layer
from geo.analysis.review import (
    cluster_places,
    coverage_gaps,
    emerging_hotspots,
    hamlet_table,
    hourly,
    voting_window,
)
from geo.clock import Period, local_text, utcnow
from geo.i18n import label, message
from geo.store import Filters, Store
from geo.view import scope_layers

__all__ = ["ReviewFigures", "gather_review", "duration_text", "percent_text", "SERIOUS",
           "MAX_SERIOUS", "LAYERS"]

SERIOUS = (3, 4)
MAX_SERIOUS = 40
LAYERS = ("communes", "hamlets", "sites", "targets", "hotspots", "routes", "checkpoints")


@dataclass
class ReviewFigures:
    """Everything the written review shows but its pictures, computed once, in one
    language; *layers* (in scope) and *commune_names* are what its map is drawn from."""

    lang: str
    place: str
    period: Period
    generated_at: datetime
    incidents: pd.DataFrame
    summary: list[tuple[str, str]]
    hamlets: pd.DataFrame
    communes: pd.DataFrame
    hourly: pd.DataFrame
    serious: list[dict]
    serious_more: int
    gaps: pd.DataFrame
    checkpoints: pd.DataFrame
    emerging: pd.DataFrame
    phases: pd.DataFrame  # the election calendar's phases compared (geo.calendar.phase_table)
    layers: dict[str, gpd.GeoDataFrame]
    commune_names: dict[str, str]

    def m(self, key: str, **params: object) -> str:
        """A message of the catalogue in the review's language (plain text)."""
        return message(key, self.lang, **params)

    @property
    def title(self) -> str:
        return self.m("report.title")


def gather_review(store: Store, period: Period, *, lang: str = "vi",
                  commune_codes: Sequence[str] = (), hamlet_codes: Sequence[str] = (),
                  kinds: Sequence[str] = (), severities: Sequence[int] = (),
                  target_s: float | None = None, radius_m: float | None = None
                  ) -> ReviewFigures:
    """Gather the review's figures for *period* and the filters from the store, worded in
    *lang* (the dispatch target and coverage radius default to their settings)."""
    target_s = settings.get("dispatch_target_seconds") if target_s is None else target_s
    radius_m = settings.get("coverage_radius_m") if radius_m is None else radius_m

    def m(key: str, **params: object) -> str:
        return message(key, lang, **params)

    f = Filters(commune_codes=list(commune_codes), hamlet_codes=list(hamlet_codes),
                kinds=list(kinds), severities=list(severities), since=period.start,
                until=period.end)
    inc = store.incidents(f).sort_values("id").reset_index(drop=True)
    layers = scope_layers({k: load_layer(store, k) for k in LAYERS}, list(commune_codes))
    # A commune by its name, or "An Phụ (Kinh Môn, Hải Dương)" where another loaded
    # commune (in scope or not) has the same name.
    cname = commune_labels(load_layer(store, "communes"))
    names = dict(zip(layers["hamlets"]["code"], layers["hamlets"]["name"], strict=True))
    if layers["hamlets"]["commune_code"].nunique() > 1:  # "Thôn 1" is in every commune
        names = {c: f"{n} — {cname.get(cc, cc)}" for c, n, cc in zip(
            layers["hamlets"]["code"], layers["hamlets"]["name"],
            layers["hamlets"]["commune_code"], strict=True)}
    total_label = message("col.total", lang)
    table = hamlet_table(inc, names, target_s, total_label=total_label)
    commune_names = {c: cname.get(c, c) for c in layers["communes"]["code"]}
    by_commune = hamlet_table(inc, commune_names, target_s, total_label=total_label,
                                     by="commune_code")
    per_hour = hourly(inc)
    window = voting_window(period)
    gaps = coverage_gaps(layers["sites"], layers["targets"], layers["routes"],
                                radius_m, window)
    checkins = store.events(entity="unit", action="checkin")
    cps = checkpoint_report(layers["checkpoints"], layers["routes"], checkins,
                            (window[0], min(window[1], max(utcnow(), window[0]))))
    cps = cps[cps["on_duty"]]
    emerging = emerging_hotspots(inc, layers["hotspots"])
    # A cluster is found by the names a reader knows, not by its latitude and longitude.
    emerging["place"] = cluster_places(emerging, layers["sites"], layers["hamlets"], names,
                                       m("review.near"))
    serious_ids = inc.loc[inc["severity"].isin(SERIOUS)].sort_values(
        ["severity", "reported_at"], ascending=[False, True])["id"].tolist()
    timelines = store.events_of("incident", serious_ids[:MAX_SERIOUS])
    # Who acted, by name: an account's display name, a team's name (a team reports itself).
    units = store.frame("unit")
    who = {**dict(zip(units["code"], units["name"], strict=True)), **display_names(store)}
    serious = []
    for iid in serious_ids[:MAX_SERIOUS]:
        row = inc.loc[inc["id"] == iid].iloc[0]
        ev = timelines[timelines["entity_id"] == str(iid)]
        serious.append({
            "id": int(iid), "kind": label("kind", row["kind"], lang),
            "severity": label("severity", int(row["severity"]), lang),
            "hamlet": names.get(row["hamlet_code"], "—"),
            "status": label("status", row["status"], lang), "description": row["description"],
            "timeline": [(local_text(e.occurred_at, "%H:%M:%S"), label("action", e.action, lang),
                          who.get(e.actor, e.actor)) for e in ev.itertuples(index=False)]})
    # The phases, each counted in its own window (not only the period's): the comparison.
    phases = election_calendar.phase_table(
        store, Filters(commune_codes=list(commune_codes), hamlet_codes=list(hamlet_codes),
                       kinds=list(kinds), severities=list(severities)),
        election_calendar.entries(store, list(commune_codes)))
    total = table.iloc[-1]
    communes = layers["communes"]
    shown = [commune_names[c] for c in communes["code"]]
    place = ", ".join(shown) if len(communes) and commune_codes else \
        m("report.all_communes") if len(communes) != 1 else shown[0]
    sites = store.frame("site")
    if commune_codes:
        sites = sites[sites["commune_code"].isin(commune_codes)]
    dur = duration_text(lang)
    summary = [
        (m("report.sum.total"), f"{len(inc):,}".replace(",", ".")),
        (m("report.sum.by_severity"),
         " · ".join(f"{label('severity', s, lang)} {int((inc['severity'] == s).sum())}"
                    for s in (4, 3, 2, 1))),
        (m("report.sum.resolved"), str(int(inc["status"].isin(["resolved", "closed"]).sum()))),
        (m("report.sum.false_alarm"), str(int((inc["status"] == "false_alarm").sum()))),
        (m("report.sum.to_dispatch"), dur(total["to_dispatch_median"])),
        (m("report.sum.to_scene"), dur(total["to_scene_median"])),
        (m("report.sum.to_resolve"), dur(total["to_resolve_median"])),
        (m("report.sum.within_target", target=f"{target_s:g}"),
         percent_text(total["dispatched_within_target"])),
        (m("report.sum.hamlet_share"), percent_text(total["hamlet_team_share"])),
        (m("report.sum.sites"), m("report.sum.sites_value", n=len(sites),
                                  done=int((sites["status"] == "done").sum()))),
        (m("report.sum.gaps", radius=f"{radius_m:g}"), str(len(gaps))),
        (m("report.sum.checkpoints"),
         f"{int((cps['state'] == 'missed').sum())} / {int((cps['state'] == 'late').sum())}"),
        (m("report.sum.emerging"), str(len(emerging))),
    ]
    return ReviewFigures(
        lang=lang, place=place, period=period, generated_at=utcnow(), incidents=inc,
        summary=summary, hamlets=table, communes=by_commune, hourly=per_hour,
        serious=serious, serious_more=max(0, len(serious_ids) - MAX_SERIOUS), gaps=gaps,
        checkpoints=cps[cps["state"] != "ok"].reset_index(drop=True), emerging=emerging,
        phases=phases, layers=layers, commune_names=commune_names)


def duration_text(lang: str):
    def dur(seconds: float | None) -> str:
        if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
            return "—"
        m, s = divmod(int(round(seconds)), 60)
        h, m = divmod(m, 60)
        return message("report.dur_h", lang, h=h, m=f"{m:02d}") if h else \
            message("report.dur_m", lang, m=m, s=f"{s:02d}")
    return dur


def percent_text(share: float) -> str:
    return "—" if share is None or math.isnan(share) else f"{share * 100:.0f} %"
