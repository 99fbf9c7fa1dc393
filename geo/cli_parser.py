"""The `antt` argument parser in this run's language: help texts from the catalogue
(``cli.help.*``), and argparse's own words ("usage:", "options", "error:", "invalid
choice", …) said in it too.

How: argparse builds its own words with ``gettext`` at the moment it prints them. Rather
than swap argparse's module-level ``_`` (a private name, shared by every parser in the
process), the parser and its help formatter are subclassed where argparse offers a
seam: the usage prefix (``add_usage(prefix=…)``), the section headings
(``start_section``), the ``-h`` option (``add_help=False`` and our own) and ``error``,
which reads argparse's English message against the templates below and says it with
the catalogue's ``cli.arg.*`` messages. A message no template matches (a future Python
wording) is printed as argparse wrote it: English, never lost."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from geo.cli_output import _has, _t
from geo.i18n import LANGS

__all__ = ["Parser", "argv_lang", "help_text"]

# argparse's messages (Python 3.11–3.13) and the catalogue message that says each.
_TEMPLATES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^argument (?P<arg>.+?): (?P<msg>.*)$", re.S), "argument"),
    (re.compile(r"^invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)$"),
     "invalid_choice"),
    (re.compile(r"^the following arguments are required: (?P<args>.*)$"), "required"),
    (re.compile(r"^unrecognized arguments: (?P<args>.*)$"), "unrecognized"),
    (re.compile(r"^expected one argument$"), "expected_one"),
    (re.compile(r"^expected at least one argument$"), "expected_some"),
    (re.compile(r"^invalid (?P<type>\w+) value: (?P<value>.*)$"), "invalid_value"),
    (re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.*)$"),
     "ambiguous"),
    (re.compile(r"^not allowed with argument (?P<arg>.*)$"), "not_allowed_with"),
    (re.compile(r"^one of the arguments (?P<args>.*) is required$"), "one_required"),
]
_HEADINGS = {"positional arguments": "positionals", "options": "options",
             "optional arguments": "options"}


def argparse_text(msg: str) -> str:
    """argparse's English *msg* in this run's language (unchanged when unknown)."""
    for pattern, name in _TEMPLATES:
        m = pattern.match(msg)
        if m:
            params = m.groupdict()
            if "msg" in params:
                params["msg"] = argparse_text(params["msg"])
            if "type" in params:
                params["type"] = _t(f"arg.type_{params['type']}") \
                    if params["type"] in ("int", "float") else params["type"]
            return _t(f"arg.{name}", **params)
    return msg


def help_text(key: str) -> str:
    """A help text of the parser (``cli.help.<key>``) in this run's language."""
    return _t(f"help.{key}")


class Formatter(argparse.HelpFormatter):
    """argparse's help layout with its headings and "usage:" in this run's language."""

    def add_usage(self, usage: str | None, actions, groups, prefix: str | None = None
                  ) -> None:
        super().add_usage(usage, actions, groups,
                          _t("arg.usage") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        name = _HEADINGS.get(heading or "")
        super().start_section(_t(f"arg.{name}") if name else heading)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that speaks this run's language; its subcommands' parsers
    are of this class too (argparse makes them with the parent's class)."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=help_text("help"))

    def add_argument(self, *args, **kwargs) -> argparse.Action:
        """An argument; one that takes a value is shown by its catalogue name
        (``cli.meta.<dest>``: ``--version PHIÊN_BẢN``) unless it lists its choices."""
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.choices is None and action.nargs != 0 \
                and _has(f"cli.meta.{action.dest}"):
            action.metavar = _t(f"meta.{action.dest}")
        return action

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {_t('error', text=argparse_text(message))}\n")


def argv_lang(argv: Sequence[str]) -> str | None:
    """The ``--lang`` a command line asks for, read before the parser is built (its help
    texts are in that language)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGS:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg.removeprefix("--lang=") in LANGS:
            return arg.removeprefix("--lang=")
    return None
