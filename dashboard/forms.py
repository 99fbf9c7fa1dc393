"""Glue shared by the pages that log incidents: one save path with its idempotency key."""

from __future__ import annotations

import hashlib

from dashboard import data, state
from geo import incidents as inc
from geo.checks.inert import md_text
from geo.errors import AnttError, Invalid

__all__ = ["save_report"]


def save_report(*, point: tuple[float, float] | None, kind: str | None, severity: int,
                source: str, description: str, site_code: str | None = None,
                target_code: str | None = None, commune_code: str | None = None,
                messages: dict[str, str]) -> tuple[dict | None, dict[str, str]]:
    """Log an incident; return (row, {}) or (None, {field: message}).

    The request id is the session's nonce plus the form's content, so the same form
    sent twice (a double click, a retry on a slow line) logs one incident.
    """
    problems = {}
    if point is None:
        problems["lon"] = messages["no_location"]
    if kind is None:
        problems["kind"] = messages["no_kind"]
    if problems:
        return None, problems
    actor = state.get("account")
    content = f"{state.get('nonce')}|{actor.username}|{kind}|{severity}|{point}|{description}"
    try:
        row = inc.report(data.store(), kind=kind, severity=severity, lon=point[0], lat=point[1],
                         source=source, actor=actor, description=description,
                         site_code=site_code, target_code=target_code,
                         commune_code=commune_code,
                         request_id=hashlib.sha1(content.encode()).hexdigest())
        return row, {}
    except Invalid as e:
        return None, {p.field: md_text(p.reason) for p in e.problems}
    except AnttError as e:
        return None, {"lon": md_text(str(e))}
