"""The reports-upward side of the `antt` command line: ``antt reports due`` lists what each
commune owes (late, due soon, coming, sent) and ``antt reports make KEY`` makes one report
for its period, writes its file and records it sent (``geo.upward`` decides)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geo import upward
from geo.checks.inert import plain_text
from geo.cli_accounts import _account, _store
from geo.cli_output import _t, code_label, current_lang
from geo.cli_parser import help_text
from geo.clock import local_text, local_to_utc

__all__ = ["add_parsers"]


def _when(at: object) -> str:
    return local_text(at, "%H:%M %d/%m/%Y")


def cmd_reports_due(args: argparse.Namespace) -> int:
    store = _store(args)
    actor = _account(args, store)
    due = upward.due_reports(store, actor)
    if args.json:
        print(json.dumps([{"key": d.key, "code": d.occurrence.code, "state": d.state,
                           "commune_code": d.occurrence.commune_code,
                           "due_at": d.occurrence.due_at.isoformat(),
                           "period_start": d.occurrence.period.start.isoformat(),
                           "period_end": d.occurrence.period.end.isoformat(),
                           "title": d.occurrence.row.title,
                           "sent_by": d.sent["sent_by"] if d.sent else None}
                          for d in due], ensure_ascii=False))
        return 0
    if not due:
        print(_t("reports_none"))
    layer = store.features("communes")
    names = dict(zip(layer["code"], layer["name"], strict=True))
    for d in due:
        occ = d.occurrence
        print(_t("reports_line", state=code_label("reports.state", d.state),
                 due=_when(occ.due_at), title=plain_text(occ.row.title),
                 commune=plain_text(names.get(occ.commune_code, occ.commune_code)),
                 period=occ.period.local_text(current_lang()), report=d.key))
    return 0


def cmd_reports_make(args: argparse.Namespace) -> int:
    store = _store(args)
    actor = _account(args, store)
    occ = upward.find_occurrence(args.key, store=store)
    fmt = Path(args.out).suffix.lower().lstrip(".")
    fmt = "html" if fmt == "htm" else fmt
    sent_at = None
    if args.sent_at:
        from geo.reports_due import parse_local_time

        sent_at = local_to_utc(parse_local_time(args.sent_at, "--sent-at"))
    produced = upward.produce(store, occ, actor=actor, lang=current_lang(), fmt=fmt)
    row = upward.mark_sent(store, produced, actor=actor, sent_at=sent_at)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(produced.data)
    print(_t("reports_made", path=str(out), report=row["key"], by=row["sent_by"],
             at=_when(row["sent_at"])))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``reports`` commands, on the parser's *sub* commands."""
    h = help_text
    rs = sub.add_parser("reports", help=h("reports"), description=h("reports")
                        ).add_subparsers(dest="sub", required=True)
    rs.add_parser("due", help=h("reports_due"), description=h("reports_due")).set_defaults(
        fn=cmd_reports_due)
    mk = rs.add_parser("make", help=h("reports_make"), description=h("reports_make"))
    mk.add_argument("key", help=h("reports_key"))
    mk.add_argument("--out", required=True, help=h("reports_out"))
    mk.add_argument("--sent-at", help=h("reports_sent_at"))
    mk.set_defaults(fn=cmd_reports_make)
