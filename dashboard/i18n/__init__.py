"""The catalogue of ``geo.i18n`` for Streamlit: pages never hard-code UI text.

Streamlit reads messages as markdown: the catalogue's own text may use markdown, but
every parameter (a name, an actor, an error's text) is made inert with
``geo.checks.inert.md_text`` before it is put in.
"""

from __future__ import annotations

from geo.checks.inert import md_text
from geo.i18n import LANGS, catalogue, label, message

__all__ = ["LANGS", "t", "catalogue", "label"]


def t(key: str, lang: str = "vi", **params: object) -> str:
    """:func:`geo.i18n.message` with each parameter made inert for markdown."""
    return message(key, lang, **{k: md_text(v) for k, v in params.items()})
