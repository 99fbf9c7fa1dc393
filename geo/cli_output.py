"""What the `antt` command line says: its messages in this run's language (``cli.*`` in
geo/i18n; ``geo.cli.main`` sets the language), rows and problems printed. The terminal is
a sink too: stored text is printed through ``plain_text``."""

from __future__ import annotations

import json
import os
import sys

from geo.checks.inert import plain_text
from geo.errors import Problem, first_problems
from geo.i18n import LANGS, message

# The language of this run's messages (main() sets it: --lang, ANTT_LANG, LANG).
_LANG = "vi"


def set_lang(lang: str) -> None:
    """Speak *lang* from now on (``geo.cli.main``, once per run)."""
    global _LANG
    _LANG = lang


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


def _print_row(row: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(row, default=str, ensure_ascii=False))
    else:
        # The terminal is a sink too: no escape sequences from stored text.
        print(" ".join(f"{k}={plain_text(v)}".replace("\n", " ") for k, v in row.items()
                       if v is not None))


def _problem_text(problem: Problem) -> str:
    """A problem with its row and field, in this run's language when the catalogue has
    its message, else in the command's own (English) words."""
    if not problem.key:
        return plain_text(problem)
    where = _t("problem_row", row=problem.row, field=problem.field) \
        if problem.row is not None else "" if problem.field == "file" else \
        _t("problem_field", field=problem.field)
    return plain_text(where + _message(problem.key, **problem.params))


def _print_problems(problems: list[Problem], kind: str = "error") -> None:
    """The first problems (``PROBLEMS_SHOWN``), one a line, then how many more."""
    shown, more = first_problems(problems)
    for problem in shown:
        print(_t(kind, text=_problem_text(problem)), file=sys.stderr)
    if more:
        print(_t("more_problems", n=f"{more:,}"), file=sys.stderr)


def _say(msg: str) -> None:
    print(f"  … {msg}", file=sys.stderr, flush=True)
