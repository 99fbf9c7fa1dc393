"""Who may do what: accounts, roles, commune scope, logins, sessions and wall tokens.

Every command names the permission it needs and calls :func:`require` with the
acting account before it writes; a refusal raises :class:`Forbidden` (naming the
roles that may) and nothing is written. Pages only hide what an account may not do.

The actor recorded on an event is the account's user name. An ``Actor`` may also be
a plain string: that is an in-process caller with no account (the drill simulator,
the demo loader, tests), never text a person typed; the CLI and the dashboard always
pass an :class:`Account`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo import settings
from geo.checks.validate import check_actor, clean_code, clean_name
from geo.clock import utcnow
from geo.errors import AnttError, Invalid, NotFound, Problem
from geo.store import Store, Tx

__all__ = [
    "ROLES", "PERMISSIONS", "ALL", "Account", "Actor", "Forbidden", "LoginFailed",
    "require", "may", "add_user", "set_password", "disable_user", "users", "login",
    "start_session", "session_account", "logout", "create_wall_token", "revoke_wall_token",
    "wall_tokens", "wall_account", "display_names", "needs_bootstrap", "sso_account",
    "note_sso_login", "SessionEnded", "authorize", "token_hash", "require_place", "name_of",
    "within_scope", "still_open",
]

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("viewer", "field", "operator", "commander", "admin")
ALL = "*"  # every commune: an account's scope, a view's commune, the CLI's default
_OPS = ("operator", "commander")
# Every permission a command names, and the roles that hold it.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "incident.report": ("field", *_OPS),
    "incident.verify": _OPS,
    "incident.dispatch": _OPS,
    "incident.reassign": _OPS,
    "incident.arrive": _OPS,
    "incident.resolve": _OPS,
    "incident.note": _OPS,
    "incident.acknowledge": _OPS,
    "incident.close": ("commander",),
    "incident.escalate": ("commander",),
    "incident.false_alarm": ("commander",),
    **{f"complaint.{a}": _OPS for a in ("receive", "accept", "refuse", "start", "answer",
                                         "close", "forward", "extend", "acknowledge")},
    "site.status": ("field", *_OPS),
    "unit.status": _OPS,
    "unit.checkin": ("field", *_OPS),
    "review.export": ("commander",),
    "reports.send": _OPS,
    "audit.read": ("commander", "admin"),
    "layers.import": ("admin",),
    "calendar.edit": ("admin",),
    "users.manage": ("admin",),
    "store.migrate": ("admin",),
}
LOCK_FAILURES = 5  # of one name from one source, within the window
SOURCE_FAILURES = 20  # of any names from one source, within the window
LOCK_WINDOW = timedelta(minutes=5)
_HASHER = PasswordHasher()  # argon2id with the library's current parameters
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Account:
    """A logged-in account (or a wall screen's token, as a viewer)."""

    username: str
    display_name: str
    role: str
    communes: tuple[str, ...] = (ALL,)
    unit_code: str | None = None
    site_code: str | None = None
    via: str = "password"  # or "wall_token", "sso"
    # The SHA-256 of the browser's session token (or of the wall token): what every write
    # checks again inside its transaction. None for an account the CLI logged in itself.
    session: str | None = None

    @property
    def all_communes(self) -> bool:
        return ALL in self.communes

    def in_scope(self, commune_code: str | None) -> bool:
        return self.all_communes or commune_code in self.communes


Actor = Account | str


class Forbidden(AnttError):
    code = "forbidden"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, **params)


class SessionEnded(Forbidden):
    """The session this account acts through is over: logged out (anywhere), expired,
    its password changed, the account disabled, or the wall token revoked."""

    code = "session_ended"

    def __init__(self, username: str) -> None:
        AnttError.__init__(self, f"the session of {username} has ended: log in again",
                           username=username)


class LoginFailed(AnttError):
    """Deliberately says nothing about which part was wrong."""

    code = "login_failed"

    def __init__(self, locked_until: datetime | None = None) -> None:
        self.locked_until = locked_until
        super().__init__("wrong user name or password, or the account is locked or disabled")


