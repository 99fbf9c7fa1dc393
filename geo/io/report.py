"""The written review (báo cáo sơ kết) rendered as HTML and PDF: its figures are gathered by
``geo.analysis.review_figures``, its map and chart drawn by ``geo.io.report_pictures``.

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
from dataclasses import dataclass, fields
from pathlib import Path

import matplotlib
import pandas as pd

from geo.analysis.metrics import SPANS
from geo.analysis.review_figures import (
    ReviewFigures,
    duration_text,
    gather_review,
    percent_text,
)
from geo.clock import Period, local_text
from geo.i18n import message
from geo.io.report_pictures import MAP_WIDTH_IN, chart_png, map_png
from geo.store import Store

__all__ = ["Review", "build_review", "with_pictures", "render_html", "render_pdf",
           "write_report", "FONT", "head", "hamlet_rows", "gap_rows", "checkpoint_rows",
           "emerging_rows"]

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
PDF_ROWS = 60  # a longer table goes to the HTML version and the exports, not to paper


@dataclass
class Review(ReviewFigures):
    """Everything the written review shows, computed once, in one language: its figures
    and its pictures."""

    map_png: bytes
    chart_png: bytes
    # The PDF's map: the picture without names, and the names to write over it as text.
    pdf_map_png: bytes = b""
    pdf_map_names: tuple = ()
    # The PDF's chart: the picture without its legend, and the kinds (name, colour hex) to
    # write under it as text, wrapped, never cut.
    pdf_chart_png: bytes = b""
    chart_kinds: tuple = ()


def head(table: str, lang: str) -> list[str]:
    """Column headings of one of the review's tables (``hamlets``, ``gaps``, ...)."""
    return message(f"report.head.{table}", lang).split("|")


def build_review(store: Store, period: Period, *, lang: str = "vi",
                 commune_codes: Sequence[str] = (), hamlet_codes: Sequence[str] = (),
                 kinds: Sequence[str] = (), severities: Sequence[int] = (),
                 target_s: float | None = None, radius_m: float | None = None) -> Review:
    """The review's figures for *period* and the filters
    (:func:`geo.analysis.review_figures.gather_review`), with its map and chart drawn."""
    return with_pictures(gather_review(
        store, period, lang=lang, commune_codes=commune_codes, hamlet_codes=hamlet_codes,
        kinds=kinds, severities=severities, target_s=target_s, radius_m=radius_m))


def with_pictures(fig: ReviewFigures) -> Review:
    """The review of *fig* with its map and chart drawn (seconds of matplotlib: the
    review page draws them only when the PDF or HTML is asked for)."""
    if isinstance(fig, Review):
        return fig
    figures = {f.name: getattr(fig, f.name) for f in fields(fig)}
    args = (fig.layers, fig.incidents, fig.gaps, fig.emerging, fig.lang)
    return Review(
        **figures,
        map_png=map_png(*args, titles=fig.commune_names)[0],
        chart_png=chart_png(fig.hourly, fig.lang)[0],
        **dict(zip(("pdf_chart_png", "chart_kinds"),
                   chart_png(fig.hourly, fig.lang, legend=False), strict=True)),
        **dict(zip(("pdf_map_png", "pdf_map_names"),
                   map_png(*args, names=False, titles=fig.commune_names), strict=True)))


# ---- tables as text ------------------------------------------------------------------------
def hamlet_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    dur = duration_text(lang)
    return [[str(r["hamlet"]), str(r["n"]), "/".join(str(r[f"sev:{s}"]) for s in (4, 3, 2, 1)),
             *(f"{dur(r[f'{s}_median'])} / {dur(r[f'{s}_p90'])}" for s in SPANS),
             percent_text(r["dispatched_within_target"]), percent_text(r["hamlet_team_share"])]
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
    return [[str(e.cluster), str(e.n), str(e.place), f"{e.radius_m:.0f} m",
             ", ".join(f"#{i}" for i in e.incident_ids[:12])]
            for e in rev.emerging.itertuples(index=False)]


def phase_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    """The phases compared (``geo.calendar.phase_table``): name, dates, days, incidents,
    per day, serious, complaints."""
    def days(start, end) -> str:
        last = end - pd.Timedelta(microseconds=1)
        first, final = local_text(start, "%d/%m/%Y"), local_text(last, "%d/%m/%Y")
        return first if first == final else f"{first} – {final}"
    dec = "," if lang == "vi" else "."
    return [[str(r["name"]), days(r["start"], r["end"]), f"{r['days']:g}".replace(".", dec),
             str(r["incidents"]), f"{r['per_day']:.2f}".replace(".", dec), str(r["serious"]),
             str(r["complaints"])] for r in table.to_dict("records")]


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
    phases = (f"<h2>{e(rev.m('report.sec.phases'))}</h2>"
              f"{table(head('phases', rev.lang), phase_rows(rev.phases, rev.lang))}"
              f"<p>{e(rev.m('review.phases_note'))}</p>") if len(rev.phases) else ""
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
{phases}
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
        # Left-aligned: a justified heading spreads its words ("Đạt      thời hạn").
        with pdf.table(col_widths=widths, line_height=size * 0.55, text_align="LEFT",
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
    pdf.image(io.BytesIO(rev.pdf_chart_png or rev.chart_png), w=w)
    _pdf_kinds(pdf, rev.chart_kinds, w)
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
    if len(rev.phases):
        heading(rev.m("report.sec.phases"))
        table(head("phases", rev.lang), phase_rows(rev.phases, rev.lang),
              (4, 2.6, 0.8, 0.9, 1.1, 1.1, 1.1))
        note(rev.m("review.phases_note"))
    return bytes(pdf.output())


def _pdf_kinds(pdf, kinds: Sequence[tuple[str, str]], width: float) -> None:
    """The chart's legend as text under it: a swatch and the kind's full name, two to a
    line, a long name wrapped within its column."""
    pdf.set_font("DejaVu", "", 7.5)
    col = width / 2
    for k in range(0, len(kinds), 2):
        top, bottom = pdf.get_y(), pdf.get_y()
        for j, (name, colour) in enumerate(kinds[k:k + 2]):
            x = pdf.l_margin + j * col
            rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
            pdf.set_fill_color(*rgb)
            pdf.rect(x, top + 1, 3.5, 2.5, style="F")
            pdf.set_xy(x + 5, top)
            pdf.multi_cell(col - 7, 4.2, name, new_x="LMARGIN", new_y="NEXT")
            bottom = max(bottom, pdf.get_y())
        pdf.set_y(bottom)
    pdf.set_font("DejaVu", "", 9)


def _pdf_map(pdf, rev: Review, width: float, x: float) -> None:
    """The map picture, with the hamlet and site names written over it as text."""
    top = pdf.get_y()
    info = pdf.image(io.BytesIO(rev.pdf_map_png or rev.map_png), w=width, x=x)
    height = info.rendered_height
    pdf.set_text_color(40, 40, 40)
    scale = width / (MAP_WIDTH_IN * 25.4)  # the picture's points → the page's
    for text, fx, fy, size in rev.pdf_map_names:
        pdf.set_font("DejaVu", "", size * scale)
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
