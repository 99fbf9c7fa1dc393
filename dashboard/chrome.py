"""Streamlit's own English in a Vietnamese UI.

Streamlit has no language setting: "Choose options", "Select all", "No results", the
"Page not found" dialog and the status widget are English in its JavaScript. In
Vietnamese mode one small script in the page puts the Vietnamese of
``dashboard/i18n/streamlit_vi.json`` in their place (text and the placeholder,
``aria-label`` and ``title`` attributes), now and whenever Streamlit draws them again.
It is installed before the login page, so a not-found path's dialog (shown on the first
load) is translated too. The main menu (rerun, settings, print, about: all English, none
needed on duty) is hidden.

The script is a constant built from our own file; no user text goes into it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

__all__ = ["vietnamese"]

_CATALOGUE = Path(__file__).parent / "i18n" / "streamlit_vi.json"

_SCRIPT = """<script>
(() => {
  window.__anttLang = %(lang)s;
  if (window.__anttChrome) { if (window.__anttLang === "vi") window.__anttChrome(); return; }
  const exact = %(exact)s;
  const patterns = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const fix = (s) => {
    const k = s.trim();
    if (!k || window.__anttLang !== "vi") return null;
    if (Object.prototype.hasOwnProperty.call(exact, k)) return s.replace(k, exact[k]);
    for (const [re, to] of patterns) if (re.test(k)) return s.replace(k, k.replace(re, to));
    return null;
  };
  const ATTRS = ["placeholder", "aria-label", "title"];
  const fixNode = (n) => {
    if (n.nodeType === 3) { const v = fix(n.nodeValue); if (v !== null) n.nodeValue = v; return; }
    if (n.nodeType !== 1) return;
    for (const a of ATTRS) {
      const v = n.getAttribute(a); const f = v && fix(v); if (f) n.setAttribute(a, f);
    }
  };
  const walk = (root) => {
    fixNode(root);
    if (root.nodeType !== 1) return;
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n; (n = w.nextNode());) fixNode(n);
    root.querySelectorAll("[placeholder],[aria-label],[title]").forEach(fixNode);
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "childList") c.addedNodes.forEach(walk); else fixNode(c.target);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                             attributes: true, attributeFilter: ATTRS});
  window.__anttChrome = () => walk(document.body);
  window.__anttChrome();
})();
</script>"""

_CSS = """<style>[data-testid="stMainMenu"] { display: none !important; }</style>"""


@cache
def _script(lang: str) -> str:
    data = json.loads(_CATALOGUE.read_text(encoding="utf-8"))
    return _SCRIPT % {"lang": json.dumps(lang), "exact": json.dumps(data["exact"]),
                      "patterns": json.dumps(data["patterns"])}


def vietnamese(lang: str) -> None:
    """Install the translator (or, in English, let Streamlit speak for itself)."""
    st.html(_CSS + _script(lang), unsafe_allow_javascript=True)
