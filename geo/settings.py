"""Settings as data: each has a name, an environment variable, a default and help text.

The README lists every setting (a test checks it), so nothing is configurable in secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Setting", "SETTINGS", "get"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return "ANTT_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "var/antt.duckdb", "Path of the DuckDB file (created by `antt init`)."),
    Setting("lock_timeout", "30", "Seconds to wait for another process to release the "
            "database file before giving up with a clear message."),
    Setting("page_lock_timeout", "3", "Seconds a dashboard page waits for the database "
            "file while another process (an import, a backup) holds it; then it shows its "
            "last state with a notice and tries again at the next refresh."),
    Setting("session_hours", "12", "How long a login lasts (one duty shift); F5 keeps it, "
            "logging out ends it on every browser."),
    Setting("address", "127.0.0.1", "The address `antt serve` listens on; 0.0.0.0 opens the "
            "dashboard to the command centre's network (put TLS in front of it)."),
    Setting("user", "", "The account the `antt` command acts as (or `--user`); its password "
            "is asked for, or read from ANTT_PASSWORD or standard input."),
    Setting("refresh_seconds", "5", "How often the live page refreshes its live layers."),
    Setting("dispatch_target_seconds", "60", "Target for reported → dispatched "
            "(NFPA 1225 call-processing figure) used by the review."),
    Setting("coverage_radius_m", "300", "A site or target within this many metres of a "
            "patrol route counts as covered."),
    Setting("travel_kmh", "25", "Speed for dispatch ETAs (straight line), km/h."),
    Setting("tile_url", "", "Optional XYZ tile URL for the basemap (online or a local tile "
            "server); empty means the shipped vector layers only."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value: its environment variable if set, else the default."""
    s = _BY_NAME[name]
    return os.environ.get(s.env, s.default)
