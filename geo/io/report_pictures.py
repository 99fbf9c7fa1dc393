"""The written review's pictures, drawn by matplotlib from the stored layers (no tiles, no
network): the map, a panel per commune with a scale bar and a north arrow, and the
incidents-per-hour chart, as PNG bytes for ``geo.io.report`` to embed."""

from __future__ import annotations

import io
import math
import textwrap

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from geo.analysis.labels import Label, place_labels, ring_offsets, stack_groups  # noqa: E402
from geo.i18n import label, message  # noqa: E402
from geo.palette import (  # noqa: E402
    EMERGING_COLOUR,
    GAP_COLOUR,
    HOTSPOT_COLOUR,
    ROUTE_COLOURS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
)

__all__ = ["map_png", "map_figure", "chart_png", "MAX_PANELS", "MAP_WIDTH_IN"]

MAX_PANELS = 4  # communes drawn one panel each; more share one panel
MAP_WIDTH_IN = 8  # the map picture's width, inches


def map_png(layers: dict[str, gpd.GeoDataFrame], inc: pd.DataFrame, gaps: pd.DataFrame,
            emerging: pd.DataFrame, lang: str, names: bool = True,
            titles: dict[str, str] | None = None
            ) -> tuple[bytes, list[tuple[str, float, float, float]]]:
    """The review's map as PNG bytes, and the names not drawn in it (see
    :func:`map_figure`)."""
    fig, labels = map_figure(layers, inc, gaps, emerging, lang, names, titles)
    return _png(fig, tight=False), labels


def map_figure(layers: dict[str, gpd.GeoDataFrame], inc: pd.DataFrame, gaps: pd.DataFrame,
               emerging: pd.DataFrame, lang: str, names: bool = True,
               titles: dict[str, str] | None = None
               ) -> tuple[Figure, list[tuple[str, float, float, float]]]:
    """The review's map as a police report has it: each commune in its own panel fitted
    to it (up to four; more share one), hamlet and polling-site names placed so that no
    two overlap (a site's name first; a name with no free place is left out), incidents
    reported at one place in a ring round it with their count, a scale bar, a north
    arrow, and the legend under the panels.

    With *names* the hamlet and site names are drawn in the picture (the HTML version);
    without, they come back as ``(text, x, y, size)`` (fractions of the picture from its
    top left to the text's baseline start; points in a picture :data:`MAP_WIDTH_IN`
    wide) for the PDF to write as text over it, so they can be found and copied.
    *titles* are the panels' commune labels (code → label; default the name)."""
    communes = layers["communes"]
    groups = [[c] for c in communes["code"]] if 1 < len(communes) <= MAX_PANELS else \
        [list(communes["code"])]
    cols = min(2, len(groups))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols,
                             figsize=(MAP_WIDTH_IN, 3.6 * rows + 0.9 if rows > 1 else 6.6),
                             dpi=130, squeeze=False)
    for ax in axes.ravel()[len(groups):]:
        ax.set_axis_off()
    panels: list[tuple] = []
    for ax, codes in zip(axes.ravel(), groups, strict=False):
        panels.append((ax, *_map_panel(ax, layers, codes, inc, gaps, emerging, lang)))
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
    fig.canvas.draw()  # the layout is final: data positions → picture pixels
    return fig, _place_names(fig, panels, names)


# Where a name may stand, tried in order: offsets of its box's lower-left corner in units
# of (its width, its height, a gap of 3 points).
_SITE_AT = ((0, -0.5, 1), (-1, -0.5, -1), (-0.5, 0, 1), (-0.5, -1, -1), (0, 0, 1),
            (0, -1, 1), (-1, 0, -1), (-1, -1, -1), (-0.2, 0.5, 1), (-0.8, 0.5, 1),
            (-0.2, -1.5, -1), (-0.8, -1.5, -1), (-0.5, 1, 2), (-0.5, -2, -2))
_HAMLET_AT = ((-0.5, 0, 1), (-0.5, -1, -1), (-0.5, -0.5, 0), (0, -0.5, 1),
              (-1, -0.5, -1), (-0.5, 1, 2), (-0.5, -2, -2), (-0.5, 2, 3), (-0.5, -3, -3))
# Where the north arrow and the scale bar stand in a panel (fractions of its axes).
_FURNITURE = (((0.92, 0.80), (0.98, 0.99)), ((0.02, 0.02), (0.30, 0.11)))
_NAME = {"site": (6.5, "#1b5e20", 0, _SITE_AT), "hamlet": (7.5, "#37474f", 1, _HAMLET_AT)}


