"""The written review (báo cáo sơ kết): figures gathered once, rendered as HTML and PDF.

Vietnamese text needs a font with its diacritics. Both outputs embed DejaVu Sans,
which matplotlib ships (so nothing is downloaded and no system font is assumed).
The map is drawn by matplotlib from the stored layers: no tiles, no network.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from geo import settings  # noqa: E402
from geo.accounts import display_names  # noqa: E402
from geo.analysis import review  # noqa: E402
from geo.analysis.metrics import SPANS  # noqa: E402
from geo.analysis.patrols import checkpoint_report  # noqa: E402
from geo.analysis.places import commune_labels, load_layer  # noqa: E402
from geo.clock import Period, local_text, utcnow  # noqa: E402
from geo.i18n import label, message  # noqa: E402
from geo.palette import (  # noqa: E402
    EMERGING_COLOUR,
    GAP_COLOUR,
    HOTSPOT_COLOUR,
    ROUTE_COLOURS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
)
from geo.store import Filters, Store  # noqa: E402
from geo.view import scope_layers  # noqa: E402

__all__ = ["Review", "build_review", "render_html", "render_pdf", "write_report", "FONT",
           "head", "hamlet_rows", "gap_rows", "checkpoint_rows", "emerging_rows"]

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
SERIOUS = (3, 4)
MAX_SERIOUS = 40
PDF_ROWS = 60  # a longer table goes to the HTML version and the exports, not to paper
LAYERS = ("communes", "hamlets", "sites", "targets", "hotspots", "routes", "checkpoints")


@dataclass
class Review:
    """Everything the written review shows, computed once, in one language."""

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
    map_png: bytes
    chart_png: bytes
    # The PDF's map: the picture without names, and the names to write over it as text.
    pdf_map_png: bytes = b""
    pdf_map_names: tuple = ()

    def m(self, key: str, **params: object) -> str:
        """A message of the catalogue in the review's language (plain text)."""
        return message(key, self.lang, **params)

    @property
    def title(self) -> str:
        return self.m("report.title")


def head(table: str, lang: str) -> list[str]:
    """Column headings of one of the review's tables (``hamlets``, ``gaps``, ...)."""
    return message(f"report.head.{table}", lang).split("|")


def build_review(store: Store, period: Period, *, lang: str = "vi",
                 commune_codes: Sequence[str] = (), hamlet_codes: Sequence[str] = (),
                 kinds: Sequence[str] = (), severities: Sequence[int] = (),
                 target_s: float | None = None, radius_m: float | None = None) -> Review:
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
    table = review.hamlet_table(inc, names, target_s, total_label=total_label)
    commune_names = {c: cname.get(c, c) for c in layers["communes"]["code"]}
    by_commune = review.hamlet_table(inc, commune_names, target_s, total_label=total_label,
                                     by="commune_code")
    per_hour = review.hourly(inc)
    window = review.voting_window(period)
    gaps = review.coverage_gaps(layers["sites"], layers["targets"], layers["routes"],
                                radius_m, window)
    checkins = store.events(entity="unit", action="checkin")
    cps = checkpoint_report(layers["checkpoints"], layers["routes"], checkins,
                            (window[0], min(window[1], max(utcnow(), window[0]))))
    cps = cps[cps["on_duty"]]
    emerging = review.emerging_hotspots(inc, layers["hotspots"])
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
    total = table.iloc[-1]
    communes = layers["communes"]
    shown = [commune_names[c] for c in communes["code"]]
    place = ", ".join(shown) if len(communes) and commune_codes else \
        m("report.all_communes") if len(communes) != 1 else shown[0]
    sites = store.frame("site")
    if commune_codes:
        sites = sites[sites["commune_code"].isin(commune_codes)]
    dur = _durations(lang)
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
         _pct(total["dispatched_within_target"])),
        (m("report.sum.hamlet_share"), _pct(total["hamlet_team_share"])),
        (m("report.sum.sites"), m("report.sum.sites_value", n=len(sites),
                                  done=int((sites["status"] == "done").sum()))),
        (m("report.sum.gaps", radius=f"{radius_m:g}"), str(len(gaps))),
        (m("report.sum.checkpoints"),
         f"{int((cps['state'] == 'missed').sum())} / {int((cps['state'] == 'late').sum())}"),
        (m("report.sum.emerging"), str(len(emerging))),
    ]
    return Review(
        lang=lang, place=place, period=period, generated_at=utcnow(), incidents=inc,
        summary=summary, hamlets=table, communes=by_commune, hourly=per_hour,
        serious=serious, serious_more=max(0, len(serious_ids) - MAX_SERIOUS), gaps=gaps,
        checkpoints=cps[cps["state"] != "ok"].reset_index(drop=True), emerging=emerging,
        map_png=_map_png(layers, inc, gaps, emerging, lang, titles=commune_names)[0],
        chart_png=_chart_png(per_hour, lang),
        **dict(zip(("pdf_map_png", "pdf_map_names"),
                   _map_png(layers, inc, gaps, emerging, lang, names=False,
                            titles=commune_names), strict=True)))


