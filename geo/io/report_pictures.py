"""The written review's pictures, drawn by matplotlib from the stored layers (no tiles, no
network): the map, a panel per commune with a scale bar and a north arrow, and the
incidents-per-hour chart, as PNG bytes for ``geo.io.report`` to embed."""

from __future__ import annotations

import io
import math

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from geo.i18n import label, message  # noqa: E402
from geo.palette import (  # noqa: E402
    EMERGING_COLOUR,
    GAP_COLOUR,
    HOTSPOT_COLOUR,
    ROUTE_COLOURS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
)

__all__ = ["map_png", "chart_png", "MAX_PANELS"]

MAX_PANELS = 4  # communes drawn one panel each; more share one panel


def map_png(layers: dict[str, gpd.GeoDataFrame], inc: pd.DataFrame, gaps: pd.DataFrame,
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


def chart_png(per_hour: pd.DataFrame, lang: str) -> bytes:
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