def may(account: Actor, permission: str) -> bool:
    """Whether *account* holds *permission* (in-process callers hold every one)."""
    if isinstance(account, str):
        return True
    return account.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str, *, commune: str | None = None,
            unit: str | None = None, site: str | None = None) -> str:
    """The name to record on the event, once *actor* may do *permission* here.

    Refused (Forbidden, nothing written) when the role lacks the permission, the
    commune is outside the account's scope, or a field account acts for another team
    or site than its own.
    """
    if isinstance(actor, str):
        return check_actor(actor)
    roles = PERMISSIONS[permission]
    if actor.role not in roles:
        raise Forbidden(f"'{permission}' needs the role {' or '.join(roles)}; "
                        f"{actor.username} is {actor.role}",
                        key="err.forbidden_role", permission=permission, roles=roles,
                        role=actor.role, username=actor.username)
    if commune is not None and not actor.in_scope(commune):
        raise Forbidden(f"commune {commune} is outside {actor.username}'s communes "
                        f"({', '.join(actor.communes)})", key="err.forbidden_commune",
                        commune=commune, username=actor.username,
                        communes=", ".join(actor.communes))
    if actor.role == "field":
        if unit is not None and unit != actor.unit_code:
            raise Forbidden(f"{actor.username} checks in for team {actor.unit_code} only, "
                            f"not {unit}", key="err.forbidden_team", unit=unit,
                            own=actor.unit_code, username=actor.username)
        if site is not None and site != actor.site_code:
            raise Forbidden(f"{actor.username} sets the status of site {actor.site_code} "
                            f"only, not {site}", key="err.forbidden_site", site=site,
                            own=actor.site_code, username=actor.username)
    return actor.username


def require_place(actor: Actor, commune: str | None, what: str) -> None:
    """Scope of an entity a command names besides its subject (the team dispatched, the
    site reported at, the checkpoint checked in at): *what* must lie in one of the
    account's communes. A thing with no commune is for all-commune accounts only."""
    if isinstance(actor, str) or actor.in_scope(commune):
        return
    raise Forbidden(f"{what} is in commune {commune or '(none)'}, outside "
                    f"{actor.username}'s communes ({', '.join(actor.communes)})",
                    key="err.forbidden_place", what=what, commune=commune or "—",
                    username=actor.username, communes=", ".join(actor.communes))


