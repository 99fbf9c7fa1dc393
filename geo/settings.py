"""Settings as data: each has a name, a type, one default and help text; its environment
variable is ``ANTT_<NAME>``.

Code asks :func:`get` and receives the typed value; no default is written anywhere
else. The README lists every setting (a test checks it), so nothing is configurable
in secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from geo.errors import AnttError

__all__ = ["Setting", "SETTINGS", "get"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | float | int
    help: str

    @property
    def env(self) -> str:
        return "ANTT_" + self.name.upper()

    def parse(self, text: str) -> str | float | int:
        """*text* as this setting's type (the default's), or a message naming the variable."""
        kind = type(self.default)
        if kind is str:
            return text
        try:
            return kind(text)
        except ValueError:
            raise AnttError(f"{self.env}={text!r}: must be a number "
                            f"({'a whole number' if kind is int else 'e.g. ' + str(self.default)})"
                            ) from None


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "var/antt.duckdb", "The database: a DuckDB file path (created by `antt "
            "init`), or a postgresql://user@host/database URL for a province server."),
    Setting("pg_pool_size", 8, "PostgreSQL only: connections each app or `antt` process "
            "keeps open at most (one per page run in flight)."),
    Setting("lock_timeout", 30.0, "Seconds to wait for another process to release the "
            "database file before giving up with a clear message."),
    Setting("page_lock_timeout", 3.0, "Seconds a dashboard page waits for the database "
            "file while another process (an import, a backup) holds it; then it shows its "
            "last state with a notice and tries again at the next refresh."),
    Setting("session_hours", 12.0, "How long a login lasts (one duty shift); F5 keeps it, "
            "logging out ends it on every browser."),
    Setting("address", "127.0.0.1", "The address `antt serve` listens on; 0.0.0.0 opens the "
            "dashboard to the command centre's network (put TLS in front of it)."),
    Setting("port", 8501, "The port `antt serve` listens on (`--port` overrides it); the "
            "wall-screen links `antt wall-token create` prints use it too."),
    Setting("public_url", "", "Behind a proxy that does not pass the browser's Host "
            "header: the address(es) users open, comma-separated (https://antt.example); "
            "pages from any other origin cannot use the dashboard's websocket or session."),
    Setting("compress", 1, "1: the dashboard sends Streamlit's JavaScript and CSS (and the "
            "vendored Leaflet) gzip-compressed, each file compressed once and kept in "
            "memory (a third of the bytes on a phone's first visit); 0: as Streamlit "
            "sends them, uncompressed (a baseline, or behind a proxy that compresses)."),
    Setting("demo_play", 1, "1: `antt serve` on the demo database keeps its drill playing "
            "(check-ins when due, new incidents, incidents moving on), so the picture stays "
            "a live day; 0: the demo stands still at the minute `antt init` played it to. "
            "A real commune's database is never played."),
    Setting("demo_step_seconds", 15.0, "How often the demo's drill takes a step while "
            "the dashboard runs (seconds)."),
    Setting("user", "", "The account the `antt` command acts as (or `--user`); its password "
            "is asked for, or read from ANTT_PASSWORD (then taken out of the environment) or "
            "standard input."),
    Setting("refresh_seconds", 5.0, "How often the live page refreshes its live layers."),
    Setting("change_check_seconds", 1.0, "How often the live page asks the event log whether "
            "anything changed (one tiny query); it redraws its live layers as soon as it "
            "did, and at the latest every refresh_seconds."),
    Setting("dispatch_target_seconds", 60.0, "Target for reported → dispatched "
            "(NFPA 1225 call-processing figure) used by the review."),
    Setting("coverage_radius_m", 300.0, "A site or target within this many metres of a "
            "patrol route counts as covered."),
    Setting("travel_kmh", 25.0, "Speed for dispatch ETAs (straight line), km/h."),
    Setting("alert_severity", 3, "A new open incident of at least this severity (1–4) alerts "
            "the wall and the board until an operator acknowledges it."),
    Setting("checkin_grace", 1.5, "A checkpoint is late when a stretch without a check-in "
            "is longer than this many times its planned interval (team board and review)."),
    Setting("checkin_far_m", 200.0, "A check-in from further than this many metres from "
            "its checkpoint is refused, with the distance."),
    Setting("duplicate_radius_m", 150.0, "A new report within this many metres of an open "
            "incident of the same kind, reported in the last duplicate_minutes, asks "
            "\"same incident?\" before logging a second."),
    Setting("duplicate_minutes", 30.0, "How recent an open incident of the same kind, within "
            "duplicate_radius_m, must be for a new report to ask \"same incident?\"."),
    Setting("position_tolerance_m", 50.0, "On import, a place whose commune or hamlet code "
            "names a loaded boundary must lie inside it, or at most this many metres outside."),
    Setting("commune_overlap_percent", 5.0, "On import, a commune that overlaps an "
            "already-loaded commune of another code by more than this share of the smaller "
            "one's area is refused, naming both and the overlap in km² (import with "
            "--replace to replace the loaded one and its layers, or remove it first with "
            "`antt layers remove --commune CODE`). Neighbours traced from different "
            "sources overlap by a sliver, far below it."),
    # Import limits (geo/io/limits.py). Each is far above real data and far below what
    # stalls a commune office's laptop: a 26.8 MB hamlet of 1,000,000 vertices took 69 s
    # to draw on the phone page; a 3.4 MB zip of 179 MB took 73 s and 850 MB of memory.
    Setting("import_max_file_mb", 50.0, "Largest layer file an import reads, in MB "
            "(1 MB = 1,000,000 bytes), checked before reading it. GADM 4.1's GeoJSON of "
            "all of Vietnam's communes is some 11 MB; the demo's largest layer 15 kB."),
    Setting("import_max_unzipped_mb", 200.0, "Largest total a zipped Shapefile may unpack "
            "to, in MB: its members' sizes as its directory declares them, checked before "
            "anything is unpacked, and the bytes actually unpacked, counted as they come "
            "(a member that declares less than it holds is stopped at the limit). A "
            "Shapefile's .dbf pads every field to its full width: four times the file limit."),
    Setting("import_max_features", 200_000, "Most features (rows) one layer file may "
            "have, checked from the file's header where it has one, else as soon as it is "
            "read. Vietnam had over 84,700 polling units in 2021 and GADM's 2018 set has "
            "11,163 communes: a whole country's layer fits twice over."),
    Setting("import_max_vertices", 50_000, "Most vertices one feature may have, checked "
            "as soon as the file is read. The demo's largest commune outline has 145, a "
            "real commune boundary (GADM) a few thousand; outlines are drawn simplified to "
            "0.3 m, so a hamlet at this limit draws on the phone as fast as the demo's "
            "(python -m bench limits)."),
    Setting("complaint_rules", "", "The complaints register's deadline rules (a CSV; "
            "data/rules/README.md says its columns); empty: the shipped "
            "data/rules/complaint-rules.csv."),
    Setting("holidays", "", "The public holidays working-day deadlines skip (a CSV); "
            "empty: the shipped data/rules/holidays.csv."),
    Setting("complaint_area", "standard", "Which rules rows of variant 'standard' or "
            "'remote' (vùng sâu, vùng xa: Luật Khiếu nại 2011, Điều 28) apply here."),
    Setting("complaint_due_soon_hours", 24.0, "A complaint whose deadline is this many "
            "hours away or less is due soon on the board and the wall."),
    Setting("report_schedule", "", "The reports a commune sends upward (what, to whom, "
            "when, which period): a CSV file like data/rules/report-schedule.csv, which "
            "is used when this is empty (see data/rules/README.md)."),
    Setting("reports_lookback_days", 190.0, "How far back the reports page, the board and "
            "`antt reports due` look for reports due and not sent (days): six months and a "
            "week, so a missed report shows as late until the next six-monthly one is due."),
    Setting("tile_url", "", "Optional XYZ tile URL for the basemap (online or a local tile "
            "server); empty means the shipped vector layers only."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> Any:
    """The setting's value, typed: its environment variable if set, else the default."""
    s = _BY_NAME[name]
    text = os.environ.get(s.env)
    return s.default if text is None or text == "" and s.default != "" else s.parse(text)
