"""Users, API tokens and web sessions in the store (the SQL of :mod:`salamat.services.accounts`).

Nothing here sees a secret: passwords arrive as argon2id hashes and tokens and session
cookies as their SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from salamat.store.connection import Store

__all__ = [
    "Account",
    "TokenRow",
    "account",
    "account_by_session",
    "accounts",
    "add_account",
    "add_session",
    "add_token",
    "admin_count",
    "delete_session",
    "disable_account",
    "known_orgunits",
    "password_hash",
    "revoke_token",
    "token_row",
    "tokens",
    "user_count",
]


@dataclass(frozen=True)
class Account:
    """A user as the server sees it: ``orgunits`` is the scope (empty: the whole tree)."""

    name: str
    role: str
    orgunits: tuple[str, ...]
    disabled: bool


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    name: str
    sha256: str
    created: datetime
    revoked_at: datetime | None


def user_count(store: Store) -> int:
    """How many users exist (disabled ones too): none means local mode."""
    row = store.con.execute("SELECT count(*) FROM app_user").fetchone()
    return int(row[0]) if row else 0


def admin_count(store: Store) -> int:
    """Admins who are not disabled."""
    row = store.con.execute(
        "SELECT count(*) FROM app_user WHERE role = 'admin' AND disabled_at IS NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def add_account(
    store: Store, name: str, role: str, password_hash: str, orgunits: list[str], now: datetime
) -> None:
    store.con.execute(
        "INSERT INTO app_user (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
        [name, role, password_hash, now],
    )
    for code in orgunits:
        store.con.execute("INSERT INTO app_user_orgunit VALUES (?, ?)", [name, code])


def known_orgunits(store: Store, codes: list[str]) -> set[str]:
    """The codes of ``codes`` that are org units in the store."""
    rows = store.con.execute(
        "SELECT code FROM orgunit WHERE list_contains(?, code)", [codes]
    ).fetchall()
    return {str(r[0]) for r in rows}


def disable_account(store: Store, name: str, now: datetime) -> None:
    """Disable ``name`` and end its sessions (its tokens are refused with it)."""
    store.con.execute(
        "UPDATE app_user SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", [now, name]
    )
    store.con.execute("DELETE FROM web_session WHERE name = ?", [name])


def _accounts(store: Store, where: str, params: list[object]) -> list[Account]:
    rows = store.con.execute(
        f"""SELECT u.name, u.role, list(o.orgunit ORDER BY o.orgunit) FILTER (o.orgunit IS NOT NULL),
            u.disabled_at IS NOT NULL
        FROM app_user u LEFT JOIN app_user_orgunit o USING (name)
        WHERE {where} GROUP BY u.name, u.role, u.disabled_at ORDER BY u.name""",
        params,
    ).fetchall()
    return [Account(str(n), str(r), tuple(o or ()), bool(d)) for n, r, o, d in rows]


def accounts(store: Store) -> list[Account]:
    return _accounts(store, "true", [])


def account(store: Store, name: str) -> Account | None:
    found = _accounts(store, "u.name = ?", [name])
    return found[0] if found else None


def password_hash(store: Store, name: str) -> str | None:
    """The argon2id hash of an enabled user's password (``None``: no such enabled user)."""
    row = store.con.execute(
        "SELECT password_hash FROM app_user WHERE name = ? AND disabled_at IS NULL", [name]
    ).fetchone()
    return str(row[0]) if row else None


def add_token(store: Store, token_id: str, name: str, sha256: str, now: datetime) -> None:
    store.con.execute(
        "INSERT INTO api_token (token_id, name, sha256, created) VALUES (?, ?, ?, ?)",
        [token_id, name, sha256, now],
    )


def tokens(store: Store, prefix: str = "") -> list[TokenRow]:
    """Tokens whose id starts with ``prefix``, newest first."""
    rows = store.con.execute(
        "SELECT token_id, name, sha256, created, revoked_at FROM api_token "
        "WHERE starts_with(token_id, ?) ORDER BY created DESC, token_id",
        [prefix],
    ).fetchall()
    return [TokenRow(*r) for r in rows]


def token_row(store: Store, token_id: str) -> tuple[TokenRow, Account] | None:
    """An unrevoked token of an enabled user, with the user."""
    rows = store.con.execute(
        """SELECT t.token_id, t.name, t.sha256, t.created, t.revoked_at FROM api_token t
        JOIN app_user u USING (name)
        WHERE t.token_id = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL""",
        [token_id],
    ).fetchall()
    if not rows:
        return None
    tok = TokenRow(*rows[0])
    user = account(store, tok.name)
    return (tok, user) if user is not None else None


def revoke_token(store: Store, token_id: str, now: datetime) -> None:
    store.con.execute(
        "UPDATE api_token SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
        [now, token_id],
    )


def add_session(
    store: Store, sha256: str, name: str, csrf: str, now: datetime, expires: datetime
) -> None:
    store.con.execute(
        "INSERT INTO web_session VALUES (?, ?, ?, ?, ?)", [sha256, name, csrf, now, expires]
    )


def account_by_session(store: Store, sha256: str, now: datetime) -> tuple[Account, str] | None:
    """The enabled user of an unexpired session, and the session's CSRF token."""
    row = store.con.execute(
        """SELECT s.name, s.csrf FROM web_session s JOIN app_user u USING (name)
        WHERE s.sha256 = ? AND s.expires > ? AND u.disabled_at IS NULL""",
        [sha256, now],
    ).fetchone()
    if row is None:
        return None
    user = account(store, str(row[0]))
    return (user, str(row[1])) if user is not None else None


def delete_session(store: Store, sha256: str) -> None:
    store.con.execute("DELETE FROM web_session WHERE sha256 = ?", [sha256])
