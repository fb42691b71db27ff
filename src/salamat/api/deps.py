"""The store behind the API and the pages: one connection, a cursor per request.

DuckDB connections are not to be shared between threads; a cursor is a new connection to the
same open database, cheap to make, so each request (each worker thread) gets its own. The
database stays open for the server's lifetime, for writing unless the server was started
read-only: the server is then the store's one writer (its imports run on
:meth:`StoreProvider.writer`, one at a time: :mod:`salamat.api.jobs`), and another process
(``salamat import``) is told the store is busy, and to send the import to the server.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request

from salamat.store.approval import Audience, set_audience
from salamat.store.connection import Store

__all__ = ["StoreProvider", "audience_of", "get_store"]


class StoreProvider:
    """Opens the store once (read-only unless ``read_only=False``: a server with accounts
    writes sessions and audit rows); hands out per-request cursors."""

    def __init__(self, path: str | Path, *, read_only: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        self._base: Store | None = Store.connect(self.path, read_only=read_only)

    def cursor(self) -> Store:
        with self._lock:
            if self._base is None:
                self._base = Store.connect(self.path, read_only=self.read_only)
            con = self._base.con.cursor()
        # labelled read-only either way: requests write accounts and audit rows only, never
        # data; the imports that do write data say so when they commit
        # (services.web.common.data_changed), and the caches of the data follow
        return Store(con, str(self.path), True)

    def writer(self) -> Store:
        """A cursor for an import (labelled writable: the services cache nothing from it).

        Raises
        ------
        StoreError
            The server holds the store read-only.
        """
        if self.read_only:
            from salamat.errors import StoreError

            raise StoreError(
                "this server holds the store read-only (salamat serve --read-only): "
                "it takes no imports; stop it and import with `salamat import`, or start it "
                "without --read-only"
            )
        with self._lock:
            if self._base is None:
                self._base = Store.connect(self.path, read_only=False)
            con = self._base.con.cursor()
        return Store(con, str(self.path), False)

    def close(self) -> None:
        with self._lock:
            if self._base is not None:
                self._base.close()
                self._base = None


def audience_of(request: Request) -> Audience:
    """What the request may read (:mod:`salamat.store.approval`): viewers and anonymous
    readers of a server with accounts read approved values only; editors and admins, and
    everyone in local mode (no accounts, hence no drafts), read every value, drafts marked."""
    user = getattr(request.state, "user", None)
    if user is None:
        return "approved" if getattr(request.app.state, "accounts", False) else "all"
    return "all" if user.role in ("admin", "editor") else "approved"


async def get_store(request: Request) -> AsyncIterator[Store]:
    """FastAPI dependency: a read-only store for one request (override it in tests), reading
    what the request's audience may read (:func:`audience_of`).

    Async, so FastAPI opens and closes it on the event loop (a cursor costs microseconds)
    instead of two trips through its thread pool; the route itself still runs in a thread.
    """
    provider: StoreProvider = request.app.state.stores
    store = provider.cursor()
    try:
        if audience_of(request) == "approved":
            set_audience(store, "approved")
        yield store
    finally:
        store.close()
