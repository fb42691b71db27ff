"""Shared by every page of the dashboard and the API: org units, the catalogue's rows, the
per-store cache and checks of codes.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.methods.lifetable import Sex
from salamat.services.suggest import area_hint, indicator_hint
from salamat.store.connection import Store
from salamat.store.indicators import load_definition_rows
from salamat.store.stamp import data_version
from salamat.store.web import all_group_members, group_members, orgunit_aliases, orgunit_frame

__all__ = [
    "LANGS",
    "SEXES",
    "SYNTHETIC_NOTE",
    "NotFoundError",
    "Unit",
    "forget_cached",
    "group_members_of",
    "spaced",
    "units",
    "yearly",
]


LANGS = ("en", "kk", "ru")

SEXES = ("total", "female", "male")

SYNTHETIC_NOTE = (
    "SYNTHETIC: the demo's unit records and single-age populations are generated, not real "
    "deaths; use them to try the methods, never to describe Kazakhstan"
)


class NotFoundError(InputError):
    """A code (indicator, area, target) the store does not know."""


T = TypeVar("T")

_CACHE: dict[tuple[str, str, int, int, int], Any] = {}
_CACHE_LOCK = threading.Lock()
_BUILDING: dict[tuple[str, str, int, int, int], threading.RLock] = {}
_MISSING = object()


def _cached(store: Store, name: str, build: Callable[[], T]) -> T:
    """Reference data read once per store file version (path, mtime, size).

    A store file does not change while it is open read-only (DuckDB keeps writers out), so
    the org units and the catalogue need not be read again for every request. What a reader
    sees depends on its audience (``store.audience``: drafts or approved values only), which
    the key holds; an approval clears the cache (:func:`forget_cached`).
    """
    if store.path == ":memory:" or not store.read_only:
        return build()
    version = data_version(store.path)
    if version is None:
        return build()
    key = (f"{name}@{store.audience}", store.path, *version)
    found = _CACHE.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[no-any-return]
    with _CACHE_LOCK:
        building = _BUILDING.setdefault(key, threading.RLock())
    # one thread reads it; the requests that need it meanwhile wait instead of reading it too
    # (a fresh server's first burst would otherwise read the org units once per thread)
    with building:
        found = _CACHE.get(key, _MISSING)
        if found is _MISSING:
            found = build()
            with _CACHE_LOCK:
                if len(_CACHE) > 256:
                    _CACHE.clear()
                _CACHE[key] = found
    with _CACHE_LOCK:
        _BUILDING.pop(key, None)
    return found  # type: ignore[no-any-return]


_ABBREVIATION = re.compile(r"\b(г|обл|с|пос)\.(?=\w)")


def spaced(name: str) -> str:
    """A place name as typeset: ``г.Алматы`` -> ``г. Алматы`` (a space after the abbreviation)."""
    return _ABBREVIATION.sub(r"\1. ", name)


@dataclass(frozen=True)
class Unit:
    """An org unit as the pages and the API show it."""

    code: str
    parent: str | None
    level: int
    kind: str
    names: dict[str, str]
    valid_from: date | None
    valid_to: date | None
    successors: tuple[str, ...]
    predecessors: tuple[str, ...]
    succeeded_on: date | None
    note: str | None
    iso_numeric: str | None = None

    def name(self, lang: str) -> str:
        return spaced(self.names.get(lang) or self.names["en"])

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from.year <= year) and (
            self.valid_to is None or self.valid_to.year >= year
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "parent": self.parent,
            "level": self.level,
            "kind": self.kind,
            "names": dict(self.names),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "successors": list(self.successors),
            "predecessors": list(self.predecessors),
            "succeeded_on": self.succeeded_on.isoformat() if self.succeeded_on else None,
            "note": self.note,
        }


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    s = str(v).strip()
    return s or None


def _date(v: object) -> date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def _num(v: object, digits: int | None = None) -> float | None:
    if v is None:
        return None
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(x):
        return None
    return round(x, digits) if digits is not None else x


def units(store: Store) -> dict[str, Unit]:
    """Every org unit by code."""
    return _cached(store, "units", lambda: _read_units(store))


def _read_units(store: Store) -> dict[str, Unit]:
    out: dict[str, Unit] = {}
    for r in orgunit_frame(store).to_dict(orient="records"):
        names = {"en": str(r["name_en"])}
        for lang in ("kk", "ru"):
            text = _text(r[f"name_{lang}"])
            if text:
                names[lang] = text
        code = str(r["code"])
        out[code] = Unit(
            code=code,
            parent=_text(r["parent"]),
            level=int(r["level"]),
            kind=str(r["kind"]),
            names=names,
            valid_from=_date(r["valid_from"]),
            valid_to=_date(r["valid_to"]),
            successors=tuple((_text(r["successors"]) or "").split(";"))
            if _text(r["successors"])
            else (),
            predecessors=tuple((_text(r["predecessors"]) or "").split(";"))
            if _text(r["predecessors"])
            else (),
            succeeded_on=_date(r["succeeded_on"]),
            note=_text(r["note"]),
            iso_numeric=_text(r["iso_numeric"]),
        )
    return out


def _resolve(store: Store, code: str, all_units: dict[str, Unit] | None = None) -> str:
    all_units = all_units if all_units is not None else units(store)
    if code in all_units:
        return code
    alias = _aliases(store).get(code)
    if alias is not None:
        return alias
    upper = code.upper()
    if upper != code:
        return _resolve(store, upper, all_units)
    raise NotFoundError(f"unknown area {code!r}: {area_hint(store, code)}")


def group_members_of(store: Store, group: str) -> list[tuple[str, str]]:
    """``(member, role)`` of a group, members before observers (cached)."""
    return _cached(store, f"group:{group}", lambda: group_members(store, group))


def _warm_groups(store: Store) -> None:
    """Every group's members into the cache, read in one query (a server's start)."""
    members: dict[str, list[tuple[str, str]]] | None = None
    for code, unit in units(store).items():
        if unit.kind in ("group", "who_region") and not _is_cached(store, f"group:{code}"):
            if members is None:
                members = all_group_members(store)
            _cached(store, f"group:{code}", functools.partial(list, members.get(code, [])))


def _is_cached(store: Store, name: str) -> bool:
    """Whether :func:`_cached` holds ``name`` for this store (it would not read the store)."""
    if store.path == ":memory:" or not store.read_only:
        return False
    version = data_version(store.path)
    return version is not None and (f"{name}@{store.audience}", store.path, *version) in _CACHE


def forget_cached() -> None:
    """Forget what :func:`_cached` holds: after a write that changes what readers see without
    changing the store file's size or time (an approval, written to DuckDB's log first)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _definition_rows(store: Store) -> dict[str, dict[str, Any]]:
    return _cached(
        store, "definitions", lambda: {str(r["code"]): r for r in load_definition_rows(store)}
    )


def _aliases(store: Store) -> dict[str, str]:
    return _cached(store, "aliases", lambda: orgunit_aliases(store))


def _check_indicator(store: Store, code: str) -> dict[str, Any]:
    rows = _definition_rows(store)
    if code not in rows:
        raise NotFoundError(f"unknown indicator {code!r}: {indicator_hint(store, code)}")
    return rows[code]


def yearly(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the calendar-year rows of a series frame, with an integer ``year`` column."""
    keep = frame[frame["period"].astype(str).str.fullmatch(r"\d{4}")].copy()
    keep["year"] = keep["period"].astype(int)
    return keep


def _sex(sex: str) -> Sex:
    if sex == "female":
        return "female"
    if sex == "male":
        return "male"
    if sex == "total":
        return "total"
    raise InputError(
        f"sex {sex!r}: expected total, female or male",
        [Problem("query", None, "sex", "expected total, female or male", sex)],
    )
