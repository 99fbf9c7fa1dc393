"""Time, in one place: stored in naive UTC, shown and planned in Vietnam time.

Every timestamp in the store is naive UTC. People read and type Vietnam time
(Asia/Ho_Chi_Minh, UTC+7, no daylight saving). A time written in a layer without an
offset (a route's ``starts_at``) is Vietnam time, read the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from geo.errors import AnttError
from geo.i18n import message

__all__ = ["LOCAL_TZ", "utcnow", "to_utc", "to_local", "to_local_naive", "local_text",
           "local_midnight_utc", "local_to_utc", "local_hour_utc", "layer_time_utc",
           "with_local_zone", "layer_local_day", "series_utc", "series_local",
           "series_local_naive",
           "Period", "local_day", "parse_period"]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc(at: datetime) -> datetime:
    """Aware → naive UTC; a naive value is taken to be UTC already."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def to_local(at: datetime) -> datetime:
    """A naive-UTC (or aware) time as an aware Vietnam time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ)


def to_local_naive(at: datetime) -> datetime:
    """A naive-UTC time as naive Vietnam wall-clock time (what a time slider shows)."""
    return to_local(at).replace(tzinfo=None)


def local_text(at: object, fmt: str = "%d/%m %H:%M:%S") -> str:
    """Vietnam time as text, ``""`` for a missing value."""
    if at is None or pd.isna(at):  # NaT is a datetime too
        return ""
    if isinstance(at, pd.Timestamp):
        at = at.to_pydatetime()
    return to_local(at).strftime(fmt)


def local_to_utc(local: datetime) -> datetime:
    """A naive Vietnam wall-clock time as naive UTC."""
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def local_hour_utc(day: date, hour: float) -> datetime:
    """*hour* (fractional, may pass 24) of local *day*, as naive UTC: a drill's plan."""
    return local_to_utc(datetime.combine(day, time()) + timedelta(hours=hour))


def local_midnight_utc(now: datetime | None = None) -> datetime:
    """Naive UTC of the last midnight in Vietnam: where "today" starts for the KPIs."""
    day = to_local(now if now is not None else utcnow()).date()
    return local_to_utc(datetime.combine(day, time()))


def with_local_zone(ts: pd.Timestamp) -> pd.Timestamp:
    """A layer's time with its offset: one written without an offset is Vietnam time."""
    return ts.tz_localize(LOCAL_TZ) if ts.tzinfo is None else ts


def layer_local_day(value: str) -> date:
    """The Vietnam date of a layer time (ISO 8601; without an offset, Vietnam time)."""
    return to_local(layer_time_utc(value)).date()


def series_utc(times: pd.Series) -> pd.Series:
    """Stored times (naive UTC, or aware) as aware UTC."""
    times = pd.to_datetime(times)
    return times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")


def series_local(times: pd.Series) -> pd.Series:
    """Stored times (naive UTC, or aware) as aware Vietnam time."""
    return series_utc(times).dt.tz_convert(LOCAL_TZ)


def series_local_naive(times: pd.Series) -> pd.Series:
    """Stored naive-UTC times as naive Vietnam wall-clock times (an hour's bucket)."""
    return series_local(times).dt.tz_localize(None)


def layer_time_utc(value: object) -> datetime | None:
    """A time from a layer (a route's ``starts_at``, a hotspot's ``active_from``) as naive
    UTC. Without an offset it is Vietnam time, everywhere: the team board, coverage and
    the review read "07:00" alike."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    return with_local_zone(pd.Timestamp(value)).tz_convert("UTC").tz_localize(
        None).to_pydatetime()


@dataclass(frozen=True)
class Period:
    """A period of time: naive UTC, start inclusive, end exclusive."""

    start: datetime
    end: datetime

    def local_text(self, lang: str = "vi") -> str:
        """The period in Vietnam time, as a review heading reads it, in *lang*."""
        s, e = (to_local(self.start), to_local(self.end - timedelta(microseconds=1)))
        if s.date() == e.date():
            return message("period.one_day", lang, start=f"{s:%H:%M}", end=f"{e:%H:%M}",
                           day=f"{s:%d/%m/%Y}")
        return f"{s:%H:%M %d/%m/%Y} – {e:%H:%M %d/%m/%Y}"


def local_day(day: date) -> Period:
    """Midnight to midnight, Vietnam time, of *day*."""
    start = local_to_utc(datetime.combine(day, time()))
    return Period(start, local_to_utc(datetime.combine(day + timedelta(days=1), time())))


_PART = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2})?$")


def parse_period(text: str) -> Period:
    """``2021-05-23`` (that local day), ``2021-05-22..2021-05-23`` (both days, inclusive) or
    ``2021-05-23T06:00..2021-05-23T20:00`` (local times). Raises a message on bad text."""
    parts = [p.strip() for p in str(text).split("..")]
    if len(parts) not in (1, 2) or not all(_PART.match(p) for p in parts):
        raise AnttError(f"period {text!r}: write YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MM..YYYY-MM-DDTHH:MM (Vietnam time)", key="err.period",
                        field="period", text=text)
    try:
        bounds = [datetime.fromisoformat(p.replace(" ", "T")) for p in parts]
    except ValueError as e:
        raise AnttError(f"period {text!r}: {e}", key="err.period", field="period",
                        text=text) from None
    start = bounds[0]
    if len(parts) == 1:
        end = start + timedelta(days=1) if "T" not in parts[0] and " " not in parts[0] \
            else start + timedelta(hours=1)
    else:
        end = bounds[1]
        if "T" not in parts[1] and " " not in parts[1]:
            end = end + timedelta(days=1)  # a whole last day
    if end <= start:
        raise AnttError(f"period {text!r}: the end is not after the start",
                        key="err.period_order", field="period", text=text)
    return Period(local_to_utc(start), local_to_utc(end))
