"""Shared by the hostile-text tests of several levels: what a clean stored string is,
labels, and the check that a page holds payloads only as inert text."""

from __future__ import annotations

import unicodedata
from collections import Counter
from html.parser import HTMLParser

from geo.checks.inert import plain_text

from . import hostile

# Control characters (C0 but tab/newline, DEL, C1) and bidi controls: never stored.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _bad_char(c: str, multiline: bool = True) -> bool:
    if c in BIDI:
        return True
    if c in "\n\t":
        return not multiline
    return unicodedata.category(c) == "Cc"


def _label(group: str, code: object) -> str:
    from geo.i18n import label
    return label(group, code)


# The benign twin's text (same shapes, same counts, plain names).
BENIGN = "Văn bản bình thường"


class _Tags(HTMLParser):
    """Every start tag and attribute the HTML parser sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    return p


# Characters that make text active in HTML, in Jinja and in a JS template literal.
HTML_ACTIVE = set("<>&\"'")
MAP_ACTIVE = HTML_ACTIVE | set("{}`\\")


def assert_inert_page(page: str, benign: str, texts: list[str], active: set[str],
                      where: str) -> None:
    """*page* holds the hostile texts only as inert text: it has exactly the elements of the
    benign twin, no element or handler a payload could bring, no payload verbatim where it
    has an active character, and no control character from a payload."""
    got, want = _parse(page), _parse(benign)
    assert got.tags == want.tags, f"{where}: elements differ from the benign page: " \
        f"{(got.tags - want.tags) or (want.tags - got.tags)}"
    handlers = [(t, k, v) for t, k, v in got.attrs if k.startswith("on")]
    assert not handlers, f"{where}: event handler attributes {handlers[:3]}"
    for tag in ("img", "svg", "iframe"):
        assert got.tags[tag] == want.tags[tag], f"{where}: <{tag}> from a payload"
    assert hostile.EVIL_HOST not in benign
    for t in set(texts):
        raw = plain_text(t)
        if not set(raw) & active:
            continue
        for line in {raw, *raw.splitlines()}:
            if len(line) >= 2 and set(line) & active:
                seen, expected = page.count(line), benign.count(line)
                assert seen == expected, f"{where}: payload verbatim {seen - expected} " \
                    f"time(s): {line[:60]!r}"
    for c in "\x1b\x00\x07\u202e":
        assert c not in page, f"{where}: control character U+{ord(c):04X} in the page"
    assert "TemplateSyntaxError" not in page
