"""What things look like, on the wall map and in the written review alike: one palette."""

from __future__ import annotations

__all__ = ["SEVERITY_COLOURS", "STATUS_OUTLINE", "SITE_COLOURS", "UNIT_COLOURS",
           "TARGET_COLOUR", "ROUTE_COLOURS", "GAP_COLOUR", "EMERGING_COLOUR",
           "HOTSPOT_COLOUR", "KIND_SYMBOLS", "MAP_LIGHT", "MAP_DARK"]

SEVERITY_COLOURS = {1: "#2e7d32", 2: "#f9a825", 3: "#ef6c00", 4: "#c62828"}
STATUS_OUTLINE = {"reported": "#000000", "verifying": "#6a1b9a", "dispatched": "#1565c0",
                  "on_scene": "#00838f", "resolved": "#9e9e9e", "closed": "#bdbdbd",
                  "escalated": "#ad1457", "false_alarm": "#bdbdbd"}
SITE_COLOURS = {"not_open": "#9e9e9e", "voting": "#2e7d32", "suspended": "#c62828",
                "closed": "#1565c0", "counting": "#6a1b9a", "done": "#37474f"}
UNIT_COLOURS = {"available": "#2e7d32", "on_patrol": "#1565c0", "responding": "#c62828",
                "off_duty": "#9e9e9e"}
TARGET_COLOUR = "#4e342e"
ROUTE_COLOURS = ["#1565c0", "#00838f", "#6a1b9a", "#ef6c00", "#2e7d32", "#ad1457"]
GAP_COLOUR = "#6a1b9a"        # a place no patrol covered
EMERGING_COLOUR = "#d81b60"   # a candidate hotspot
HOTSPOT_COLOUR = "#c62828"
ALERT_COLOUR = "#e53935"      # an urgent incident not yet acknowledged (banner, ring)
# The base map: commune fill, boundary lines and hamlet labels, light and dark (wall).
MAP_LIGHT = {"fill": "#f4f1ea", "line": "#546e7a", "text": "#263238", "sea": "#dfe7ec"}
MAP_DARK = {"fill": "#1e2630", "line": "#90a4ae", "text": "#eceff1", "sea": "#10151b"}
# One letter per incident kind, from its Vietnamese name (no emoji: wall PCs may lack the font).
KIND_SYMBOLS = {"disorder": "R", "tampering": "D", "gathering": "T", "complaint": "K",
                "filming": "Q", "misinformation": "M", "fire": "C", "traffic": "G",
                "medical": "Y", "crime": "P", "other": "?"}