def within_scope(frame: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """The rows of *frame* (with a ``commune_code``) that *actor* may act on: what a
    page offers (teams to dispatch, places to pick) is what the command will accept."""
    if isinstance(actor, str) or actor.all_communes:
        return frame
    return frame[frame["commune_code"].isin(actor.communes)]


def name_of(actor: Actor) -> str:
    """The name recorded on an event for *actor* (an in-process caller's name cleaned as
    :func:`require` cleans it)."""
    return check_actor(actor) if isinstance(actor, str) else actor.username


def authorize(tx: Tx, actor: Actor, permission: str, *, commune: str | None = None,
              unit: str | None = None, site: str | None = None) -> Actor:
    """:func:`require`, inside the write's transaction, for the account as it is *now*.

    A page's callback or an open tab may act long after its session was checked: here
    the session must still be open (not logged out, not expired, no password change
    since), the account active, and the role and communes are the stored ones, not
    those the tab remembers. Returns that current account (pass it to :func:`require`
    for every other entity the command names); raises SessionEnded or Forbidden, and
    the transaction writes nothing.
    """
    current = _current(tx, actor)
    require(current, permission, commune=commune, unit=unit, site=site)
    return current


def _current(tx: Tx, actor: Actor) -> Actor:
    if isinstance(actor, str) or actor.via == "sso":
        # In-process callers have no session; a single sign-on identity lives in the
        # provider's cookie, checked on every page run by Streamlit.
        return actor
    if actor.via == "wall_token":
        row = tx.wall_token_by_hash(actor.session or "")
        if row is None or row["revoked"]:
            raise SessionEnded(actor.username)
        return actor
    if actor.session is not None and tx.session_user(actor.session) != actor.username:
        raise SessionEnded(actor.username)
    row = tx.get("user", actor.username)
    if row is None or not row["active"]:
        raise SessionEnded(actor.username)
    return _account(row, actor.via, actor.session)


# ---- accounts ---------------------------------------------------------------------------
def token_hash(token: str) -> str:
    """What the store keeps of a session or wall token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()




def _communes(values: object) -> list[str]:
    vals = [values] if isinstance(values, str) else list(values or [ALL])
    return [ALL] if ALL in vals or not vals else sorted(set(vals))


def _account(row: dict, via: str = "password", session: str | None = None) -> Account:
    return Account(row["username"], row["display_name"], row["role"],
                   tuple(json.loads(row["communes"])), row["unit_code"], row["site_code"],
                   via, session)


def needs_bootstrap(store: Store) -> bool:
    """True while the database has no account: the first one may be added without one."""
    return store.frame("user").empty


def _check_password(password: object, problems: list[Problem]) -> str:
    text = "" if password is None else str(password)
    if len(text) < MIN_PASSWORD:
        problems.append(Problem("password", f"at least {MIN_PASSWORD} characters",
                                key="problem.password_short", params={"n": MIN_PASSWORD}))
    if len(text) > 1024:
        problems.append(Problem("password", "at most 1,024 characters",
                                key="problem.password_long", params={"n": "1,024"}))
    return text


def add_user(store: Store, actor: Actor, *, username: str, role: str,
             password: str, display_name: str | None = None, communes: object = ALL,
             unit_code: str | None = None,
             site_code: str | None = None) -> dict:
    """Add an account (admin; or anyone while there is none, to make the first admin)."""
    if not needs_bootstrap(store):
        who = require(actor, "users.manage")
    else:
        who = actor if isinstance(actor, str) else actor.username
    problems: list[Problem] = []
    username = clean_code(username, "username", problems, required=True) or ""
    display_name = clean_name(display_name or username, "display_name", problems,
                              required=True)
    if role not in ROLES:
        problems.append(Problem("role", f"unknown role {role!r}; one of {', '.join(ROLES)}",
                                key="problem.unknown_role",
                                params={"value": repr(role), "choices": ", ".join(ROLES)}))
    unit_code = clean_code(unit_code, "unit_code", problems)
    site_code = clean_code(site_code, "site_code", problems)
    secret = _check_password(password, problems)
    scope = _communes(communes)
    if problems:
        raise Invalid(problems)
    digest = _HASHER.hash(secret)

    def cmd(tx: Tx) -> dict:
        if isinstance(actor, Account):
            authorize(tx, actor, "users.manage")
        if tx.exists("user", username):
            raise Invalid([Problem("username", f"{username!r} already exists",
                                   key="problem.exists", params={"value": repr(username)})])
        row = tx.create("user", {"username": username, "display_name": display_name,
                                 "role": role, "communes": json.dumps(scope),
                                 "unit_code": unit_code, "site_code": site_code,
                                 "active": True}, actor=who, action="create")
        tx.set_password_hash(username, digest)
        return row

    return store.transact(cmd)


def set_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """A new password (admin, or the account itself); its open sessions end."""
    if isinstance(actor, Account) and actor.username == username and actor.via == "password":
        who = actor.username
    else:
        who = require(actor, "users.manage")
    problems: list[Problem] = []
    secret = _check_password(password, problems)
    if problems:
        raise Invalid(problems)
    digest = _HASHER.hash(secret)

    def cmd(tx: Tx) -> None:
        if who == username:
            _current(tx, actor)
        else:
            authorize(tx, actor, "users.manage")
        cur = tx.get("user", username)
        if cur is None:
            raise NotFound("user", username)
        tx.change("user", cur, {}, actor=who, action="password")
        tx.set_password_hash(username, digest)
        tx.end_sessions(username)

    store.transact(cmd)


def disable_user(store: Store, actor: Actor, username: str) -> dict:
    """Disable an account (admin): it can no longer log in, and its sessions end."""
    who = require(actor, "users.manage")

    def cmd(tx: Tx) -> dict:
        authorize(tx, actor, "users.manage")
        cur = tx.get("user", username)
        if cur is None:
            raise NotFound("user", username)
        tx.end_sessions(username)
        return tx.change("user", cur, {"active": False}, actor=who, action="disable")

    return store.transact(cmd)


def users(store: Store) -> list[Account]:
    frame = store.frame("user")
    return [_account(r) for r in frame.to_dict("records")]


def display_names(store: Store) -> dict[str, str]:
    """user name → display name, for timelines and the audit view."""
    frame = store.frame("user")
    return dict(zip(frame["username"], frame["display_name"], strict=True))


# ---- logging in ------------------------------------------------------------------------------
def login(store: Store, username: str, password: str, *, source: str = "local",
          at: datetime | None = None) -> Account:
    """The account, if the password is right, the account active and not locked.

    Every attempt is an event. The lock belongs to the source (the client's address): five
    failures of one name from one source within five minutes lock that name *from that
    source*, and twenty failures of any names from one source lock the source, each for
    the rest of the window; the right password from elsewhere still gets in, so nobody
    can keep a real user out by failing on purpose. A locked attempt is refused without
    checking the password. The password is checked outside every store lock (argon2id is
    slow on purpose; writers must not queue behind it), and an unknown name is checked
    against a dummy hash, so the time taken does not tell which names exist. The message
    never says which part was wrong.
    """
    name = str(username or "").strip()[:100]
    source = str(source or "local")[:100]
    now = at or utcnow()
    by_name, by_source = store.login_failures(name, source, now - LOCK_WINDOW)
    locked = [times[-limit] + LOCK_WINDOW for times, limit in
              ((by_name, LOCK_FAILURES), (by_source, SOURCE_FAILURES)) if len(times) >= limit]
    if locked:
        until = max(locked)
        store.transact(lambda tx: tx.note_event(
            name, "login_failed", name or "?",
            {"locked_until": until.isoformat(), "source": source}), at=at)
        raise LoginFailed(until)
    digest = store.password_hash(name) if name else None
    ok = _verify(digest, str(password or ""))

    def cmd(tx: Tx) -> Account | None:
        row = tx.get("user", name) if name else None
        # The hash verified must still be the account's: a password changed meanwhile
        # wins.
        if ok and row and row["active"] and tx.password_hash(name) == digest:
            tx.forget_login_failures(name, source)
            tx.note_event(name, "login", name, {"source": source})
            return _account(row)
        tx.note_login_failure(name, source, tx.at - LOCK_WINDOW)
        tx.note_event(name, "login_failed", name or "?", {"source": source})
        return None

    got = store.transact(cmd, at=at)
    if got is None:
        raise LoginFailed()
    return got


_DUMMY: list[str] = []  # a hash of a random password, made once: unknown names check it


# One password check at a time in a process: argon2id takes a core (or four threads)
# for a good part of a second on purpose, so a flood of logins could otherwise take the
# machine from the duty shift's writes. Queued checks wait; locked sources never queue.
_ONE_CHECK = threading.Lock()


def _verify(digest: str | None, password: str) -> bool:
    """argon2id verification; with no hash, the same work against a dummy one."""
    with _ONE_CHECK:
        return _verify_now(digest, password)


def _verify_now(digest: str | None, password: str) -> bool:
    if digest is None:
        if not _DUMMY:
            _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
        digest = _DUMMY[0]
        password = password + "\0never"  # and never a match
        real = False
    else:
        real = True
    try:
        return _HASHER.verify(digest, password) and real
    except (VerificationError, InvalidHashError):
        return False


def _session_hours() -> float:
    return settings.get("session_hours")


def start_session(store: Store, account: Account) -> str:
    """A new session token for *account* (kept by the browser; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=_session_hours())
    store.transact(lambda tx: tx.open_session(token_hash(token), account.username, expires))
    return token


def session_account(store: Store, token: str | None) -> Account | None:
    """The account of an open session token, or None (unknown, expired, ended, disabled)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    digest = token_hash(token)
    username = store.session_user(digest, utcnow())
    if username is None:
        return None
    try:
        row = store.get("user", username)
    except NotFound:
        return None
    return _account(row, session=digest) if row["active"] else None


def still_open(store: Store, account: Account) -> bool:
    """Whether the session *account* came with is still open (one query): what every
    page run and fragment run asks before it reads or writes."""
    if account.via == "sso":
        return True
    if account.via == "wall_token":
        row = store.wall_token_by_hash(account.session or "")
        return row is not None and not row["revoked"]
    return store.session_live(account.session, account.username, utcnow())


def logout(store: Store, account: Account) -> None:
    """End every session of the account (every browser it is logged in on)."""
    def cmd(tx: Tx) -> None:
        tx.end_sessions(account.username)
        tx.note_event(account.username, "logout", account.username)

    store.transact(cmd)


# ---- single sign-on (optional) ------------------------------------------------------------
def sso_account(claims: dict, *, role_claim: str = "antt_role",
                communes_claim: str = "antt_communes") -> Account | None:
    """An identity provider's user (OIDC claims, via Streamlit's ``st.login``) as an
    account: the role from *role_claim*, the communes from *communes_claim* (a list or
    comma-separated codes; missing means all). No role claim, or an unknown one: no
    account, so a provider cannot grant more than the command centre configured."""
    role = claims.get(role_claim)
    who = claims.get("email") or claims.get("preferred_username") or claims.get("sub")
    if role not in ROLES or not who:
        return None
    problems: list[Problem] = []
    username = clean_code(f"sso:{who}", "username", problems)
    display = clean_name(claims.get("name") or who, "display_name", problems)
    if problems or not username:
        return None
    raw = claims.get(communes_claim)
    communes = raw.split(",") if isinstance(raw, str) else list(raw or [ALL])
    return Account(username, display, role, tuple(_communes([c.strip() for c in communes])),
                   via="sso")


def note_sso_login(store: Store, account: Account) -> None:
    """A single sign-on login is an event like any other."""
    store.transact(lambda tx: tx.note_event(account.username, "login", account.username,
                                            {"via": "sso"}))


# ---- wall screens -----------------------------------------------------------------------------
def create_wall_token(store: Store, actor: Actor, label: str, communes: object = ALL
                      ) -> tuple[dict, str]:
    """A read-only token for a wall screen (admin): its row and the token, shown once."""
    who = require(actor, "users.manage")
    problems: list[Problem] = []
    label = clean_name(label, "label", problems, required=True)
    if problems:
        raise Invalid(problems)
    token = secrets.token_urlsafe(24)

    def cmd(tx: Tx) -> dict:
        authorize(tx, actor, "users.manage")
        return tx.create("wall_token", {"id": tx.next_id("wall_token"), "label": label,
                                        "token_hash": token_hash(token),
                                        "communes": json.dumps(_communes(communes)),
                                        "revoked": False}, actor=who, action="create")

    return store.transact(cmd), token


def revoke_wall_token(store: Store, actor: Actor, token_id: int) -> dict:
    who = require(actor, "users.manage")

    def cmd(tx: Tx) -> dict:
        authorize(tx, actor, "users.manage")
        cur = tx.get("wall_token", int(token_id))
        if cur is None:
            raise NotFound("wall_token", token_id)
        return tx.change("wall_token", cur, {"revoked": True}, actor=who, action="revoke")

    return store.transact(cmd)


def wall_tokens(store: Store) -> list[dict]:
    return store.frame("wall_token").drop(columns=["token_hash"]).to_dict("records")


def wall_account(store: Store, token: str | None) -> Account | None:
    """A wall screen's token as a viewer account, or None (unknown or revoked)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = store.wall_token_by_hash(token_hash(token))
    if row is None or row["revoked"]:
        return None
    return Account(f"wall:{row['id']}", row["label"], "viewer",
                   tuple(json.loads(row["communes"])), via="wall_token",
                   session=token_hash(token))
