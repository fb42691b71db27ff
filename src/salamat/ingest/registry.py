"""Import kinds: each maps a file to the canonical observation frame, or runs its own pipeline.

A new exchange format only adds a parser here: ``register_parser("dhis2", parse_dhis2)``.
Validation, the single transaction, idempotency, the summary and ``--dry-run`` are shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from salamat.errors import Problem
from salamat.store.reference import Catalog

__all__ = ["ParseContext", "Parsed", "Parser", "get_parser", "parser_kinds", "register_parser"]


@dataclass
class ParseContext:
    """What a parser may need: the reference catalogue and user options: a code mapping, and
    metadata files that describe the data files (DHIS2 metadata, SDMX structure messages)."""

    catalog: Catalog
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata: list[Path] = field(default_factory=list)


@dataclass
class Parsed:
    """A parser's output: canonical string columns plus ``_file`` and ``_row``, and problems
    found while parsing (those that prevent a row from being put in canonical form)."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    default_source: str | None = None
    notes: list[str] = field(default_factory=list)


Parser = Callable[[Path, ParseContext], Parsed]

_PARSERS: dict[str, tuple[Parser, str]] = {}


def register_parser(kind: str, parser: Parser, description: str) -> None:
    _PARSERS[kind] = (parser, description)


def get_parser(kind: str) -> Parser | None:
    entry = _PARSERS.get(kind)
    return entry[0] if entry else None


def parser_kinds() -> dict[str, str]:
    return {k: d for k, (_, d) in sorted(_PARSERS.items())}
