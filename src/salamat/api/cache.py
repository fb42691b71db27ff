"""A bounded memo of computed results, valid while the store file is unchanged.

The server holds the store open read-only, so no one writes to it while it runs; a result
(a series, a life table, the target board) computed once can be served again. Keys include the
store file's modification time and size, so a store replaced between runs is never served stale.

The memo is bounded twice: by the number of results and by their bytes. An encoded body
(``bytes``, ``str``) counts its length; any other result its estimated size
(:func:`size_of`: strings, containers and pandas frames, deep). A single result larger than
the bound is served but not kept.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from salamat.store.stamp import data_version

__all__ = ["DEFAULT_BYTES", "AudienceMemo", "Memo", "size_of"]

T = TypeVar("T")

DEFAULT_BYTES = 256 * 2**20


def size_of(value: Any, _depth: int = 0) -> int:
    """Estimated bytes held by a result: exact for ``bytes`` and ``str`` bodies, deep for
    dicts, lists, tuples and pandas frames (their ``memory_usage(deep=True)``), shallow
    (``sys.getsizeof``) for anything else."""
    if isinstance(value, bytes | bytearray | str):
        return len(value)
    if _depth > 8:
        return sys.getsizeof(value)
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage):  # a pandas DataFrame or Series
        try:
            used = memory_usage(deep=True)
            return int(used.sum() if hasattr(used, "sum") else used)
        except TypeError:
            return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(
            size_of(k, _depth + 1) + size_of(v, _depth + 1) for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(size_of(v, _depth + 1) for v in value)
    return sys.getsizeof(value)


class Memo:
    """Least-recently-used results: at most ``size`` of them (``size=0`` disables it) and at
    most ``max_bytes`` together (module notes)."""

    def __init__(self, path: str, size: int = 4096, max_bytes: int = DEFAULT_BYTES) -> None:
        self.path = path
        self.size = size
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def _version(self) -> tuple[int, int, int]:
        # the store file's time and size, and the imports this server committed to it
        return data_version(self.path) or (0, 0, 0)

    def holds(self, key: Hashable) -> bool:
        """Whether :meth:`get` would answer ``key`` from the memo (as the store is now)."""
        if self.size <= 0 or self.max_bytes <= 0:
            return False
        with self._lock:
            return (key, self._version()) in self._items

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        if self.size <= 0 or self.max_bytes <= 0:
            return build()
        full = (key, self._version())
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                return self._items[full][0]  # type: ignore[no-any-return]
        value = build()  # outside the lock: two threads may build the same value once each
        nbytes = size_of(value)
        with self._lock:
            self.misses += 1
            if nbytes > self.max_bytes:
                return value  # served, not kept: it alone would exceed the bound
            old = self._items.pop(full, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[full] = (value, nbytes)
            self.bytes += nbytes
            while len(self._items) > self.size or self.bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
        return value


class AudienceMemo:
    """A view of a :class:`Memo` for one audience (``all`` or ``approved``: what the request
    may read, :func:`salamat.api.deps.audience_of`): the same request from a viewer and an
    editor are two results when the store holds drafts."""

    def __init__(self, memo: Memo, audience: str) -> None:
        self.memo = memo
        self.audience = audience

    def holds(self, key: Hashable) -> bool:
        return self.memo.holds((self.audience, key))

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        return self.memo.get((self.audience, key), build)
