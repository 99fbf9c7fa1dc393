"""Vietnamese text: NFC on the way in, accent-folded keys for search."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["nfc", "fold", "matches", "clean_text", "NAME_MAX", "TEXT_MAX", "CODE_MAX",
           "has_controls", "strip_controls",
           "code_problem", "searchable"]

# Length limits per kind of field: names and labels, free text (descriptions, notes,
# reasons), codes.
NAME_MAX = 200
TEXT_MAX = 4000
CODE_MAX = 100

_SPACES = re.compile(r"\s+")
# Control characters (C0 but tab and newline, DEL, C1) and the bidi controls that can
# make text read differently from what is stored (RLO, LRO, isolates, marks).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n]+")
# A code names a place or a team in URLs, map data and files: no markup, template or
# quoting characters in it.
_CODE_UNSAFE = re.compile(r"[{}<>\"'`\\&\[\]$]")
# đ/Đ are letters of their own, not a d with a combining mark, so NFD leaves them.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """Return *text* in Unicode NFC, the form every stored string is kept in."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: object, *, max_len: int | None = None, multiline: bool = False) -> str:
    """Text as it is stored: NFC, control and bidi characters removed, trimmed;
    ``None`` becomes ``""``. Newline and tab are kept only in *multiline* text
    (descriptions, notes); elsewhere they become a space.

    Raises ValueError when the cleaned text is longer than *max_len*. The text is
    data: HTML, markdown or SQL in it is stored as given and made inert on output
    (``geo.inert``).
    """
    if text is None:
        return ""
    out = nfc(_CONTROLS.sub("", str(text)))  # strip first: a control may split a letter
    if not multiline:
        out = _LINE_BREAKS.sub(" ", out)
    out = out.strip()
    if max_len is not None and len(out) > max_len:
        raise ValueError(f"longer than {max_len} characters ({len(out)})")
    return out


def code_problem(code: str) -> str | None:
    """Why *code* cannot be a code, or None."""
    bad = sorted(set(_CODE_UNSAFE.findall(code)))
    return f"a code may not contain {' '.join(bad)}" if bad else None


def strip_controls(text: str) -> str:
    """*text* without control and bidi characters (newline and tab kept)."""
    return _CONTROLS.sub("", text)


def has_controls(text: object) -> bool:
    """True when *text* holds characters :func:`clean_text` removes."""
    return text is not None and bool(_CONTROLS.search(str(text)))


def fold(text: str) -> str:
    """Accent-folded, lower-case search key: ``fold("Cổ Dũng") == "co dung"``."""
    decomposed = unicodedata.normalize("NFD", nfc(text).translate(_EXTRA))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.lower().translate(_EXTRA)).strip()


def matches(query: str, text: str) -> bool:
    """True when *query* appears in *text*, ignoring case and diacritics."""
    return fold(query) in fold(text)


def searchable(name: str) -> str:
    """A picker label that a search without diacritics finds: "Thôn Huề Trì · thon hue tri"
    (the name alone when folding changes nothing)."""
    folded = fold(name)
    return name if folded == name.lower() else f"{name} · {folded}"
