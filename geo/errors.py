"""Domain errors. Each carries a stable ``code`` and ``params`` so the UI can translate it."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AnttError", "Invalid", "Problem", "IllegalMove", "StaleVersion", "NotFound", "StoreBusy",
    "StoreUnusable", "PROBLEMS_SHOWN", "first_problems",
]

# Problems listed at most wherever a refusal is shown (the command line, an exception's
# message, a page), then "… and N more problems": a file of 800,000 bad rows once printed
# 800,000 lines.
PROBLEMS_SHOWN = 50


class AnttError(Exception):
    """Base for every error the product explains to a user. *message* is English (the
    log, a caller that prints it); *key* names the catalogue message (geo/i18n) the
    command line and pages show instead, formatted with *params*."""

    code = "error"

    def __init__(self, message: str, *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which row (if any), which field, why. *reason* is
    English (the command line, the log); *key* and *params*, when given, name the
    catalogue message a page shows instead."""

    field: str
    reason: str
    row: int | None = None
    severity: str = "error"  # or "warning"
    params: dict = field(default_factory=dict, compare=False)
    key: str | None = field(default=None, compare=False)  # catalogue message, with params

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}field '{self.field}': {self.reason}"


def first_problems(problems: list[Problem], n: int = PROBLEMS_SHOWN
                   ) -> tuple[list[Problem], int]:
    """The first *n* problems to list, and how many more there are."""
    return list(problems[:n]), max(len(problems) - n, 0)


class Invalid(AnttError):
    """Input refused; ``problems`` lists every reason (the message, the first
    :data:`PROBLEMS_SHOWN`). Nothing was written."""

    code = "invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown, more = first_problems(self.problems)
        tail = f"; … and {more:,} more problems" if more else ""
        super().__init__(f"invalid input: {'; '.join(map(str, shown))}{tail}")


class IllegalMove(AnttError):
    code = "illegal_move"

    def __init__(self, entity: str, entity_id: object, current: str, action: str,
                 allowed: list[str]) -> None:
        self.entity, self.entity_id, self.current = entity, entity_id, current
        self.action, self.allowed = action, allowed
        nxt = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"{entity} {entity_id}: '{action}' is not allowed from status '{current}'; "
            f"allowed now: {nxt}",
            entity=entity, entity_id=entity_id, current=current, action=action, allowed=nxt,
        )


class StaleVersion(AnttError):
    code = "stale"

    def __init__(self, entity: str, entity_id: object, expected: int, current: int,
                 actor: str, at: object) -> None:
        self.entity, self.entity_id = entity, entity_id
        self.expected, self.current, self.actor, self.at = expected, current, actor, at
        super().__init__(
            f"{entity} {entity_id} was changed by {actor} at {at} (version {current}, "
            f"you read {expected}); nothing was written, reload and try again",
            entity=entity, entity_id=entity_id, actor=actor, at=at, expected=expected,
            current=current,
        )


class NotFound(AnttError):
    code = "not_found"

    def __init__(self, entity: str, entity_id: object) -> None:
        self.entity, self.entity_id = entity, entity_id
        super().__init__(f"unknown {entity} '{entity_id}'", entity=entity, entity_id=entity_id)


class StoreBusy(AnttError):
    code = "busy"

    def __init__(self, path: str, waited: float, why: str | None = None) -> None:
        super().__init__(
            f"database {path} " + (why or f"stayed locked by another program for "
                                   f"{waited:.0f} s"),
            path=path, waited=round(waited), why=why,
        )


class StoreUnusable(AnttError):
    """The database cannot be used: damaged, not a database, another program's, made by
    a newer version, or a kind of address this version does not serve. ``why`` is one
    line for the user; the cause goes to the log."""

    code = "unusable"

    def __init__(self, path: str, why: str) -> None:
        self.path, self.why = path, why
        super().__init__(f"database {path}: {why}", path=path, why=why)
