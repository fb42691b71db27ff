"""The version of a store's data that caches are keyed on (no DuckDB needed to ask).

The server's caches of the data (reference data in :mod:`salamat.services.web.common`, the
series slabs, the API's memo of answers) are keyed on the store file's modification time and
size, which change when another process writes, and on the writes this process committed
(:func:`data_changed`): DuckDB commits to its write-ahead log first, so the file's time and
size need not change when the data do.
"""

from __future__ import annotations

import os
import threading

__all__ = ["data_changed", "data_version"]

_GENERATION: dict[str, int] = {}
_LOCK = threading.Lock()


def data_version(path: str) -> tuple[int, int, int] | None:
    """``(mtime_ns, size, writes)`` of the store at ``path``; None when there is no file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, _GENERATION.get(path, 0))


def data_changed(path: str) -> None:
    """Say that this process committed data to the store at ``path`` (an import on the
    server): every answer cached from it is stale from now on."""
    with _LOCK:
        _GENERATION[path] = _GENERATION.get(path, 0) + 1
