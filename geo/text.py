"""Vietnamese text: NFC on the way in, accent-folded keys for search."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["nfc", "fold", "matches", "clean_text"]

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not a d with a combining mark, so NFD leaves them.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """Return *text* in Unicode NFC, the form every stored string is kept in."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: object, *, max_len: int | None = None) -> str:
    """NFC, trimmed, inner whitespace kept; ``None`` becomes ``""``.

    The text is data: HTML or SQL in it is stored as given and escaped on output.
    """
    if text is None:
        return ""
    out = nfc(str(text)).strip()
    if max_len is not None and len(out) > max_len:
        raise ValueError(f"longer than {max_len} characters")
    return out


def fold(text: str) -> str:
    """Accent-folded, lower-case search key: ``fold("Cổ Dũng") == "co dung"``."""
    decomposed = unicodedata.normalize("NFD", nfc(text).translate(_EXTRA))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.lower().translate(_EXTRA)).strip()


def matches(query: str, text: str) -> bool:
    """True when *query* appears in *text*, ignoring case and diacritics."""
    return fold(query) in fold(text)
