"""Message catalogues: Vietnamese (default) and English. Pages never hard-code UI text.

Messages go to Streamlit, which reads them as markdown: the catalogue's own text may
use markdown, but every parameter (a name, an actor, an error's text) is made inert
with ``geo.inert.md_text`` before it is put in.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from geo.inert import md_text

__all__ = ["LANGS", "t", "catalogue", "label"]

LANGS = ("vi", "en")
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def t(key: str, lang: str = "vi", **params: object) -> str:
    """The message *key* in *lang*, formatted with *params* (each made inert for
    markdown); falls back to Vietnamese, then to the key itself so a missing message is
    visible rather than fatal."""
    text = catalogue(lang).get(key) or catalogue("vi").get(key) or key
    return text.format(**{k: md_text(v) for k, v in params.items()}) if params else text


def label(group: str, code: object, lang: str = "vi") -> str:
    """Label of a domain code, e.g. ``label("kind", "fire") -> "Cháy, nổ"``."""
    return t(f"{group}.{code}", lang)
