"""A bounded memo of computed results, valid while the store file is unchanged.

The server holds the store open read-only, so no one writes to it while it runs; a result
(a series, a life table, the target board) computed once can be served again. Keys include the
store file's modification time and size, so a store replaced between runs is never served stale.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


class Memo:
    """Least-recently-used results, at most ``size`` of them (``size=0`` disables it)."""

    def __init__(self, path: str, size: int = 4096) -> None:
        self.path = path
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _version(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except OSError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        if self.size <= 0:
            return build()
        full = (key, self._version())
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                return self._items[full]  # type: ignore[no-any-return]
        value = build()  # outside the lock: two threads may build the same value once each
        with self._lock:
            self.misses += 1
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
