"""Message catalogues: Vietnamese (default) and English. Pages never hard-code UI text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["LANGS", "t", "catalogue", "label"]

LANGS = ("vi", "en")
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def t(key: str, lang: str = "vi", **params: object) -> str:
    """The message *key* in *lang*, formatted with *params*; falls back to Vietnamese,
    then to the key itself so a missing message is visible rather than fatal."""
    text = catalogue(lang).get(key) or catalogue("vi").get(key) or key
    return text.format(**params) if params else text


def label(group: str, code: object, lang: str = "vi") -> str:
    """Label of a domain code, e.g. ``label("kind", "fire") -> "Cháy, nổ"``."""
    return t(f"{group}.{code}", lang)
