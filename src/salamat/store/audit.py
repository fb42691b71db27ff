"""The audit log: who wrote what to the store, when and from where, hash-chained.

Each row stores ``hash = SHA-256(prev_hash || canonical JSON of the row)``, where ``prev_hash``
is the previous row's hash (64 zeros for the first row) and the canonical JSON is the row's
fields but ``hash`` (``seq``, ``at_utc`` in ISO 8601 UTC, ``actor``, ``origin``, ``action``,
``object``, ``sha256``, ``counts``, ``details``, ``prev_hash``), keys sorted, no spaces, UTF-8.
Changing, removing or inserting a row breaks the chain at that row, which
:func:`verify_chain` names. The table is append-only by code path: this module only inserts
into it and no statement anywhere updates or deletes its rows (a test greps ``store/``).

Who acts is set by the face that writes (:func:`acting_as`): the server's signed-in user and
the client's address, else the operating-system user and ``"cli"``.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from salamat.store.connection import Store

__all__ = [
    "APPEND_LOCK",
    "GENESIS",
    "ChainReport",
    "acting_as",
    "actor",
    "append",
    "audit_rows",
    "failures_since",
    "iso",
    "row_hash",
    "verify_chain",
]

GENESIS = "0" * 64
_COLUMNS = ("seq", "at_utc", "actor", "origin", "action", "object", "sha256", "counts", "details")
# one writer per process appends at a time (the store's lock keeps other processes out), so
# two rows never claim the same predecessor. Re-entrant: a transaction that appends a row holds
# it from its row until its commit (Store.hold_until_end, for every transaction; imports also
# take APPEND_LOCK in ingest.pipeline.write_once), so that no other
# thread of the server (a sign-in) appends a row with the same number meanwhile, which would
# make the later commit fail
_APPEND = threading.RLock()
APPEND_LOCK = _APPEND


def _os_user() -> str:
    try:
        return getpass.getuser() or "local"
    except (OSError, KeyError):
        return "local"


_ACTOR: ContextVar[tuple[str, str] | None] = ContextVar("salamat_audit_actor", default=None)


def actor() -> tuple[str, str]:
    """Who is acting now and from where: ``(user, origin)``; the OS user and ``"cli"`` unless
    a face said otherwise with :func:`acting_as`."""
    return _ACTOR.get() or (_os_user(), "cli")


@contextmanager
def acting_as(user: str, origin: str) -> Iterator[None]:
    """Record the writes made inside the block as ``user`` from ``origin`` (an IP address)."""
    token = _ACTOR.set((user, origin))
    try:
        yield
    finally:
        _ACTOR.reset(token)


def iso(at: datetime | pd.Timestamp) -> str:
    """A UTC time as the chain writes it: ``2026-12-01T05:00:00.123456Z``."""
    if isinstance(at, pd.Timestamp):
        at = at.to_pydatetime()
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 of ``prev_hash`` followed by the row's canonical JSON (module docstring)."""
    body: dict[str, Any] = {k: row.get(k) for k in _COLUMNS}
    body["at_utc"] = iso(row["at_utc"])
    body["seq"] = int(row["seq"])
    body["prev_hash"] = prev_hash
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def append(
    store: Store,
    action: str,
    object: str | None = None,
    *,
    sha256: str | None = None,
    counts: Mapping[str, int | None] | None = None,
    details: Mapping[str, Any] | None = None,
    who: tuple[str, str] | None = None,
) -> int:
    """Append one row (in the caller's transaction, if any) and return its sequence number.

    ``who`` overrides :func:`actor` (a failed login is recorded under the name tried).
    """
    user, origin = who or actor()
    with _APPEND:
        last = store.con.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchall()
        seq, prev = (int(last[0][0]) + 1, str(last[0][1])) if last else (1, GENESIS)
        row: dict[str, Any] = {
            "seq": seq,
            "at_utc": datetime.now(UTC).replace(tzinfo=None),
            "actor": user,
            "origin": origin,
            "action": action,
            "object": object,
            "sha256": sha256,
            "counts": (
                json.dumps(dict(counts), sort_keys=True, separators=(",", ":"))
                if counts is not None
                else None
            ),
            "details": (
                json.dumps(dict(details), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                if details is not None
                else None
            ),
        }
        digest = row_hash(row, prev)
        store.con.execute(
            "INSERT INTO audit_log (seq, at_utc, actor, origin, action, object, sha256, counts, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*(row[c] for c in _COLUMNS), prev, digest],
        )
        # in a transaction (an approval, an undo, a token revoked...): no other thread appends
        # until this row is committed (module notes above _APPEND)
        store.hold_until_end(_APPEND)
    return seq


def audit_rows(
    store: Store,
    *,
    since: datetime | None = None,
    user: str | None = None,
    action: str | None = None,
) -> pd.DataFrame:
    """The audit rows, oldest first, filtered by time (UTC), actor and action."""
    where: list[str] = ["true"]
    params: list[object] = []
    if since is not None:
        where.append("at_utc >= ?")
        params.append(since)
    if user is not None:
        where.append("actor = ?")
        params.append(user)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    sql = (
        "SELECT seq, at_utc, actor, origin, action, object, sha256, counts, details, prev_hash, "
        f"hash FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq"
    )
    return store.con.execute(sql, params).df()


def failures_since(store: Store, name: str, since: datetime) -> int:
    """Failed sign-ins under ``name`` since ``since`` (UTC): what the lockout counts."""
    row = store.con.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND object = ? AND at_utc >= ?",
        [name, since],
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``broken`` is the first row whose hash does not follow
    (``None``: the chain is intact) and ``reason`` says how."""

    rows: int
    broken: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(store: Store) -> ChainReport:
    """Recompute every row's hash from the first row on (the chain is sequential by design:
    each hash needs the one before)."""
    cur = store.con.execute(
        "SELECT seq, at_utc, actor, origin, action, object, sha256, counts, details, prev_hash, "
        "hash FROM audit_log ORDER BY seq"
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            return ChainReport(
                len(rows), expected_seq, f"row {expected_seq} is missing (next row is {seq})"
            )
        if row["prev_hash"] != prev:
            return ChainReport(len(rows), seq, "its prev_hash is not the previous row's hash")
        if row_hash(row, prev) != row["hash"]:
            return ChainReport(len(rows), seq, "its contents do not match its hash")
        prev = str(row["hash"])
        expected_seq += 1
    return ChainReport(len(rows), None, None)
