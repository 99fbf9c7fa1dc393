"""User text made inert for each place it is shown: one guard per sink.

A description, a name or a reason is data. Where it ends up decides what could
make it active, so each sink has its own guard:

===================  ==========================  =========================================
sink                 guard                       what it defends against
===================  ==========================  =========================================
map HTML (folium)    :func:`html_text`           markup (``<img onerror>``) *and* Jinja:
                                                 folium/branca compile rendered element
                                                 text as a template again, so ``{{ … }}``
                                                 would run on the server
Streamlit text       :func:`md_text`             markdown links and images, directives
                                                 (``:red[…]``), math, raw HTML
report HTML          :func:`html_text`           markup
PDF                  :func:`plain_text`          control characters fpdf2 cannot draw
CSV / spreadsheets   :func:`csv_cell`            formulas (``=HYPERLINK(…)``), OWASP rule
terminal             :func:`plain_text`          escape sequences (``ESC ] 0 ;``)
===================  ==========================  =========================================

Text is cleaned on the way in as well (:func:`geo.text.clean_field`); these guards
hold for anything already stored or coming from a file we did not write.
"""

from __future__ import annotations

import html
import math
import re

from geo.checks.text import strip_controls

__all__ = ["html_text", "md_text", "csv_cell", "plain_text", "CSV_TRIGGERS"]

# Every ASCII punctuation that CommonMark, GFM, Streamlit's directives (:red[…]) or
# its math ($…$) give a meaning; a backslash before ASCII punctuation is always literal.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&=^])")
# A ':' before a letter or '/' (not a clock time: "12:30" stays as typed), any '@', 'www'.
_MD_BREAK = re.compile(r":(?=[^\W\d_]|/)|@|(?i:www)")
_ZWSP = "\u200b"
_HTML_MORE = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def plain_text(value: object) -> str:
    """Text with control and bidi characters removed (newline and tab kept)."""
    return strip_controls(_text(value))


def html_text(value: object) -> str:
    r"""Text safe inside HTML, inside a Jinja template *and* inside the JavaScript
    template literal folium puts tooltips and popups in: HTML-escaped, with braces,
    backquote and backslash as character references, so no ``{{``, ``{%``, ``{#``
    can form and no `` ` `` or ``\`` can end or bend the literal. The browser shows
    exactly the text."""
    out = html.escape(plain_text(value), quote=True)
    return out.translate(_HTML_MORE)


def md_text(value: object) -> str:
    """Text for Streamlit's markdown sinks (titles, captions, alerts, labels, radio
    options): every markdown punctuation backslash-escaped, line breaks folded to
    spaces, and a zero-width space after ``:`` (before a letter or ``/``), ``@`` and
    ``www`` — GFM finds
    autolinks (``http://``, ``www.``, ``a@b.c``) and Streamlit its directives
    (``:red[…]``), emoji and icons (``:material/home:``) *after* escapes are undone,
    so only a break in the text itself stops them. It reads the same."""
    text = plain_text(value).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_BREAK.sub(lambda m: m.group(0) + _ZWSP, text)


def csv_cell(value: object) -> object:
    """A cell for CSV/XLSX (OWASP "CSV injection"): text that a spreadsheet would read
    as a formula gets a leading apostrophe; numbers and empty cells pass unchanged."""
    if not isinstance(value, str):
        return value
    value = plain_text(value)
    if value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value
