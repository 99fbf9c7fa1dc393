"""The accounts side of the `antt` command line: the database a command opens and the
account it acts as (``--user``; the password without echo, from ``ANTT_PASSWORD`` or
with ``--password-stdin`` from standard input), and the ``user`` and ``wall-token``
commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from geo import accounts, settings
from geo.checks.inert import plain_text
from geo.cli_output import _message, _t, code_label
from geo.cli_parser import help_text
from geo.errors import AnttError
from geo.store import Store


def _store(args: argparse.Namespace) -> Store:
    """The database, created and migrated if needed (so `antt simulate` works on a new
    file, and an old file gets new migrations before any command reads it)."""
    store = Store(args.db)
    store.init()
    return store


def _password(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """A password: from the environment, the next line of stdin (--password-stdin), or
    asked for without echo (twice when *confirm*: a new account's password).

    The acting account's password is ANTT_PASSWORD; a new password is ANTT_NEW_PASSWORD,
    or ANTT_PASSWORD when no login used it first (``antt user add`` before any account
    exists). Either is taken out of the environment once read, so no process this one
    starts inherits it and nothing that prints the environment shows it."""
    for name in ("ANTT_NEW_PASSWORD", "ANTT_PASSWORD") if confirm else ("ANTT_PASSWORD",):
        if os.environ.get(name):
            return os.environ.pop(name)
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        if confirm:
            raise AnttError("no new password: give it on a terminal, in ANTT_NEW_PASSWORD "
                            "(or ANTT_PASSWORD when no --user logs in first), or with "
                            "--password-stdin", key="err.no_new_password")
        raise AnttError("no password: give it on a terminal, in ANTT_PASSWORD, or with "
                        "--password-stdin", key="err.no_password")

    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_t("password_again")) != first:
        raise AnttError("the two passwords differ", key="err.passwords_differ")
    return first


def _account(args: argparse.Namespace, store: Store) -> accounts.Actor:
    """Log in as ``--user`` (every attempt is recorded; five failures lock the name).

    Until a database has its first account it is being set up by whoever holds the
    file (a drill, a first import): commands then act as ``setup:<OS user>``."""
    if accounts.needs_bootstrap(store) and not args.user:
        return f"setup:{getpass.getuser()}"
    if not args.user:
        raise AnttError("this command acts as an account: give --user NAME (or ANTT_USER)",
                        key="err.no_user")
    return accounts.login(store, args.user, _password(args, _t("password_of", user=args.user)),
                          source=f"cli:{getpass.getuser()}")


def cmd_user_add(args: argparse.Namespace) -> int:
    store = _store(args)
    actor = _account(args, store)
    if not isinstance(actor, str):  # the admin's own password was asked for first
        accounts.require(actor, "users.manage")
    password = _password(args, _t("password_new", user=args.username), confirm=True)
    row = accounts.add_user(store, actor, username=args.username,
                            display_name=args.display_name or args.username, role=args.role,
                            password=password, communes=args.commune or accounts.ALL,
                            unit_code=args.team, site_code=args.site)
    print(_t("user_added", username=row["username"], role=_message(f"role.{row['role']}"),
             communes=row["communes"]))
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    store = _store(args)
    actor = _account(args, store)
    accounts.set_password(store, actor, args.username,
                          _password(args, _t("password_new", user=args.username), confirm=True))
    print(_t("password_changed", username=args.username))
    return 0


def _act_on(args: argparse.Namespace, command: Callable[[Store, accounts.Actor, object], object],
            what: str, done: str) -> int:
    """Log in, apply one account *command* to the one thing the line names (``args.<what>``,
    an account or a wall token) and say it is *done* (a ``cli.*`` message naming it)."""
    store = _store(args)
    target = getattr(args, what)
    command(store, _account(args, store), target)
    print(_t(done, **{what: target}))
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _act_on(args, accounts.disable_user, "username", "user_disabled")


def cmd_user_list(args: argparse.Namespace) -> int:
    store = _store(args)
    accounts.require(_account(args, store), "users.manage")
    for a in accounts.users(store):
        active = store.get("user", a.username)["active"]
        print(f"{plain_text(a.username):<16} {code_label('role', a.role):<10} "
              f"{','.join(a.communes):<12} "
              f"{_t('active') if active else _t('disabled'):<9} {plain_text(a.display_name)}")
    return 0


def dashboard_url() -> str:
    """Where the screens open the dashboard: the first ``public_url`` (behind a proxy),
    else this machine at the ``address`` and ``port`` `antt serve` listens on."""
    public = [u.strip().rstrip("/") for u in settings.get("public_url").split(",") if u.strip()]
    if public:
        return public[0]
    host = settings.get("address")
    host = "localhost" if host in ("0.0.0.0", "::", "") else host
    return f"http://{host}:{settings.get('port')}"


def cmd_wall_token_create(args: argparse.Namespace) -> int:
    store = _store(args)
    row, token = accounts.create_wall_token(store, _account(args, store), args.label,
                                            args.commune or accounts.ALL)
    commune = f"&commune={args.commune[0]}" if args.commune and len(args.commune) == 1 else ""
    print(_t("wall_token", id=row["id"], label=plain_text(row["label"])))
    print(f"  {dashboard_url()}/?wall=1&token={token}{commune}")
    return 0


def cmd_wall_token_list(args: argparse.Namespace) -> int:
    store = _store(args)
    accounts.require(_account(args, store), "users.manage")
    for t in accounts.wall_tokens(store):
        state = _t("revoked") if t["revoked"] else _t("active")
        print(f"{t['id']:>4} {state:<8} {t['communes']:<12} {plain_text(t['label'])}")
    return 0


def cmd_wall_token_revoke(args: argparse.Namespace) -> int:
    return _act_on(args, accounts.revoke_wall_token, "id", "wall_revoked")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``user`` and ``wall-token`` commands, on the parser's *sub* commands."""
    h = help_text
    us = sub.add_parser("user", help=h("users"), description=h("users")).add_subparsers(
        dest="sub", required=True)
    ua = us.add_parser("add", help=h("user_add"), description=h("user_add"))
    ua.add_argument("username", help=h("username"))
    ua.add_argument("--role", required=True, choices=accounts.ROLES)
    ua.add_argument("--display-name", help=h("display_name"))
    ua.add_argument("--commune", nargs="+", help=h("user_communes"))
    ua.add_argument("--team", help=h("user_team"))
    ua.add_argument("--site", help=h("user_site"))
    ua.set_defaults(fn=cmd_user_add)
    up = us.add_parser("passwd", help=h("user_passwd"), description=h("user_passwd"))
    up.add_argument("username", help=h("username"))
    up.set_defaults(fn=cmd_user_passwd)
    ud = us.add_parser("disable", help=h("user_disable"), description=h("user_disable"))
    ud.add_argument("username", help=h("username"))
    ud.set_defaults(fn=cmd_user_disable)
    us.add_parser("list", help=h("user_list"), description=h("user_list")).set_defaults(
        fn=cmd_user_list)

    wt = sub.add_parser("wall-token", help=h("wall"), description=h("wall")).add_subparsers(
        dest="sub", required=True)
    wc = wt.add_parser("create", help=h("wall_create"), description=h("wall_create"))
    wc.add_argument("label", help=h("wall_label"))
    wc.add_argument("--commune", nargs="+", help=h("wall_communes"))
    wc.set_defaults(fn=cmd_wall_token_create)
    wt.add_parser("list", help=h("wall_list"), description=h("wall_list")).set_defaults(
        fn=cmd_wall_token_list)
    wr = wt.add_parser("revoke", help=h("wall_revoke"), description=h("wall_revoke"))
    wr.add_argument("id", type=int, help=h("wall_id"))
    wr.set_defaults(fn=cmd_wall_token_revoke)
