"""Times: stored in UTC, shown in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

__all__ = ["LOCAL_TZ", "to_local", "local_text", "local_midnight_utc", "layer_time_utc"]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(at: datetime) -> datetime:
    """A naive-UTC (or aware) time as an aware Vietnam time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ)


def local_text(at: object, fmt: str = "%d/%m %H:%M:%S") -> str:
    """Vietnam time as text, ``""`` for a missing value."""
    if at is None or pd.isna(at):  # NaT is a datetime too
        return ""
    if isinstance(at, pd.Timestamp):
        at = at.to_pydatetime()
    return to_local(at).strftime(fmt)


def local_midnight_utc(now: datetime | None = None) -> datetime:
    """Naive UTC of the last midnight in Vietnam: where "today" starts for the KPIs."""
    local = (now.replace(tzinfo=UTC) if now is not None else datetime.now(UTC)).astimezone(
        LOCAL_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def layer_time_utc(value: object) -> datetime | None:
    """A time from a layer (a route's ``starts_at``, a hotspot's ``active_from``) as naive
    UTC. Without an offset it is Vietnam time, everywhere: the team board, coverage and
    the review read "07:00" alike."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(LOCAL_TZ)
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()
