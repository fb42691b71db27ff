"""The exceptions Salamat raises.

Every error a user can cause is a :class:`SalamatError`; the CLI prints its message and exits
non-zero without a traceback. Subclasses say which side is at fault:

* :class:`InputError`: a file, an argument or a value is not what was expected. Carries the
  list of :class:`Problem` found, each naming the file, row and field.
* :class:`MethodError`: the numbers cannot be computed by the method asked for (for example a
  death rate that makes a probability of dying exceed one), naming the stratum and age.
* :class:`StoreError`: the store cannot be opened or written (busy, wrong schema version).
* :class:`AccessError`: a request for something the caller may not see or change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessError",
    "ConflictError",
    "InputError",
    "MethodError",
    "Problem",
    "SalamatError",
    "StoreBusyError",
    "StoreError",
]


class SalamatError(Exception):
    """Base of every error Salamat raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row of an input file.

    ``row`` is the 1-based data row as a user sees it in a spreadsheet (the header is row 1,
    so the first record is row 2) or ``None`` when the problem concerns the whole file.
    """

    file: str
    row: int | None
    field: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        got = f" (got {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{got}"


class InputError(SalamatError):
    """Bad input: carries every problem found, not just the first."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(message)

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{base}\n{shown}{tail}"


class MethodError(SalamatError):
    """The method cannot produce a valid result from these numbers."""


class StoreError(SalamatError):
    """The store cannot be opened, read or written."""


class StoreBusyError(StoreError):
    """Another process is writing to the store."""


class AccessError(SalamatError):
    """The caller may not do this."""


class ConflictError(SalamatError):
    """The request does not fit the state it acts on (an undone import cannot be approved)."""
