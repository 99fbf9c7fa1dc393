"""Hostile text: one corpus shared by the fast tests (tests/unit/test_hostile_guards.py,
tests/store/test_hostile.py) and the browser tests (tests/e2e/test_hostile_browser.py).

Each payload targets one sink: Jinja (folium/branca compile rendered element text as a
template again), HTML, JavaScript template literals (folium puts tooltip and popup HTML in
`` `…` ``), Streamlit markdown, spreadsheets (CSV injection), terminals and Unicode
normalisation. A payload is data: wherever it ends up it must read back as the same text,
never as a template, markup, script or formula.

``corpus(tmp)`` adds the payloads that would create ``<tmp>/pwned`` if anything rendered
them as a Jinja template on the server; ``pwned(tmp)`` tells whether that happened. One of
them has no quote character (a ``tojson`` filter turns quotes into ``\\u0027``, which only
breaks the template): it reads the directory from ``$ANTT_HOSTILE_PWNED``, so set
``pwned_env(tmp)`` in the environment of whatever renders.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

__all__ = ["PAYLOADS", "JINJA", "HTML", "JS", "MARKDOWN", "FORMULAS", "CONTROL", "NFD",
           "HUGE", "EVIL_HOST", "PWNED_ENV", "corpus", "makedirs_payloads", "pwned",
           "pwned_env", "ids"]

EVIL_HOST = "evil.example"
PWNED_ENV = "ANTT_HOSTILE_PWNED"

JINJA = {
    "jinja-expr": "{{ 7*7 }}",
    "jinja-for": "{% for x in range(3) %}x{% endfor %}",
    "jinja-comment": "{# c #}",
    "jinja-open-expr": "{{",       # TemplateSyntaxError bait
    "jinja-open-stmt": "{%",
}
HTML = {
    "html-img": "<img src=x onerror=alert(document.domain)>",
    "html-script": "<script>alert(1)</script>",
    "html-attr-break": '"><svg onload=alert(1)>',
}
# Folium writes tooltip and popup HTML into JavaScript template literals. A backtick ends
# the literal (tooltips do not escape it; popups escape it unless a backslash precedes it),
# and a bad escape sequence (\x, \u) is a SyntaxError that stops the whole map script.
JS = {
    "js-template-break": "x`+alert(document.domain)+`y",
    "js-backslash-backtick": "\\\\`);alert(document.domain);//",
    "js-template-expr": "${alert(document.domain)}",
    "js-bad-escape": "C:\\xzz \\u",
}
MARKDOWN = {
    "md-image": f"![x](http://{EVIL_HOST}/b.png)",
    "md-link": f"[l](http://{EVIL_HOST}/p)",
    "md-directive": ":red[x]",
    "md-math": "$x^2$",
}
FORMULAS = {
    "csv-hyperlink": f'=HYPERLINK("http://{EVIL_HOST}","x")',
    "csv-plus": "+1",
    "csv-minus": "-2+3",
    "csv-at": "@SUM(1)",
    "csv-tab": "\t=1",
}
CONTROL = {
    "ctl-terminal": "\x1b]0;PWNED\x07\x1b[2J",
    "ctl-nul": "a\x00b",
    "ctl-rlo": "\u202eevil",
}
NFD = unicodedata.normalize("NFD", "Cổ Dũng")
# 100 kB of text that is hostile all the way through, not just long.
HUGE = ("Cổ Dũng <b>{{ x }}</b> `=1` " * 4000)[:100_000]

PAYLOADS: dict[str, str] = {**JINJA, **HTML, **JS, **MARKDOWN, **FORMULAS, **CONTROL,
                            "nfd-vietnamese": NFD, "huge-100k": HUGE}


def makedirs_payloads(tmp: Path) -> dict[str, str]:
    """Payloads that create ``<tmp>/pwned`` when rendered as a Jinja template (SSTI)."""
    target = str(Path(tmp) / "pwned")
    call = f"lipsum.__globals__.os.makedirs('{target}', exist_ok=True)"
    quote_free = ("lipsum.__globals__.os.makedirs("
                  f"lipsum.__globals__.os.environ.{PWNED_ENV}, exist_ok=True)")
    return {"jinja-makedirs": "{{ " + call + " }}",
            "jinja-set-makedirs": "{% set x = " + call + " %}",
            "jinja-makedirs-env": "{{ " + quote_free + " }}"}


def pwned_env(tmp: Path) -> dict[str, str]:
    """The environment the quote-free payload reads its target from."""
    return {PWNED_ENV: str(Path(tmp) / "pwned")}


def corpus(tmp: Path) -> dict[str, str]:
    """Every payload, with the file-creating ones aimed at *tmp*."""
    return {**PAYLOADS, **makedirs_payloads(tmp)}


def pwned(tmp: Path) -> bool:
    """True when a makedirs payload ran."""
    return (Path(tmp) / "pwned").exists()


def ids(payloads: dict[str, str]) -> list[str]:
    return list(payloads)
