"""`antt` command line: init, import, layers (and layers remove), status, incident
report/move, unit, export, report, serve, user and wall-token.

Commands that write or export act as an account: ``--user NAME`` (or ``ANTT_USER``),
whose password is asked for without echo, or read from ``ANTT_PASSWORD`` or, with
``--password-stdin``, from the first line of standard input (for scripts).

The account side (the database and the account a command acts as, ``user`` and
``wall-token``) is in ``geo.cli_accounts``; the messages and what is printed in
``geo.cli_output``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from geo import accounts, incidents, settings, units
from geo.checks.inert import plain_text
from geo.cli_accounts import _account, _store, add_parsers
from geo.cli_complaints import add_parsers as add_complaint_parsers
from geo.cli_output import (
    _message,
    _print_problems,
    _print_row,
    _say,
    _t,
    cli_lang,
    code_label,
    current_lang,
    error_text,
    set_lang,
)
from geo.cli_parser import Parser, argv_lang, help_text
from geo.cli_reports import add_parsers as add_report_parsers
from geo.clock import local_midnight_utc, local_text, to_utc
from geo.errors import AnttError, Invalid
from geo.i18n import LANGS
from geo.layer_schemas import SCHEMAS
from geo.store import Store

__all__ = ["main"]


def cmd_init(args: argparse.Namespace) -> int:
    from geo.drills.demo import (
        DEMO_DIR,
        add_demo_accounts,
        add_demo_reports,
        load_demo,
        load_live_demo,
    )

    store = _store(args)
    applied = store.applied
    print(_t("schema", path=store.path)
          + (_t("migrations", ids=", ".join(map(str, applied))) if applied else ""))
    fresh = store.layer_summary().empty and store.last_event()[1] is None
    if args.empty or not (DEMO_DIR / "communes.geojson").exists():
        _bootstrap_hint(store)
        return 0
    if fresh and not args.demo:
        # A new database gets the demo communes and today's drill up to now.
        plans, summary, clock = load_live_demo(store, seed=args.seed,
                                               progress=sys.stderr.isatty(),
                                               real_clock=args.real_clock,
                                               lang=current_lang())
        for plan in plans:
            print(_t("demo_plan", summary=plan.summary(current_lang())))
        print("  " + summary)
        if clock:
            print(_t("demo_clock", hours=clock.total_seconds() / 3600))
        print(_t("demo_accounts"))
        for name, password, role in add_demo_accounts(store):
            print(f"    {name:<8} {password:<20} {code_label('role', role)}")
        sent, late = add_demo_reports(store)
        print(_t("demo_reports", sent=sent, late=late))
    elif args.demo:
        for plan in load_demo(store):
            print(_t("demo_plan", summary=plan.summary(current_lang())))
    else:
        _stale_day_hint(store)
    _bootstrap_hint(store)
    return 0


def _stale_day_hint(store: Store) -> None:
    """An existing database whose last event is before today (yesterday's drill, say) is
    kept as it is, never replayed over; say how to get a fresh day instead."""
    last = store.last_event()[1]
    if last is not None and to_utc(last) < local_midnight_utc():
        print(_t("stale_day", day=local_text(last, "%d/%m/%Y"), path=store.path))


def _bootstrap_hint(store: Store) -> None:
    if accounts.needs_bootstrap(store):
        print(_t("no_accounts"))


def cmd_import(args: argparse.Namespace) -> int:
    from geo.io.importer import apply_import, plan_import

    store = _store(args)
    plan = plan_import(store, args.path, args.kind, crs=args.crs, encoding=args.encoding,
                       progress=_say, replace=args.replace, outside=args.outside)
    _print_problems(plan.warnings, "warning")
    if not plan.ok:
        _print_problems(plan.errors)
        print(_t("import_refused", n=len(plan.errors)), file=sys.stderr)
        return 2
    print(plan.summary(current_lang()))
    for note in plan.notes_2025(current_lang()):
        print(f"  {plain_text(note)}")
    for label, codes in ((_t("import_new"), plan.added), (_t("import_changed"), plan.changed),
                         (_t("import_replaced"), plan.replaced)):
        if codes:
            shown = ", ".join(codes[:20]) + (" …" if len(codes) > 20 else "")
            print(f"  {label}: {shown}")
    if args.dry_run:
        print(_t("dry_run"))
        return 0
    apply_import(store, plan, actor=_account(args, store))
    print(_t("imported"))
    return 0


def cmd_layers(args: argparse.Namespace) -> int:
    store = _store(args)
    summary = store.layer_summary()
    if summary.empty:
        print(_t("no_layers"))
        return 0
    for r in summary.itertuples():
        where = _t("layer_where", n=r.communes) if r.communes else ""
        print(_t("layer_line", kind=_message(f"import.kind.{r.kind}"), n=r.features,
                 where=where,
                 at=local_text(r.last_import, "%d/%m/%Y %H:%M")))
        if r.kind == "communes":
            _print_notes_2025(store)
    return 0


# Communes listed at most under ``antt layers`` with what the 2025 list says of them.
NOTES_SHOWN = 20


def _print_notes_2025(store: Store) -> None:
    """Under the communes line: each commune the 2025 list knows, and what it says ("An Phụ:
    nay thuộc Phường Trần Liễu, Thành phố Hải Phòng …"), the stored text made inert."""
    from geo.analysis.places import commune_labels, commune_notes_2025, load_layer

    communes = load_layer(store, "communes")
    notes = commune_notes_2025(communes)
    names = commune_labels(communes)
    for code, (key, params) in list(notes.items())[:NOTES_SHOWN]:
        print(plain_text(_t("layer_commune", commune=names[code],
                            note=_message(key, **params))))
    if len(notes) > NOTES_SHOWN:
        print(_t("layer_more", n=len(notes) - NOTES_SHOWN))


def cmd_layers_remove(args: argparse.Namespace) -> int:
    from geo.io.removal import remove_layers

    store = _store(args)
    removed = remove_layers(store, communes=args.commune or (), demo=args.demo,
                            actor=_account(args, store))
    if not removed:
        print(_t("removed_nothing"))
    for kind, n in removed.items():
        print(_t("removed_line", n=n, kind=_message(f"import.kind.{kind}")))
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    """``antt calendar``: the election calendar, a row a line, in start order."""
    from geo import calendar as cal

    store = _store(args)
    frame = cal.entries(store, args.commune or ())
    if frame.empty:
        print(_t("calendar_empty"))
    for r in frame.itertuples():
        end = "" if r.ends is None or r.ends != r.ends else \
            " – " + local_text(r.ends, "%d/%m/%Y %H:%M")
        print(plain_text(f"{local_text(r.starts, '%d/%m/%Y %H:%M')}{end}  "
                         f"{code_label('calendar_kind', r.kind)}: {r.name} "
                         f"[{r.id}] ({r.source})"))
    return 0


def cmd_calendar_import(args: argparse.Namespace) -> int:
    from geo import calendar as cal

    store = _store(args)
    rows = cal.read_calendar(Path(args.path))
    n = cal.import_calendar(store, rows, actor=_account(args, store),
                            source=Path(args.path).name, replace=args.replace)
    print(_t("calendar_loaded", **n))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.drills.simulate import simulate

    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        raise AnttError(f"--day {args.day}: write the day as YYYY-MM-DD", key="err.day",
                        day=args.day) from None
    store = _store(args)
    accounts.require(_account(args, store), "layers.import")
    report = simulate(store, scale=args.scale, seed=args.seed, day=day,
                      progress=args.progress, lang=current_lang())
    print(report)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    counts = _store(args).counts()
    if args.json:
        print(json.dumps(counts, default=str, ensure_ascii=False))
        return 0
    statuses = {"incidents": "status", "sites": "site_status", "units": "unit_status"}
    for name, group in statuses.items():
        by = counts[name]
        detail = ", ".join(f"{_message(f'{group}.{k}')} {v}" for k, v in by.items()) \
            or _t("none")
        print(_t("status_line", name=_t(f"status_{name}"), n=sum(by.values()), detail=detail))
    last = local_text(counts["last_event_at"], "%d/%m/%Y %H:%M:%S") or _t("none")
    print(_t("status_events", name=_t("status_events_name"), n=counts["events"], at=last))
    return 0


def cmd_incident_report(args: argparse.Namespace) -> int:
    store = _store(args)
    row = incidents.report(
        store, kind=args.kind, severity=args.severity, lon=args.lon, lat=args.lat,
        source=args.source, actor=_account(args, store), description=args.description or "",
        site_code=args.site, request_id=args.request_id, outside=args.outside)
    _print_row(row, args.json)
    return 0


def cmd_incident_move(args: argparse.Namespace) -> int:
    store = _store(args)
    actor = _account(args, store)
    team = args.team
    if team == "nearest":  # what the board offers first: a free team, own commune first
        from geo.analysis.dispatch import suggest
        offer = suggest(store.get("incident", args.id),
                        accounts.within_scope(store.frame("unit"), actor), k=1)
        if offer.empty:
            raise AnttError("no team is free to send (available or on patrol, with a "
                            "known position); give a team code", key="err.no_free_team")
        team = str(offer["code"].iloc[0])
    row = incidents.move(store, args.id, args.action, expected_version=args.version,
                         actor=actor, team_code=team, note=args.note)
    _print_row(row, args.json)
    return 0


def cmd_unit_register(args: argparse.Namespace) -> int:
    store = _store(args)
    row = units.register(store, code=args.code, name=args.name, actor=_account(args, store),
                         size=args.size, route_code=args.route)
    _print_row(row, args.json, "unit")
    return 0


def _review_filters(args: argparse.Namespace):
    from geo.clock import parse_period
    from geo.store import Filters

    period = parse_period(args.period) if args.period else None
    return period, Filters(
        commune_codes=args.commune or [], hamlet_codes=args.hamlet or [],
        kinds=args.kind or [], severities=[int(s) for s in args.severity or []],
        since=period.start if period else None, until=period.end if period else None)


def cmd_export(args: argparse.Namespace) -> int:
    from geo.io.exports import export

    _, filters = _review_filters(args)
    store = _store(args)
    accounts.require(_account(args, store), "review.export")
    for path in export(store, args.out, args.format, filters, lang=current_lang()):
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from geo.io.report import build_review, write_report

    bad = [o for o in args.out if Path(o).suffix.lower() not in (".pdf", ".html", ".htm")]
    if bad:
        raise AnttError(f"--out {bad[0]}: the written review is a .pdf or .html file",
                        key="err.report_out", out=bad[0])
    period, f = _review_filters(args)
    store = _store(args)
    accounts.require(_account(args, store), "review.export")
    if period is None:
        from geo.clock import local_day, to_local

        last = store.last_operation_at()
        if last is None:
            raise AnttError("the database has no events yet: nothing to review",
                            key="err.nothing_to_review")
        period = local_day(to_local(last).date())
    known = set(store.features("communes")["code"])
    unknown = [c for c in f.commune_codes if c not in known]
    if unknown:
        raise AnttError(f"--commune {unknown[0]}: no such commune in the layers "
                        f"(known: {', '.join(sorted(known)) or 'none'})",
                        key="err.unknown_commune", commune=unknown[0],
                        known=", ".join(sorted(known)) or "—")
    rev = build_review(store, period, lang="vi", commune_codes=f.commune_codes,
                       hamlet_codes=f.hamlet_codes, kinds=f.kinds, severities=f.severities)
    for out in args.out:
        print(write_report(rev, out))
    return 0


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", help=help_text("period"))
    p.add_argument("--commune", nargs="+", help=help_text("communes"))
    p.add_argument("--hamlet", nargs="+", help=help_text("hamlets"))
    p.add_argument("--kind", nargs="+", choices=incidents.KINDS)
    p.add_argument("--severity", nargs="+", choices=["1", "2", "3", "4"])


def cmd_migrate(args: argparse.Namespace) -> int:
    from geo.store import migrate

    source = _store(args)
    actor = _account(args, source)
    if not isinstance(actor, str):
        accounts.require(actor, "store.migrate")
    target = Store(args.to)
    done = migrate.migrate(source, target, dry_run=args.dry_run)
    print(_t("migrate_head", source=source.path, target=target.path))
    table_h, copied_h, there_h = _t("migrate_cols").split(",")
    print(f"  {table_h:<15} {copied_h:>9} {there_h:>9}")
    for table, copied, there in done.summary():
        print(f"  {table:<15} {copied:>9,} {there:>9,}")
    if done.conflicts:
        print(_t("migrate_conflicts", n=len(done.conflicts)), file=sys.stderr)
        for line in done.conflicts[:20]:
            print(f"  {plain_text(line)}", file=sys.stderr)
        if len(done.conflicts) > 20:
            print(f"  … {len(done.conflicts) - 20}", file=sys.stderr)
        return 2
    copied = sum(c for _, c, _ in done.summary())
    print(_t("migrate_dry" if args.dry_run else "migrate_done" if copied else
             "migrate_nothing"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # server.py, not app.py: its routes and middleware give the HttpOnly session cookie
    # and refuse other origins (dashboard/server.py).
    app = Path(__file__).resolve().parent.parent / "dashboard" / "server.py"
    from geo.store.pg import is_url

    os.environ.pop("ANTT_PASSWORD", None)  # the dashboard never needs it: not in its environment
    env = {**os.environ, "ANTT_DB": args.db if is_url(args.db) else str(Path(args.db).resolve())}
    _store(args).init()
    port = args.port or settings.get("port")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.enableStaticServing", "true", "--client.showErrorDetails", "none",
           "--client.toolbarMode", "minimal", "--server.address", settings.get("address")]
    if settings.get("address") in ("0.0.0.0", "::"):
        # Listening everywhere, Streamlit's start-up banner would ask the internet for
        # this machine's public address (before server.py can stop it); a set
        # browser.serverAddress is printed instead.
        cmd += ["--browser.serverAddress", "localhost"]
    from geo.drills.live import start_player

    # The demo's drill carries on while the dashboard runs (a real commune's never does).
    player = None if is_url(args.db) else start_player(Path(args.db).resolve())
    try:
        return subprocess.call(cmd, env=env, cwd=app.parent.parent)
    finally:
        if player is not None:
            player.stdin.close()  # its signal to stop; it also stops if we are killed
            player.wait(timeout=30)


def build_parser() -> argparse.ArgumentParser:
    """The parser, its help in this run's language (``set_lang`` first)."""
    h = help_text
    p = Parser(prog="antt", description=h("antt"))
    p.add_argument("--db", default=settings.get("db"), help=h("db"))
    p.add_argument("--json", action="store_true", help=h("json"))
    p.add_argument("--user", default=settings.get("user") or None, help=h("user"))
    p.add_argument("--password-stdin", action="store_true", help=h("password_stdin"))
    p.add_argument("--lang", choices=LANGS, help=h("lang"))
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("init", help=h("init"), description=h("init"))
    i.add_argument("--demo", action="store_true", help=h("init_demo"))
    i.add_argument("--empty", action="store_true", help=h("init_empty"))
    i.add_argument("--seed", type=int, default=1, help=h("init_seed"))
    i.add_argument("--real-clock", action="store_true", help=h("init_real_clock"))
    i.set_defaults(fn=cmd_init)

    im = sub.add_parser("import", help=h("import"), description=h("import"))
    im.add_argument("path", help=h("import_path"))
    im.add_argument("--kind", required=True, choices=list(SCHEMAS))
    im.add_argument("--crs", help=h("import_crs"))
    im.add_argument("--encoding", help=h("import_encoding"))
    im.add_argument("--dry-run", action="store_true", help=h("import_dry_run"))
    im.add_argument("--replace", action="store_true", help=h("import_replace"))
    im.add_argument("--outside", action="store_true", help=h("import_outside"))
    im.set_defaults(fn=cmd_import)
    ly = sub.add_parser("layers", help=h("layers"), description=h("layers"))
    ly.set_defaults(fn=cmd_layers)
    lr = ly.add_subparsers(dest="sub").add_parser("remove", help=h("layers_remove"),
                                                   description=h("layers_remove"))
    lr.add_argument("--commune", action="append", help=h("remove_commune"))
    lr.add_argument("--demo", action="store_true", help=h("remove_demo"))
    lr.set_defaults(fn=cmd_layers_remove)

    ca = sub.add_parser("calendar", help=h("calendar"), description=h("calendar"))
    ca.add_argument("--commune", action="append", help=h("calendar_commune"))
    ca.set_defaults(fn=cmd_calendar)
    ci = ca.add_subparsers(dest="sub").add_parser("import", help=h("calendar_import"),
                                                  description=h("calendar_import"))
    ci.add_argument("path", help=h("calendar_path"))
    ci.add_argument("--replace", action="store_true", help=h("calendar_replace"))
    ci.set_defaults(fn=cmd_calendar_import)

    sm = sub.add_parser("simulate", help=h("simulate"), description=h("simulate"))
    sm.add_argument("--scale", choices=["commune", "province", "national"], default="commune")
    sm.add_argument("--seed", type=int, default=1, help=h("init_seed"))
    sm.add_argument("--day", default="2021-05-23", help=h("simulate_day"))
    sm.add_argument("--no-progress", dest="progress", action="store_false",
                    help=h("simulate_no_progress"))
    sm.set_defaults(fn=cmd_simulate)
    sub.add_parser("status", help=h("status"), description=h("status")).set_defaults(
        fn=cmd_status)

    inc = sub.add_parser("incident", help=h("incident"), description=h("incident")
                         ).add_subparsers(dest="sub", required=True)
    r = inc.add_parser("report", help=h("report"), description=h("report"))
    r.add_argument("--kind", required=True, choices=incidents.KINDS)
    r.add_argument("--severity", required=True, help=h("severity"))
    r.add_argument("--lon", required=True, help=h("lon"))
    r.add_argument("--lat", required=True, help=h("lat"))
    r.add_argument("--source", required=True, choices=incidents.SOURCES)
    r.add_argument("--description", help=h("description"))
    r.add_argument("--site", help=h("site"))
    r.add_argument("--request-id", help=h("request_id"))
    r.add_argument("--outside", action="store_true", help=h("outside"))
    r.set_defaults(fn=cmd_incident_report)
    m = inc.add_parser("move", help=h("move"), description=h("move"))
    m.add_argument("id", type=int, help=h("incident_id"))
    m.add_argument("action", choices=incidents.ACTIONS)
    m.add_argument("--version", type=int, required=True, help=h("version"))
    m.add_argument("--team", help=h("team"))
    m.add_argument("--note", help=h("note"))
    m.set_defaults(fn=cmd_incident_move)

    un = sub.add_parser("unit", help=h("unit"), description=h("unit")).add_subparsers(
        dest="sub", required=True)
    u = un.add_parser("register", help=h("unit_register"), description=h("unit_register"))
    u.add_argument("code", help=h("unit_code"))
    u.add_argument("name", help=h("unit_name"))
    u.add_argument("--size", type=int, help=h("unit_size"))
    u.add_argument("--route", help=h("unit_route"))
    u.set_defaults(fn=cmd_unit_register)

    e = sub.add_parser("export", help=h("export"), description=h("export"))
    e.add_argument("--out", required=True, help=h("export_out"))
    e.add_argument("--format", nargs="+", default=["csv", "parquet"],
                   choices=["geojson", "gpkg", "csv", "parquet"])
    _filter_args(e)
    e.set_defaults(fn=cmd_export)

    rp = sub.add_parser("report", help=h("review"), description=h("review"))
    rp.add_argument("--out", nargs="+", required=True, help=h("review_out"))
    _filter_args(rp)
    rp.set_defaults(fn=cmd_report)
    add_parsers(sub)
    add_complaint_parsers(sub)
    add_report_parsers(sub)

    mg = sub.add_parser("migrate", help=h("migrate"), description=h("migrate"))
    mg.add_argument("--to", required=True, metavar="URL", help=h("migrate_to"))
    mg.add_argument("--dry-run", action="store_true", help=h("migrate_dry_run"))
    mg.set_defaults(fn=cmd_migrate)

    s = sub.add_parser("serve", help=h("serve"), description=h("serve"))
    s.add_argument("--port", type=int, default=None, help=h("serve_port"))
    s.set_defaults(fn=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit 0 when done, 2 with one line per problem when refused or
    when the database or a file cannot be used; never a traceback (``ANTT_DEBUG=1``
    prints it)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    set_lang(argv_lang(argv) or cli_lang())  # before the parser: its help is in it
    args = build_parser().parse_args(argv)
    if os.environ.get("ANTT_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    try:
        return args.fn(args)
    except Invalid as e:
        _print_problems(e.problems)
        return 2
    except AnttError as e:
        print(_t("error", text=error_text(e)), file=sys.stderr)
        return 2
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(_t("os_error", where=where, text=e.strerror or e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_t("interrupted"), file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line here, the trace with ANTT_DEBUG=1
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(_t("unexpected", name=type(e).__name__, text=plain_text(str(e))[:300]),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
