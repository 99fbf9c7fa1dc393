"""Message catalogues: Vietnamese (default) and English, for every place text is shown:
the dashboard, the written review and the ``antt`` command. No Streamlit here.

:func:`message` formats plain text. The dashboard's ``dashboard.i18n.t`` is the same
with every parameter made inert for markdown; the written review escapes for HTML or
PDF itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["LANGS", "message", "catalogue", "label"]

LANGS = ("vi", "en")
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def message(key: str, lang: str = "vi", **params: object) -> str:
    """The message *key* in *lang*, formatted with *params*; falls back to Vietnamese, then
    to the key itself so a missing message is visible rather than fatal."""
    text = catalogue(lang).get(key) or catalogue("vi").get(key) or key
    return text.format(**params) if params else text


def label(group: str, code: object, lang: str = "vi") -> str:
    """Label of a domain code, e.g. ``label("kind", "fire") -> "Cháy, nổ"``."""
    return message(f"{group}.{code}", lang)
