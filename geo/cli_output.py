"""What the `antt` command line says: its messages in this run's language (``cli.*`` in
geo/i18n; ``geo.cli.main`` sets the language), rows and problems printed. The terminal is
a sink too: stored text is printed through ``plain_text``."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

import pandas as pd

from geo.checks.inert import plain_text
from geo.clock import local_text
from geo.errors import AnttError, IllegalMove, Problem, StoreBusy, first_problems
from geo.i18n import LANGS, catalogue, message

# How the command line writes a time: Vietnam's, to the second.
TIME = "%d/%m/%Y %H:%M:%S"

# The language of this run's messages (main() sets it: --lang, ANTT_LANG, LANG).
_LANG = "vi"


def set_lang(lang: str) -> None:
    """Speak *lang* from now on (``geo.cli.main``, once per run)."""
    global _LANG
    _LANG = lang


def current_lang() -> str:
    """The language this run speaks (``set_lang``)."""
    return _LANG


def _has(key: str) -> bool:
    return key in catalogue(_LANG)


def _message(key: str, **params: object) -> str:
    """A catalogue message in this run's language."""
    return message(key, _LANG, **params)


def _t(key: str, **params: object) -> str:
    """A message of the command line in this run's language (``cli.*`` in geo/i18n)."""
    return _message(f"cli.{key}", **params)


def cli_lang(env: dict[str, str] | None = None) -> str:
    """Vietnamese unless asked otherwise: ``ANTT_LANG`` (vi, en), else English when the
    system's ``LC_ALL``/``LANG`` is an English locale."""
    env = os.environ if env is None else env
    if env.get("ANTT_LANG") in LANGS:
        return env["ANTT_LANG"]
    system = env.get("LC_ALL") or env.get("LANG") or ""
    return "en" if system.lower().startswith("en") else "vi"


# The catalogue group naming the values of a row's field (a status's by its entity).
_VALUE_GROUP = {"kind": "kind", "severity": "severity", "source": "source", "role": "role",
                "action": "action"}
_STATUS_GROUP = {"incident": "status", "site": "site_status", "unit": "unit_status"}


def _time(value: object) -> str:
    """A stored time (naive UTC, aware, or its ISO text) as Vietnam time."""
    if isinstance(value, str):
        try:
            value = pd.Timestamp(value)
        except ValueError:
            return value
    return local_text(value, TIME)


def _value(field: str, value: object, entity: str) -> str:
    """A row's value as a person reads it: a time in Vietnam time; in Vietnamese, a code
    by its catalogue label (English keeps the codes scripts match on)."""
    if isinstance(value, datetime | pd.Timestamp) or (field.endswith("_at") and value):
        return _time(value)
    if _LANG == "en":
        return str(value)
    if isinstance(value, bool):
        return _t("yes" if value else "no")
    group = _STATUS_GROUP.get(entity, "status") if field == "status" else \
        _VALUE_GROUP.get(field)
    if group and _has(f"{group}.{value}"):
        return _message(f"{group}.{value}")
    return str(value)


def field_label(field: str) -> str:
    """A field's name in this run's language (``cli.field.*``), else the field itself."""
    return _t(f"field.{field}") if _has(f"cli.field.{field}") else field


def row_text(row: dict, entity: str = "incident") -> str:
    """One written row on one line: labels and values in this run's language, times in
    Vietnam time, stored text made inert."""
    pairs = (_t("row_pair", label=field_label(k), value=_value(k, v, entity))
             for k, v in row.items() if v is not None and v != "")
    return plain_text(_t("row_sep").join(pairs)).replace("\n", " ")


def _print_row(row: dict, as_json: bool, entity: str = "incident") -> None:
    if as_json:  # for scripts: codes and the stored times, as they always were
        print(json.dumps(row, default=str, ensure_ascii=False))
    else:
        # The terminal is a sink too: no escape sequences from stored text.
        print(row_text(row, entity))


def error_text(error: AnttError) -> str:
    """A refusal in this run's language: the catalogue message its ``key`` (else
    ``err.<code>``) names, with the entity, statuses and actions by their labels and
    times in Vietnam time; the error's own English words when the catalogue has none."""
    params = dict(error.params)
    if isinstance(error, IllegalMove):
        group = _STATUS_GROUP.get(error.entity, "status")
        params.update(current=code_label(group, error.current),
                      action=code_label("action", error.action),
                      allowed=", ".join(code_label("action", a) for a in error.allowed)
                      or _t("final_state"))
    if "entity" in params:
        params["entity"] = code_label("cli.entity", params["entity"])
    if isinstance(params.get("roles"), list | tuple):
        params["roles"] = _t("or").join(code_label("role", r) for r in params["roles"])
    if "role" in params:
        params["role"] = code_label("role", params["role"])
    for k, v in params.items():
        if isinstance(v, datetime | pd.Timestamp):
            params[k] = _time(v)
    key = error.key or f"err.{error.code}"
    if not _has(key) or (isinstance(error, StoreBusy) and params.get("why")):
        return plain_text(error)
    return plain_text(_formatted(key, params, str(error)))


def _formatted(key: str, params: dict, fallback: str) -> str:
    """The catalogue message *key* with *params*; *fallback* (the English words) if the
    message asks for a parameter the error does not carry: a refusal is never lost."""
    try:
        return _message(key, **params)
    except (KeyError, IndexError, ValueError):
        return fallback


def code_label(group: str, code: object) -> str:
    """A code's label in this run's language (English shows the codes themselves)."""
    key = f"{group}.{code}"
    return _message(key) if _has(key) and (_LANG != "en" or group == "cli.entity") \
        else str(code)


def _problem_text(problem: Problem) -> str:
    """A problem with its row and field, in this run's language when the catalogue has
    its message, else in the command's own (English) words."""
    field = field_label(problem.field)
    where = _t("problem_row", row=problem.row, field=field) \
        if problem.row is not None else "" if problem.field == "file" else \
        _t("problem_field", field=field)
    if problem.key and _has(problem.key):
        return plain_text(where + _formatted(problem.key, problem.params, problem.reason))
    return plain_text(where + problem.reason)


def _print_problems(problems: list[Problem], kind: str = "error") -> None:
    """The first problems (``PROBLEMS_SHOWN``), one a line, then how many more."""
    shown, more = first_problems(problems)
    for problem in shown:
        print(_t(kind, text=_problem_text(problem)), file=sys.stderr)
    if more:
        print(_t("more_problems", n=f"{more:,}"), file=sys.stderr)


def _say(msg: str) -> None:
    print(f"  … {msg}", file=sys.stderr, flush=True)
