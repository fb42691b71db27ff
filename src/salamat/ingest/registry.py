"""Import kinds, registered in one table: each maps a file to the canonical observation frame
(a *parser*), or runs its own pipeline (a *runner*: unit records, population, org units).

A new exchange format only adds a parser here: ``register_parser("dhis2", parse_dhis2, ...)``.
Validation, the single transaction, idempotency, the summary and ``--dry-run`` are shared.
Every module that registers a kind is listed in :mod:`salamat.ingest.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from salamat.errors import Problem
from salamat.store.reference import Catalog

if TYPE_CHECKING:
    from salamat.ingest.summary import ImportSummary
    from salamat.store.connection import Store

__all__ = [
    "ImportOptions",
    "NewArea",
    "NewIndicator",
    "ParseContext",
    "Parsed",
    "Parser",
    "Runner",
    "WriteScope",
    "get_parser",
    "get_runner",
    "kinds",
    "parser_kinds",
    "register_parser",
    "register_runner",
]


@dataclass
class ParseContext:
    """What a parser may need: the reference catalogue and user options: a code mapping,
    metadata files that describe the data files (DHIS2 metadata, SDMX structure messages), the
    area of rows that name none (``--area``, already checked to be a known org unit, else None:
    such rows are rejected, never given a default country), and the parent under which units
    the file names but Salamat lacks may be created (``--new-areas``)."""

    catalog: Catalog
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata: list[Path] = field(default_factory=list)
    area: str | None = None
    new_areas: str | None = None
    new_indicators: bool = False


@dataclass(frozen=True)
class NewArea:
    """A unit the file names (with its own id) that Salamat lacks, proposed by a parser when
    ``--new-areas PARENT`` is given. Its rows carry ``source_id`` as their area; the pipeline
    creates the unit under PARENT (code from :func:`salamat.store.orgunits.new_area_code`) with
    ``source_id`` (and ``name``) as aliases, in the import's transaction."""

    source_id: str
    name: str
    kind: str = "region"


@dataclass(frozen=True)
class NewIndicator:
    """An indicator a parser derived from the file under ``--new-indicators``: its code (stable
    for the same source series), name, unit and the source series it stands for, taken from the
    file's own metadata (SDMX codelists, DHIS2 ``metaData.items``)."""

    code: str
    name: str
    unit: str
    source_code: str
    source: str


@dataclass
class Parsed:
    """A parser's output: canonical string columns plus ``_file`` and ``_row``, and problems
    found while parsing (those that prevent a row from being put in canonical form), the units
    to create under ``--new-areas`` and the indicators to register under ``--new-indicators``
    (both empty unless the option is given)."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    default_source: str | None = None
    notes: list[str] = field(default_factory=list)
    new_areas: list[NewArea] = field(default_factory=list)
    new_indicators: list[NewIndicator] = field(default_factory=list)
    # the observations the parser refused, when a problem's row (a line of the file) holds
    # several of them (a Eurostat TSV line is a series): counted in the summary in place of the
    # problems' distinct rows, so that it counts one unit, observations
    rejected_observations: int | None = None


@dataclass(frozen=True)
class WriteScope:
    """The org units a scoped editor may write to (issue 13, item 3): ``units`` from
    :func:`salamat.store.scope.scope_units` (their units, everything below, and the ended units
    wholly inside them), ``label`` how the problem names them (``KZ-75 and below``). A row for
    a known unit outside ``units`` is rejected with the reason, like any other invalid row."""

    units: frozenset[str]
    label: str

    def message(self, code: str) -> str:
        return f"area {code} is outside your scope ({self.label})"


@dataclass(frozen=True)
class ImportOptions:
    """What the user asked of one import (the ``salamat import`` options)."""

    dry_run: bool = False
    source: str | None = None
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    new_indicators: bool = False
    progress: Callable[[str], None] | None = None
    metadata: list[Path] = field(default_factory=list)
    area: str | None = None  # --area: the area of rows that name none (never a default)
    skip_invalid: bool = False  # --skip-invalid: import the valid rows, list the others
    new_areas: str | None = None  # --new-areas PARENT: create units the file names under PARENT
    scope: WriteScope | None = None  # a scoped editor's units (the server's imports); None: all
    aggregates_only: bool = False  # deaths --aggregates-only: store the counts, not the records


Parser = Callable[[Path, ParseContext], Parsed]
Runner = Callable[["Store", list[Path], ImportOptions], "ImportSummary"]

_PARSERS: dict[str, tuple[Parser, str]] = {}
_RUNNERS: dict[str, tuple[Runner, str]] = {}


def register_parser(kind: str, parser: Parser, description: str) -> None:
    _PARSERS[kind] = (parser, description)


def get_parser(kind: str) -> Parser | None:
    entry = _PARSERS.get(kind)
    return entry[0] if entry else None


def parser_kinds() -> dict[str, str]:
    return {k: d for k, (_, d) in sorted(_PARSERS.items())}


def register_runner(kind: str, runner: Runner, description: str) -> None:
    """A kind with its own pipeline (validation, transaction and summary of its own)."""
    _RUNNERS[kind] = (runner, description)


def get_runner(kind: str) -> Runner | None:
    entry = _RUNNERS.get(kind)
    return entry[0] if entry else None


def kinds() -> dict[str, str]:
    """Every import kind with its one-line description, parsers and runners together."""
    out = {k: d for k, (_, d) in _PARSERS.items()}
    out.update({k: d for k, (_, d) in _RUNNERS.items()})
    return dict(sorted(out.items()))