def _durations(lang: str):
    def dur(seconds: float | None) -> str:
        if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
            return "—"
        m, s = divmod(int(round(seconds)), 60)
        h, m = divmod(m, 60)
        return message("report.dur_h", lang, h=h, m=f"{m:02d}") if h else \
            message("report.dur_m", lang, m=m, s=f"{s:02d}")
    return dur


def _pct(share: float) -> str:
    return "—" if share is None or math.isnan(share) else f"{share * 100:.0f} %"


# ---- pictures ---------------------------------------------------------------------------------
MAX_PANELS = 4  # communes drawn one panel each; more share one panel


def _map_png(layers: dict[str, gpd.GeoDataFrame], inc: pd.DataFrame, gaps: pd.DataFrame,
             emerging: pd.DataFrame, lang: str, names: bool = True,
             titles: dict[str, str] | None = None
             ) -> tuple[bytes, list[tuple[str, float, float, float]]]:
    """The review's map as a police report has it: each commune in its own panel fitted
    to it (up to four; more share one), hamlet and polling-site names, a scale bar, a
    north arrow, and the legend under the panels.

    With *names* the hamlet and site names are drawn in the picture (the HTML version);
    without, they come back as ``(text, x, y, size)`` (fractions of the picture from its
    top left, points) for the PDF to write as text over it, so they can be found and
    copied. *titles* are the panels' commune labels (code → label; default the name)."""
    communes = layers["communes"]
    groups = [[c] for c in communes["code"]] if 1 < len(communes) <= MAX_PANELS else \
        [list(communes["code"])]
    cols = min(2, len(groups))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(8, 3.6 * rows + 0.9 if rows > 1 else 6.6),
                             dpi=130, squeeze=False)
    for ax in axes.ravel()[len(groups):]:
        ax.set_axis_off()
    places: list[tuple] = []
    for ax, codes in zip(axes.ravel(), groups, strict=False):
        places += [(ax, *p) for p in _map_panel(ax, layers, codes, inc, gaps, emerging, lang,
                                                 names)]
        if len(groups) > 1:
            name = communes.loc[communes["code"] == codes[0], "name"].iloc[0]
            ax.set_title(str((titles or {}).get(codes[0], name)), fontsize=9,
                         fontweight="bold")
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True))
    for ax in axes.ravel()[1:len(groups)]:
        h, lab = ax.get_legend_handles_labels()
        seen.update({k: v for k, v in zip(lab, h, strict=True) if k not in seen})
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="lower center", ncol=4, fontsize=7,
                   frameon=False)
        fig.tight_layout(rect=(0, 0.07 if rows == 1 else 0.05, 1, 1))
    fig.canvas.draw()  # the layout is final: data positions → picture fractions
    width, height = fig.bbox.width, fig.bbox.height
    labels = []
    for ax, text, x, y, size, dx, dy in places:
        px, py = ax.transData.transform((x, y))
        labels.append((text, (px + dx * fig.dpi / 72) / width,
                       1 - (py + dy * fig.dpi / 72) / height, size))
    return _png(fig, tight=False), labels


