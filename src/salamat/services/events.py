"""Policy events: dated laws, programmes and measures, shown on the charts beside the numbers.

The bundled events (``data/policy_events.csv``: Kazakhstan's health programmes, the Healthy
Nation project, the vape ban, each with its source) and the ones users add with ``salamat
events add FILE`` (a CSV of the same columns; all rows or none, logged as an import of kind
``events`` and undoable). An event belongs to an org unit: the events of a country are shown
on the charts of the country and of its regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from salamat.errors import InputError, Problem
from salamat.services.event_effect import event_effect
from salamat.services.targets import CatalogueImport, _log_catalogue_import, _read_csv
from salamat.store.connection import Store
from salamat.store.events import (
    EVENT_COLUMNS,
    bundled_event_rows,
    stored_event_rows,
    upsert_events,
)
from salamat.store.imports import next_import_id
from salamat.store.reference import load_catalog

__all__ = [
    "EVENT_COLUMNS",
    "PolicyEvent",
    "event_effect",
    "event_marks",
    "events",
    "events_for",
    "import_events",
    "in_language",
]

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_LANGS = ("en", "kk", "ru")


@dataclass(frozen=True)
class PolicyEvent:
    """One dated event, its title and description in each language, and its source."""

    code: str
    date: date
    area: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    source_url: str | None
    source: str | None
    origin: str

    @property
    def at(self) -> float:
        """The event's place on a year axis: its year plus the fraction of the year gone
        (1 July 2021 is about 2021.5)."""
        start = date(self.date.year, 1, 1)
        length = (date(self.date.year + 1, 1, 1) - start).days
        return self.date.year + (self.date - start).days / length

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The API's and ``--format json``'s shape; with ``lang``, ``title`` and
        ``description`` in that language (English where a translation is missing)."""
        out: dict[str, Any] = {
            "code": self.code,
            "date": self.date.isoformat(),
            "year": self.date.year,
            "area": self.area,
            "titles": self.titles,
            "descriptions": self.descriptions,
            "source_url": self.source_url,
            "source": self.source,
            "origin": self.origin,
        }
        if lang is not None:
            out["title"] = self.title(lang)
            out["description"] = self.description(lang)
        return out


def _event(row: dict[str, Any]) -> PolicyEvent:
    return PolicyEvent(
        code=str(row["code"]),
        date=date.fromisoformat(str(row["date"])[:10]),
        area=str(row["area"]),
        titles={lang: str(row[f"title_{lang}"]) for lang in _LANGS if row.get(f"title_{lang}")},
        descriptions={
            lang: str(row[f"description_{lang}"])
            for lang in _LANGS
            if row.get(f"description_{lang}")
        },
        source_url=row.get("source_url") or None,
        source=row.get("source") or None,
        origin=str(row.get("origin") or "user"),
    )


def events(store: Store) -> list[PolicyEvent]:
    """Every event, by date: the bundled ones and those users added (a user's event with a
    bundled code replaces it)."""
    rows = {r["code"]: r for r in bundled_event_rows()}
    rows.update({r["code"]: r for r in stored_event_rows(store)})
    return sorted((_event(r) for r in rows.values()), key=lambda e: (e.date, e.code))


def events_for(store: Store, area: str) -> list[PolicyEvent]:
    """The events of ``area`` and of the units above it (a country's law holds in its regions)."""
    catalog = load_catalog(store)
    code = catalog.resolve(area) or area
    above = {code}
    node = catalog.orgunits.get(code)
    while node is not None and node.parent and node.parent not in above:
        above.add(node.parent)
        node = catalog.orgunits.get(node.parent)
    return [e for e in events(store) if e.area in above]


def event_marks(store: Store, area: str, lang: str) -> list[dict[str, Any]]:
    """The events of ``area`` as the charts mark them: numbered by date, placed at their year
    plus the fraction of the year gone (an event of 1 July 2021 at 2021.5)."""
    out = []
    for n, e in enumerate(events_for(store, area), start=1):
        out.append(
            {
                "n": n,
                "code": e.code,
                "date": e.date.isoformat(),
                "year": e.date.year,
                "at": round(e.at, 4),
                "title": e.title(lang),
                "titles": e.titles,
                "source_url": e.source_url,
            }
        )
    return out


def in_language(marks: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Event marks with ``title`` in ``lang`` (English where the event has no translation)."""
    return [{**m, "title": m["titles"].get(lang) or m["titles"]["en"]} for m in marks]


def _check_row(
    row: dict[str, str], i: int, where: str, catalog: Any, seen: set[str]
) -> list[Problem]:
    problems = []
    code = row.get("code", "")
    if not _CODE.fullmatch(code):
        problems.append(
            Problem(where, i, "code", "expected a code of lower-case letters, digits, _ . -", code)
        )
    elif code in seen:
        problems.append(Problem(where, i, "code", "the same code twice in the file", code))
    seen.add(code)
    try:
        date.fromisoformat(row.get("date", ""))
    except ValueError:
        problems.append(
            Problem(where, i, "date", "expected a date as YYYY-MM-DD", row.get("date", ""))
        )
    area = row.get("area", "")
    if not area:
        problems.append(Problem(where, i, "area", "expected an org-unit code (e.g. KAZ)", area))
    elif catalog.resolve(area) is None:
        problems.append(Problem(where, i, "area", "unknown org unit", area))
    if not row.get("title_en"):
        problems.append(Problem(where, i, "title_en", "expected a title in English", ""))
    url = row.get("source_url", "")
    if url and not re.match(r"^https?://\S+$", url):
        problems.append(Problem(where, i, "source_url", "expected an http(s) address", url))
    return problems


def import_events(store: Store, path: Path, *, dry_run: bool = False) -> CatalogueImport:
    """Add events from a CSV with the columns of ``data/policy_events.csv``; all rows or none.

    Every row is checked first (code, ISO date, known org unit, an English title, an http(s)
    source address); the events are written in one transaction, logged as an import of kind
    ``events`` and undoable. Unknown columns are refused, so a misspelt one is not lost.
    """
    rows = _read_csv(path)
    where = str(path)
    if rows:
        unknown = sorted(set(rows[0]) - set(EVENT_COLUMNS))
        missing = [c for c in ("code", "date", "area", "title_en") if c not in rows[0]]
        if unknown or missing:
            message = (
                f"expected the columns {', '.join(EVENT_COLUMNS)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
            raise InputError(f"{where}: {message}", [Problem(where, 1, "header", message, None)])
    else:
        raise InputError(f"{where}: no events in the file (a header and one row per event)")
    catalog = load_catalog(store)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        problems += _check_row(row, i, where, catalog, seen)
    if problems:
        raise InputError(f"{where}: {len(problems)} problem(s); nothing was written", problems)
    for row in rows:
        row["area"] = str(catalog.resolve(row["area"]))
    if dry_run:
        return CatalogueImport(len(rows), 0, None)
    started = datetime.now()
    with store.transaction():
        import_id = next_import_id(store)
        created, updated, unchanged = upsert_events(store, [dict(r) for r in rows], import_id)
        logged = _log_catalogue_import(
            store, import_id, "events", path, started, created, updated, unchanged
        )
    return CatalogueImport(created, updated, logged)