def _place_names(fig: Figure, panels: list[tuple], draw: bool
                 ) -> list[tuple[str, float, float, float]]:
    """Place the names of every panel at once (sites first) clear of each other and of
    the markers, within the picture; draw them, or return them for the PDF."""
    # An Agg canvas of its own: inside the dashboard's process, pyplot's backend may not
    # be Agg (then fig.canvas is the base canvas, which has no renderer to measure text).
    renderer = FigureCanvasAgg(fig).get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    gap = 3 * fig.dpi / 72
    todo: list[Label] = []
    kinds: dict[int, tuple[str, float]] = {}
    obstacles = []
    for ax, candidates, markers in panels:
        for kind, text, x, y in candidates:
            size, _, priority, at = _NAME[kind]
            w, h, d = renderer.get_text_width_height_descent(
                text, FontProperties(family="DejaVu Sans", size=size), ismath=False)
            w, h = w + 2, h + 1
            px, py = ax.transData.transform((x, y))
            lab = Label(text, float(px), float(py), w, h,
                        tuple((fx * w + g * gap, fy * h + g * gap / 2) for fx, fy, g in at),
                        priority)
            todo.append(lab)
            kinds[id(lab)] = (kind, d)
        for x, y, r in markers:
            px, py = ax.transData.transform((x, y))
            r = r * fig.dpi / 72
            obstacles.append((px - r, py - r, px + r, py + r))
        for corners in _FURNITURE:  # the north arrow, the scale bar and its length
            (x0, y0), (x1, y1) = ax.transAxes.transform(corners)
            obstacles.append((x0, y0, x1, y1))
    out: list[tuple[str, float, float, float]] = []
    for lab, (x0, y0, _, _) in place_labels(todo, obstacles, (0, 0, width, height)):
        kind, d = kinds[id(lab)]
        size, colour = _NAME[kind][:2]
        base = y0 + d + 0.5
        if draw:
            fig.text((x0 + 1) / width, base / height, lab.text, fontsize=size,
                     color=colour, ha="left", va="baseline", gid="antt-name")
        else:
            out.append((lab.text, (x0 + 1) / width, 1 - base / height, size))
    return out


