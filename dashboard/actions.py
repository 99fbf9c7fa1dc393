"""Lifecycle buttons and what a refused command says, shared by every page that moves
a site, a team or an incident. Renders only; ``geo`` decides what is allowed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashboard.i18n import label, t
from geo.accounts import Forbidden
from geo.checks.inert import md_text
from geo.clock import local_text
from geo.errors import AnttError, IllegalMove, Invalid, Problem, StaleVersion, first_problems

__all__ = ["attempt", "buttons", "moved", "problem_text", "show"]

Outcome = tuple[str, str]  # ("ok" | "stale" | "error", message)
Done = str | Callable[[dict], str] | None  # a message, or one made from the written row


def attempt(command: Callable[[], object], lang: str, status_group: str,
            done: Done = None) -> Outcome | None:
    """Run *command* (a button callback's write); return ("ok", *done*) or None when it
    went through, else ("stale" or "error", a message for the user). A callable *done*
    is given what the command returned (the row as written)."""
    try:
        row = command()
        text = done(row) if callable(done) else done
        return ("ok", text) if text else None
    except StaleVersion as e:
        return "stale", t("incident.changed_by", lang, who=e.actor, at=local_text(e.at))
    except IllegalMove as e:
        return "error", t("incident.illegal", lang, current=label(status_group, e.current, lang),
                          allowed=", ".join(label("action", a, lang) for a in e.allowed) or "—")
    except Invalid as e:
        shown, more = first_problems(e.problems)
        return "error", " ".join([*(problem_text(p, lang) for p in shown),
                                  *([t("problems.more", lang, n=f"{more:,}")] if more else [])])
    except Forbidden as e:  # a session that ended goes to the login page at this rerun
        return "error", t("auth.forbidden", lang, reason=md_text(str(e)))
    except AnttError as e:
        return "error", md_text(str(e))


def problem_text(problem: Problem, lang: str) -> str:
    """A refusal in the user's language when the command names its message, else the
    command's own words (made inert)."""
    if problem.key:
        return t(problem.key, lang, **problem.params)
    if problem.field == "reason":
        return t("sites.error.reason", lang)
    return md_text(problem.reason)


def moved(status_group: str, lang: str) -> Callable[[dict], str]:
    """The *done* of a status move: the thing's name and the status it is in now."""
    return lambda row: t("lifecycle.done", lang, name=row["name"],
                         status=label(status_group, row["status"], lang))


def buttons(actions: Sequence[str], *, key: str, lang: str,
            on_click: Callable[..., None], args: Callable[[str], tuple],
            stacked: bool = False, disabled: Callable[[str], bool] = lambda _a: False
            ) -> None:
    """One button per lifecycle action, in columns (or *stacked* full-width for a phone);
    each calls *on_click* with ``args(action)``. *key* holds ``{action}``, e.g.
    ``"site_{action}_S01"``."""
    if not actions:
        return
    places = [st.container() for _ in actions] if stacked else st.columns(len(actions))
    for place, action in zip(places, actions, strict=True):
        place.button(label("action", action, lang), key=key.replace("{action}", action),
                     type="primary" if stacked else "secondary", use_container_width=True,
                     disabled=disabled(action), on_click=on_click, args=args(action))


def show(outcome: Outcome | None) -> None:
    """The outcome of the last command, if any."""
    if outcome:
        kind, text = outcome
        (st.warning if kind == "stale" else st.error if kind == "error" else st.success)(text)
