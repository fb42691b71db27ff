"""Accounts: users with a role and an org-unit scope, API tokens, sign-in with lockout.

Secrets are never stored. A password is kept as its argon2id hash (RFC 9106; argon2-cffi's
default parameters); an API token is 32 random bytes (``secrets.token_urlsafe(32)``) after a
public id, ``slm_<id>_<secret>``, kept as the SHA-256 of the whole token and compared in
constant time (:func:`hmac.compare_digest`); a web session is a random cookie kept the same way,
with its own CSRF token. Every change and every sign-in, good or bad, is an audit row
(:mod:`salamat.store.audit`).

Lockout (OWASP Authentication Cheat Sheet, "Account lockout"): after ``failures`` failed
sign-ins under one name within ``minutes``, that name is refused for the rest of the window,
whether or not such a user exists, with the same words either way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from salamat.errors import AccessError, InputError, Problem
from salamat.store import accounts as db
from salamat.store import audit
from salamat.store.accounts import Account
from salamat.store.connection import Store

if TYPE_CHECKING:  # imported when first needed: `salamat --help` stays fast
    from argon2 import PasswordHasher

__all__ = [
    "ROLES",
    "SESSION_HOURS",
    "Lockout",
    "Session",
    "add_user",
    "check_password",
    "create_token",
    "disable_user",
    "end_session",
    "is_loopback",
    "local_mode",
    "login",
    "revoke_token",
    "serve_refusal",
    "session_user",
    "sha256_hex",
    "token_user",
]

Role = Literal["admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "editor", "viewer")
SESSION_HOURS = 12
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_TOKEN_PREFIX = 6  # hex digits of a token id that `tokens revoke` needs at least
TOKEN = re.compile(r"^slm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# the words for every refused sign-in: they do not say whether the user exists
REFUSED = "wrong user name or password, or the account is locked or disabled"


@dataclass(frozen=True)
class Lockout:
    """``failures`` failed sign-ins under one name within ``minutes`` lock it for that window."""

    failures: int = 5
    minutes: int = 15


@dataclass(frozen=True)
class Session:
    """A new web session: the cookie value (given once) and its CSRF token."""

    cookie: str
    csrf: str
    user: Account
    expires: datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory parameters


def local_mode(store: Store) -> bool:
    """No user defined: the server runs as today, without accounts."""
    return db.user_count(store) == 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` keeps the server to this computer (``localhost``, 127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_refusal(store: Store, host: str, path: str) -> str | None:
    """Why ``salamat serve --host host`` must not start, or ``None``: on an address other
    computers can reach, the store needs an enabled admin (then every request signs in)."""
    if is_loopback(host) or db.admin_count(store) > 0:
        return None
    return (
        f"refusing to listen on {host} with no admin account: anyone who can reach it could "
        "read the store. Create an admin first:\n"
        f"  salamat users add NAME --role admin --password-stdin --db {path}\n"
        "or serve on 127.0.0.1 (this computer only)"
    )


def add_user(
    store: Store, name: str, role: str, password: str, orgunits: list[str] | None = None
) -> Account:
    """Create a user (one transaction, audited).

    Raises
    ------
    InputError
        The name is not 1-64 letters, digits or ``. _ @ -``; the role is not one of
        :data:`ROLES`; the password is shorter than 12 characters; an org unit is unknown;
        the user exists.
    """
    problems: list[Problem] = []
    if not NAME.match(name):
        problems.append(
            Problem(
                "users add",
                None,
                "NAME",
                "expected 1-64 letters, digits or . _ @ - (starting with a letter or digit)",
                name,
            )
        )
    if role not in ROLES:
        problems.append(
            Problem("users add", None, "--role", "expected admin, editor or viewer", role)
        )
    if len(password) < 12:
        problems.append(
            Problem("users add", None, "password", "expected at least 12 characters", None)
        )
    codes = list(dict.fromkeys(orgunits or []))
    if codes:
        known = db.known_orgunits(store, codes)
        problems.extend(
            Problem(
                "users add", None, "--orgunit", "unknown org unit: expected a code such as KZ-75", c
            )
            for c in codes
            if c not in known
        )
    if not problems and db.account(store, name) is not None:
        problems.append(Problem("users add", None, "NAME", "this user already exists", name))
    if problems:
        raise InputError("cannot add the user", problems)
    hashed = _hasher().hash(password)
    with store.transaction():
        db.add_account(store, name, role, hashed, codes, _now())
        audit.append(store, "user_added", name, details={"role": role, "orgunits": codes})
    user = db.account(store, name)
    assert user is not None
    return user


def disable_user(store: Store, name: str) -> None:
    """Disable a user at once: sessions end, tokens are refused (audited)."""
    user = db.account(store, name)
    if user is None:
        raise InputError(
            "no such user", [Problem("users disable", None, "NAME", "no such user", name)]
        )
    with store.transaction():
        db.disable_account(store, name, _now())
        audit.append(store, "user_disabled", name)


def create_token(store: Store, name: str) -> tuple[str, str]:
    """A new API token for ``name``: ``(token_id, token)``; the token is shown once."""
    user = db.account(store, name)
    if user is None or user.disabled:
        raise InputError(
            "no such enabled user",
            [Problem("tokens create", None, "NAME", "no such enabled user", name)],
        )
    token_id = secrets.token_hex(6)
    token = f"slm_{token_id}_{secrets.token_urlsafe(32)}"
    with store.transaction():
        db.add_token(store, token_id, name, sha256_hex(token), _now())
        audit.append(store, "token_created", f"{name}:{token_id}")
    return token_id, token


def revoke_token(store: Store, ref: str, *, whole_id: bool = False) -> str:
    """Revoke the token whose id is ``ref`` or starts with it (``slm_`` and anything after the
    id may be included: a pasted token or its printed prefix). Returns the token id.

    A prefix must hold at least :data:`MIN_TOKEN_PREFIX` hex digits of the id, so that a
    short or empty reference never revokes whichever token happens to start with it; with
    ``whole_id`` (the API) only the whole 12-digit id is accepted.

    Raises
    ------
    InputError
        ``ref`` is not (a long enough prefix of) a token id, or no token, or several, match.
    """
    stem = ref.strip().removeprefix("slm_").split("_", 1)[0]
    wanted = 12 if whole_id else MIN_TOKEN_PREFIX
    if not re.fullmatch(rf"[0-9a-f]{{{wanted},12}}", stem):
        what = (
            "expected the token id: the 12 hex digits after slm_"
            if whole_id
            else f"expected the token id, or at least its first {MIN_TOKEN_PREFIX} hex digits"
        )
        raise InputError(what, [Problem("tokens revoke", None, "TOKEN", what, ref[:16])])
    found = db.tokens(store, stem)
    if len(found) != 1:
        what = "no token has this id" if not found else "several tokens start with this"
        raise InputError(what, [Problem("tokens revoke", None, "TOKEN", what, ref[:16])])
    tok = found[0]
    with store.transaction():
        db.revoke_token(store, tok.token_id, _now())
        audit.append(store, "token_revoked", f"{tok.name}:{tok.token_id}")
    return tok.token_id


def token_user(store: Store, token: str) -> Account | None:
    """The user of a valid API token (unrevoked, user enabled), else ``None``."""
    m = TOKEN.match(token)
    if m is None:
        return None
    found = db.token_row(store, m[1])
    if found is None:
        return None
    tok, user = found
    return user if hmac.compare_digest(tok.sha256, sha256_hex(token)) else None


def session_user(store: Store, cookie: str) -> tuple[Account, str] | None:
    """The user of a live session and its CSRF token, else ``None``."""
    if not cookie or len(cookie) > 128:
        return None
    return db.account_by_session(store, sha256_hex(cookie), _now())


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the argon2id hash ``stored``. With no hash (no such
    user), a dummy hash is checked anyway, so the answer takes as long either way."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    try:
        return bool(hasher.verify(stored or _dummy_hash(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def login(store: Store, name: str, password: str, origin: str, lockout: Lockout) -> Session:
    """Sign in: a new session, or :class:`AccessError` with the same words for every refusal
    (wrong name, wrong password, disabled, locked). Success and failure are audited."""
    name = name.strip()[:64]
    now = _now()
    locked = (
        audit.failures_since(store, name, now - timedelta(minutes=lockout.minutes))
        >= lockout.failures
    )
    stored = db.password_hash(store, name)
    good = check_password(stored, password) and not locked
    with store.transaction():
        if not good:
            # a refusal while locked is recorded apart: it does not prolong the lock
            action = "login_locked" if locked else "login_failed"
            audit.append(store, action, name, who=(name or "-", origin))
    if not good:
        raise AccessError(REFUSED)
    user = db.account(store, name)
    assert user is not None
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    with store.transaction():
        db.add_session(store, sha256_hex(cookie), name, csrf, now, expires)
        audit.append(store, "login", name, who=(name, origin))
    return Session(cookie, csrf, user, expires)


def end_session(store: Store, cookie: str, user: str, origin: str) -> None:
    """Sign out: the session is deleted (audited)."""
    with store.transaction():
        db.delete_session(store, sha256_hex(cookie))
        audit.append(store, "logout", user, who=(user, origin))
