"""The complaints register on the `antt` command line: ``antt complaint receive | move |
list``, acting as the ``--user`` account like every other write."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from geo import complaints as cp
from geo.checks.inert import plain_text
from geo.cli_accounts import _account, _store
from geo.cli_output import _print_row, _t, code_label
from geo.cli_parser import help_text
from geo.clock import local_text, local_to_utc
from geo.errors import Invalid, Problem

__all__ = ["add_parsers"]


def _received(text: str | None) -> datetime | None:
    """``--received "YYYY-MM-DD HH:MM"`` in Vietnam time, as naive UTC."""
    if not text:
        return None
    try:
        return local_to_utc(datetime.fromisoformat(text))
    except ValueError:
        raise Invalid([Problem("received", f"{text!r}: write it as YYYY-MM-DD HH:MM",
                               key="complaint.received_format",
                               params={"value": repr(text)})]) from None


def cmd_complaint_receive(args: argparse.Namespace) -> int:
    store = _store(args)
    row = cp.receive(store, kind=args.kind, matter=args.matter, channel=args.channel,
                     from_whom=args.from_whom, commune_code=args.commune,
                     hamlet_code=args.hamlet, place=args.place, summary=args.summary or "",
                     handler_unit=args.team, actor=_account(args, store),
                     received_at=_received(args.received))
    _print_row(row, args.json, "complaint")
    return 0


def cmd_complaint_move(args: argparse.Namespace) -> int:
    store = _store(args)
    row = cp.move(store, args.id, args.action, expected_version=args.version,
                  actor=_account(args, store), body=args.body, note=args.note)
    _print_row(row, args.json, "complaint")
    return 0


def cmd_complaint_list(args: argparse.Namespace) -> int:
    store = _store(args)
    reg = cp.register(store, args.commune or ())
    if args.json:
        print(json.dumps(reg.astype(object).where(reg.notna(), None).to_dict("records"),
                         default=str, ensure_ascii=False))
        return 0
    if reg.empty:
        print(_t("complaint_empty"))
    for r in reg.itertuples(index=False):
        due = local_text(r.due, "%d/%m/%Y %H:%M") or "—"
        print(plain_text(
            f"#{r.id}  {local_text(r.received_at, '%d/%m/%Y %H:%M')}  "
            f"{code_label('complaint.kind', r.kind)} – {code_label('complaint.matter', r.matter)}"
            f"  {code_label('complaint.status', r.status)}  v{r.version}  "
            f"{_t('complaint_due', due=due)} ({code_label('complaint.state', r.state)}"
            f"{', ' + r.rule if r.rule else ''})"))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``complaint`` command, on the parser's *sub* commands."""
    h = help_text
    co = sub.add_parser("complaint", help=h("complaint"), description=h("complaint")
                        ).add_subparsers(dest="sub", required=True)
    r = co.add_parser("receive", help=h("complaint_receive"),
                      description=h("complaint_receive"))
    r.add_argument("--kind", required=True, choices=cp.KINDS)
    r.add_argument("--matter", required=True, choices=cp.MATTERS)
    r.add_argument("--channel", required=True, choices=cp.CHANNELS)
    r.add_argument("--from", dest="from_whom", required=True, choices=cp.FROM_WHOM,
                   help=h("complaint_from"))
    r.add_argument("--commune", required=True, help=h("complaint_commune"))
    r.add_argument("--hamlet", help=h("complaint_hamlet"))
    r.add_argument("--place", help=h("complaint_place"))
    r.add_argument("--summary", help=h("complaint_summary"))
    r.add_argument("--team", help=h("complaint_team"))
    r.add_argument("--received", help=h("complaint_received"))
    r.set_defaults(fn=cmd_complaint_receive)
    m = co.add_parser("move", help=h("complaint_move"), description=h("complaint_move"))
    m.add_argument("id", type=int, help=h("complaint_id"))
    m.add_argument("action", choices=cp.ACTIONS)
    m.add_argument("--version", type=int, required=True, help=h("version"))
    m.add_argument("--body", help=h("complaint_body"))
    m.add_argument("--note", help=h("note"))
    m.set_defaults(fn=cmd_complaint_move)
    ls = co.add_parser("list", help=h("complaint_list"), description=h("complaint_list"))
    ls.add_argument("--commune", action="append", help=h("complaint_commune"))
    ls.set_defaults(fn=cmd_complaint_list)