def _map_panel(ax, layers: dict[str, gpd.GeoDataFrame], codes: list[str], inc: pd.DataFrame,
               gaps: pd.DataFrame, emerging: pd.DataFrame, lang: str
               ) -> tuple[list[tuple[str, str, float, float]], list[tuple[float, float, float]]]:
    """One panel; returns its names to place (kind, text, x, y) and the markers they must
    keep clear of (x, y, radius in points)."""
    candidates: list[tuple[str, str, float, float]] = []
    markers: list[tuple[float, float, float]] = []

    def mine(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        col = "code" if layer is layers["communes"] else "commune_code"
        return layer[layer[col].isin(codes)] if col in layer.columns and len(layer) else layer

    communes, hamlets, sites = mine(layers["communes"]), mine(layers["hamlets"]), \
        mine(layers["sites"])
    if len(communes):  # the frame is the communes, not wherever a stray point lies
        x0, y0, x1, y1 = communes.total_bounds
        pad = max(x1 - x0, y1 - y0) * 0.06
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        communes.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#546e7a", linewidth=1.5)
    if len(hamlets) and len(hamlets) <= 400:
        hamlets.plot(ax=ax, facecolor="none", edgecolor="#90a4ae", linewidth=0.6,
                     linestyle="--")
        if len(hamlets) <= 40:
            for h in hamlets.itertuples(index=False):
                p = h.geometry.representative_point()
                candidates.append(("hamlet", str(h.name), p.x, p.y))
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
                candidates.append(("site", str(st.name), st.geometry.x, st.geometry.y))
                markers.append((st.geometry.x, st.geometry.y, 2.5))
    here = inc[inc["commune_code"].isin(codes)] if len(codes) and len(inc) else inc
    markers += _incidents(ax, here, lang)
    g = gaps[gaps["commune_code"].isin(codes)] if len(gaps) else gaps
    if len(g):
        # Under the incidents (zorder 4): a cross never hides an incident at the same place.
        ax.scatter(g["lon"], g["lat"], s=60, marker="x", color=GAP_COLOUR, zorder=3.5,
                   linewidth=1.6, label=message("report.map.gap", lang))
    if len(emerging):
        from matplotlib.collections import PatchCollection
        ax.add_collection(PatchCollection(
            [plt.Circle((e.lon, e.lat), max(e.radius_m, 80) / 111_000 * 1.2)
             for e in emerging.itertuples(index=False)],
            facecolor="none", edgecolor=EMERGING_COLOUR, linewidth=1.5, linestyle=":"))
    lat = float(ax.get_ylim()[0] + ax.get_ylim()[1]) / 2
    ax.set_aspect(1 / math.cos(math.radians(lat)))
    ax.set_axis_off()
    _scale_bar(ax, lat)
    _north_arrow(ax)
    return candidates, markers


def _incidents(ax, here: pd.DataFrame, lang: str) -> list[tuple[float, float, float]]:
    """The incidents by severity; several at one place stand in a ring round it (each its
    own dot) with their count in the middle. Returns the rings and counts as markers."""
    if not len(here):
        return []
    here = here.reset_index(drop=True)
    group = stack_groups(here["lon"], here["lat"])
    counts = np.bincount(group)
    lon = here["lon"].to_numpy(dtype=float, copy=True)
    lat = here["lat"].to_numpy(dtype=float, copy=True)
    # The ring's radius: 5 points, in degrees of this panel (its aspect is set after).
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    unit = max(x1 - x0, y1 - y0) / (ax.figure.get_size_inches()[0] * 72) * 1.6
    markers = []
    for g in np.flatnonzero(counts > 1):
        rows = np.flatnonzero(group == g)
        cx, cy = lon[rows[0]], lat[rows[0]]
        stretch = 1 / math.cos(math.radians(cy))  # a round ring once the aspect is set
        for r, (dx, dy) in zip(rows, ring_offsets(len(rows), 5 * unit), strict=True):
            lon[r], lat[r] = cx + dx * stretch, cy + dy
        ax.annotate(str(len(rows)), (cx, cy), fontsize=5.5, fontweight="bold", ha="center",
                    va="center", zorder=7, gid="antt-stack-count",
                    bbox={"boxstyle": "circle,pad=0.15", "facecolor": "white",
                          "edgecolor": "#37474f", "linewidth": 0.5})
        markers.append((cx, cy, 8.0))
    for sev, colour in SEVERITY_COLOURS.items():
        sel = (here["severity"] == sev).to_numpy()
        if sel.any():
            ax.scatter(lon[sel], lat[sel], s=10 + 4 * sev, color=colour, zorder=4,
                       edgecolor="black", linewidth=0.3,
                       label=message("report.map.severity", lang, s=sev))
    return markers


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


def chart_png(per_hour: pd.DataFrame, lang: str, legend: bool = True
              ) -> tuple[bytes, list[tuple[str, str]]]:
    """The incidents-per-hour chart as PNG bytes, and its kinds as (name, colour hex).

    With *legend* the kinds are named under the bars, wrapped and in as many columns as
    fit the picture's width, so no name is cut; without, the PDF writes them as text."""
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    entries: list[tuple[str, str]] = []
    handles = []
    if len(per_hour):
        data = per_hour.loc[:, per_hour.sum() > 0]
        bottom = None
        for kind in data.columns:
            bars = ax.bar(data.index.strftime("%H"), data[kind], bottom=bottom,
                          label=label("kind", kind, lang))
            handles.append(bars)
            entries.append((label("kind", kind, lang), to_hex(bars.patches[0].get_facecolor())))
            bottom = data[kind] if bottom is None else bottom + data[kind]
    ax.set_xlabel(message("report.chart.hour", lang))
    ax.set_ylabel(message("report.chart.count", lang))
    ax.spines[["top", "right"]].set_visible(False)
    bottom_frac = 0.0
    if legend and handles:
        bottom_frac = _chart_legend(fig, handles, [n for n, _ in entries])
    fig.tight_layout(rect=(0, bottom_frac, 1, 1))
    return _png(fig, tight=False), entries


def _chart_legend(fig: Figure, handles: list, names: list[str]) -> float:
    """The legend under the chart, in the most columns (up to three) that fit the
    picture's width with its names wrapped; returns the share of the height it takes."""
    # An Agg canvas of its own: inside the dashboard's process, pyplot's backend may not
    # be Agg (then fig.canvas is the base canvas, which has no renderer to measure text).
    renderer = FigureCanvasAgg(fig).get_renderer()
    for ncol in (3, 2, 1):
        wrapped = [textwrap.fill(n, 40 if ncol > 1 else 90) for n in names]
        leg = fig.legend(handles, wrapped, fontsize=7, ncol=ncol, loc="lower center",
                         frameon=False, bbox_to_anchor=(0.5, 0.01))
        box = leg.get_window_extent(renderer)
        if box.x0 >= 0 and box.x1 <= fig.bbox.width or ncol == 1:
            return (box.height + 8) / fig.bbox.height
        leg.remove()
    return 0.0


def _png(fig, tight: bool = True) -> bytes:
    buf = io.BytesIO()
    if tight:
        fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