def _map_panel(ax, layers: dict[str, gpd.GeoDataFrame], codes: list[str], inc: pd.DataFrame,
               gaps: pd.DataFrame, emerging: pd.DataFrame, lang: str, names: bool
               ) -> list[tuple[str, float, float, float, float, float]]:
    """One panel; returns the names not drawn (text, x, y, size, dx, dy in points)."""
    undrawn: list[tuple[str, float, float, float, float, float]] = []

    def name(text: str, x: float, y: float, size: float, dx: float, dy: float,
             colour: str, ha: str, va: str) -> None:
        if names:
            ax.annotate(text, (x, y), fontsize=size, color=colour, ha=ha, va=va,
                        xytext=(dx, dy), textcoords="offset points")
        else:
            undrawn.append((text, x, y, size, dx, dy))

    def mine(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        col = "code" if layer is layers["communes"] else "commune_code"
        return layer[layer[col].isin(codes)] if col in layer.columns and len(layer) else layer

    communes, hamlets, sites = mine(layers["communes"]), mine(layers["hamlets"]), \
        mine(layers["sites"])
    if len(communes):
        communes.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#546e7a", linewidth=1.5)
    if len(hamlets) and len(hamlets) <= 400:
        hamlets.plot(ax=ax, facecolor="none", edgecolor="#90a4ae", linewidth=0.6,
                     linestyle="--")
        if len(hamlets) <= 40:
            for h in hamlets.itertuples(index=False):
                p = h.geometry.representative_point()
                name(str(h.name), p.x, p.y, 6, 0, 5, "#37474f", "center", "bottom")
    spots = mine(layers["hotspots"])
    if len(spots):
        spots[spots.geom_type != "Point"].plot(
            ax=ax, facecolor=HOTSPOT_COLOUR + "30", edgecolor=HOTSPOT_COLOUR, linewidth=1)
    routes = mine(layers["routes"])
    if len(routes):
        routes.plot(ax=ax, color=ROUTE_COLOURS[0], linewidth=1.2, alpha=0.7)
    if len(sites):
        ax.scatter(sites.geometry.x, sites.geometry.y, s=14, marker="o", facecolor="white",
                   edgecolor=SITE_COLOURS["voting"], linewidth=1, zorder=3,
                   label=message("layer.sites", lang))
        if len(sites) <= 40:
            for st in sites.itertuples(index=False):
                name(str(st.name), st.geometry.x, st.geometry.y, 5, 3, -3, "#1b5e20", "left",
                     "top")
    here = inc[inc["commune_code"].isin(codes)] if len(codes) and len(inc) else inc
    for sev, colour in SEVERITY_COLOURS.items():
        sel = here[here["severity"] == sev]
        if len(sel):
            ax.scatter(sel["lon"], sel["lat"], s=10 + 4 * sev, color=colour, zorder=4,
                       edgecolor="black", linewidth=0.3,
                       label=message("report.map.severity", lang, s=sev))
    g = gaps[gaps["commune_code"].isin(codes)] if len(gaps) else gaps
    if len(g):
        ax.scatter(g["lon"], g["lat"], s=60, marker="x", color=GAP_COLOUR, zorder=5,
                   linewidth=1.6, label=message("report.map.gap", lang))
    if len(emerging):
        from matplotlib.collections import PatchCollection
        ax.add_collection(PatchCollection(
            [plt.Circle((e.lon, e.lat), max(e.radius_m, 80) / 111_000 * 1.2)
             for e in emerging.itertuples(index=False)],
            facecolor="none", edgecolor=EMERGING_COLOUR, linewidth=1.5, linestyle=":"))
    if len(communes):  # the frame is the communes, not wherever a stray point lies
        x0, y0, x1, y1 = communes.total_bounds
        pad = max(x1 - x0, y1 - y0) * 0.06
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    lat = float(ax.get_ylim()[0] + ax.get_ylim()[1]) / 2
    ax.set_aspect(1 / math.cos(math.radians(lat)))
    ax.set_axis_off()
    _scale_bar(ax, lat)
    _north_arrow(ax)
    return undrawn


def _scale_bar(ax, lat: float) -> None:
    """A metric scale bar of a round length, about a fifth of the panel wide."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    metres_per_degree = 111_320 * math.cos(math.radians(lat))
    want = (x1 - x0) * metres_per_degree / 5
    length = max(v for v in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)
                 if v <= max(want, 100))
    left, base = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    right = left + length / metres_per_degree
    ax.plot([left, right], [base, base], color="black", linewidth=2.5, solid_capstyle="butt",
            zorder=6)
    ax.text((left + right) / 2, base + (y1 - y0) * 0.012,
            f"{length / 1000:g} km" if length >= 1000 else f"{length} m",
            ha="center", va="bottom", fontsize=7, zorder=6)


def _north_arrow(ax) -> None:
    ax.annotate("B", xy=(0.95, 0.95), xytext=(0.95, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=9, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 2.5, "headwidth": 8,
                            "headlength": 8})


def _chart_png(per_hour: pd.DataFrame, lang: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    if len(per_hour):
        data = per_hour.loc[:, per_hour.sum() > 0]
        bottom = None
        for kind in data.columns:
            ax.bar(data.index.strftime("%H"), data[kind], bottom=bottom,
                   label=label("kind", kind, lang))
            bottom = data[kind] if bottom is None else bottom + data[kind]
        # Below the bars, inside the picture: a long kind name is never cut off.
        fig.legend(fontsize=7, ncol=3, loc="lower center", frameon=False)
    ax.set_xlabel(message("report.chart.hour", lang))
    ax.set_ylabel(message("report.chart.count", lang))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(rect=(0, 0.2 if len(per_hour) else 0, 1, 1))
    return _png(fig, tight=False)


def _png(fig, tight: bool = True) -> bytes:
    buf = io.BytesIO()
    if tight:
        fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


# ---- tables as text ------------------------------------------------------------------------
def hamlet_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    dur = _durations(lang)
    return [[str(r["hamlet"]), str(r["n"]), "/".join(str(r[f"sev:{s}"]) for s in (4, 3, 2, 1)),
             *(f"{dur(r[f'{s}_median'])} / {dur(r[f'{s}_p90'])}" for s in SPANS),
             _pct(r["dispatched_within_target"]), _pct(r["hamlet_team_share"])]
            for r in table.to_dict("records")]


def gap_rows(rev: Review) -> list[list[str]]:
    return [[rev.m(f"report.place.{g.kind}"), g.name, rev.m("report.no_route")
             if math.isinf(g.distance_m) else f"{g.distance_m:,.0f} m".replace(",", ".")]
            for g in rev.gaps.itertuples(index=False)]


def checkpoint_rows(rev: Review) -> list[list[str]]:
    return [[c.name, str(c.team_name or c.team or ""), rev.m(f"teams.state.{c.state}"),
             str(c.checkins), rev.m("report.minutes", m=f"{c.longest_gap_min:.0f}")]
            for c in rev.checkpoints.itertuples(index=False)]


def emerging_rows(rev: Review) -> list[list[str]]:
    return [[str(e.cluster), str(e.n), f"{e.lat:.5f}, {e.lon:.5f}", f"{e.radius_m:.0f} m",
             ", ".join(f"#{i}" for i in e.incident_ids[:12])]
            for e in rev.emerging.itertuples(index=False)]


def generated(rev: Review) -> str:
    return rev.m("report.generated", at=local_text(rev.generated_at, "%H:%M %d/%m/%Y"))


# ---- HTML --------------------------------------------------------------------------------------
def render_html(rev: Review) -> str:
    """One self-contained page: fonts and pictures embedded, nothing fetched."""
    def e(text: object) -> str:
        return html.escape(str(text))

    def table(head: list[str], rows: list[list[str]]) -> str:
        if not rows:
            return f"<p class='none'>{e(rev.m('report.none'))}</p>"
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                       for r in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    def img(png: bytes, alt: str) -> str:
        return (f"<img alt='{html.escape(alt)}' src='data:image/png;base64,"
                f"{base64.b64encode(png).decode()}'>")

    fonts = "".join(
        f"@font-face{{font-family:'DejaVu Sans';font-weight:{'bold' if k else 'normal'};"
        f"src:url(data:font/ttf;base64,{base64.b64encode(p.read_bytes()).decode()})}}"
        for k, p in FONT.items())
    serious = "".join(
        f"<h3>#{s['id']} {html.escape(s['kind'])} — {html.escape(s['severity'])} — "
        f"{html.escape(s['hamlet'])}</h3><p>{html.escape(s['description'] or '')}</p>"
        + table(head("timeline", rev.lang), [list(x) for x in s["timeline"]])
        for s in rev.serious) or f"<p class='none'>{e(rev.m('report.none'))}</p>"
    more = f"<p>{e(rev.m('report.more_serious', n=rev.serious_more))}</p>" \
        if rev.serious_more else ""
    return f"""<!doctype html>
<html lang="{rev.lang}"><head><meta charset="utf-8">
<title>{html.escape(rev.title)} — {html.escape(rev.place)}</title>
<style>{fonts}
body{{font-family:'DejaVu Sans',sans-serif;max-width:1000px;margin:2em auto;color:#222;
font-size:14px}} h1{{font-size:22px;text-transform:uppercase}} h2{{margin-top:1.6em}}
table{{border-collapse:collapse;width:100%;font-size:12px}} td,th{{border:1px solid #999;
padding:3px 6px;text-align:left}} th{{background:#eceff1}} img{{max-width:100%}}
.none{{color:#666}}</style></head><body>
<h1>{html.escape(rev.title)}</h1>
<p><b>{html.escape(rev.place)}</b> — {html.escape(rev.period.local_text(rev.lang))}<br>
{e(generated(rev))}</p>
<h2>{e(rev.m("report.sec.summary"))}</h2>
{table(head("summary", rev.lang), [list(x) for x in rev.summary])}
<h2>{e(rev.m("report.sec.map"))}</h2>{img(rev.map_png, rev.m("report.map_alt"))}
<h2>{e(rev.m("report.sec.hamlets"))}</h2>
{table(head("hamlets", rev.lang), hamlet_rows(rev.hamlets, rev.lang))}
<h2>{e(rev.m("report.sec.hourly"))}</h2>{img(rev.chart_png, rev.m("report.chart_alt"))}
<h2>{e(rev.m("report.sec.serious"))}</h2>{serious}{more}
<h2>{e(rev.m("report.sec.gaps"))}</h2>{table(head("gaps", rev.lang), gap_rows(rev))}
<h3>{e(rev.m("report.sec.checkpoints"))}</h3>
{table(head("checkpoints", rev.lang), checkpoint_rows(rev))}
<h2>{e(rev.m("report.sec.emerging"))}</h2>
{table(head("emerging", rev.lang), emerging_rows(rev))}
</body></html>"""


# ---- PDF ---------------------------------------------------------------------------------------
def render_pdf(rev: Review) -> bytes:
    """An A4 PDF with DejaVu Sans embedded (subset), so diacritics print and extract."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=14)
    for style, path in FONT.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.add_page()
    w = pdf.epw

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(w, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def table(head: list[str], rows: list[list[str]], widths: Sequence[float] | None = None,
              size: float = 8) -> None:
        if not rows:
            pdf.multi_cell(w, 5, rev.m("report.none"), new_x="LMARGIN", new_y="NEXT")
            return
        pdf.set_font("DejaVu", "", size)
        with pdf.table(col_widths=widths, line_height=size * 0.55,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(236, 239, 241))
                       ) as t:
            for r in [head, *rows]:
                row = t.row()
                for c in r:
                    row.cell(str(c))
        pdf.set_font("DejaVu", "", 9)

    def note(text: str) -> None:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(w, 4.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def capped(rows: list[list[str]]) -> list[list[str]]:
        if len(rows) > PDF_ROWS:
            note(rev.m("report.first_rows", shown=PDF_ROWS, n=len(rows)))
        return rows[:PDF_ROWS]

    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(w, 8, rev.title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(w, 6, f"{rev.place} — {rev.period.local_text(rev.lang)}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(w, 5, generated(rev), align="C", new_x="LMARGIN", new_y="NEXT")
    heading(rev.m("report.sec.summary"))
    table(head("summary", rev.lang), [list(x) for x in rev.summary], (3, 2), 9)
    heading(rev.m("report.sec.map"))
    _pdf_map(pdf, rev, w * 0.85, pdf.l_margin + w * 0.075)
    widths = (3, 1.2, 2, 3, 3, 3, 1.6, 1.6)
    if len(rev.hamlets) - 1 <= PDF_ROWS:
        heading(rev.m("report.sec.hamlets"))
        table(head("hamlets", rev.lang), hamlet_rows(rev.hamlets, rev.lang), widths, 7)
    else:
        heading(rev.m("report.sec.communes"))
        note(rev.m("report.hamlets_elsewhere", n=len(rev.hamlets) - 1))
        table([rev.m("report.head.commune"), *head("hamlets", rev.lang)[1:]],
              hamlet_rows(rev.communes, rev.lang)[:PDF_ROWS + 1], widths, 7)
    heading(rev.m("report.sec.hourly"))
    pdf.image(io.BytesIO(rev.chart_png), w=w)
    heading(rev.m("report.sec.serious"))
    if not rev.serious:
        pdf.multi_cell(w, 5, rev.m("report.none"), new_x="LMARGIN", new_y="NEXT")
    for s in rev.serious:
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(w, 5, f"#{s['id']} {s['kind']} — {s['severity']} — {s['hamlet']}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        if s["description"]:
            pdf.multi_cell(w, 4.5, s["description"], new_x="LMARGIN", new_y="NEXT")
        for at, what, who in s["timeline"]:
            pdf.multi_cell(w, 4.2, f"   {at}  {what}  ({who})", new_x="LMARGIN", new_y="NEXT")
    if rev.serious_more:
        pdf.multi_cell(w, 5, rev.m("report.more_serious", n=rev.serious_more),
                       new_x="LMARGIN", new_y="NEXT")
    heading(rev.m("report.sec.gaps"))
    table(head("gaps", rev.lang), capped(gap_rows(rev)), (1.5, 4, 2))
    heading(rev.m("report.sec.checkpoints"), 10)
    table(head("checkpoints", rev.lang), capped(checkpoint_rows(rev)), (4, 2.5, 1.5, 1.5, 1.5))
    heading(rev.m("report.sec.emerging"))
    table(head("emerging", rev.lang), capped(emerging_rows(rev)), (0.8, 0.8, 2.5, 1.2, 4))
    return bytes(pdf.output())


def _pdf_map(pdf, rev: Review, width: float, x: float) -> None:
    """The map picture, with the hamlet and site names written over it as text."""
    top = pdf.get_y()
    info = pdf.image(io.BytesIO(rev.pdf_map_png or rev.map_png), w=width, x=x)
    height = info.rendered_height
    pdf.set_text_color(40, 40, 40)
    for text, fx, fy, size in rev.pdf_map_names:
        pdf.set_font("DejaVu", "", size)
        pdf.text(x + fx * width, top + fy * height, text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_y(top + height)


def write_report(rev: Review, out: str | Path) -> Path:
    """Write *out* as PDF or HTML, chosen by its suffix."""
    path = Path(out)
    if path.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise ValueError(f"report file {path.name!r}: end it in .pdf or .html")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(render_pdf(rev))
    else:
        path.write_text(render_html(rev), encoding="utf-8")
    return path
