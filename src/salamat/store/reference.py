"""Reading the reference tables (org units, aliases, data elements, cause groups) for validation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from salamat.store.connection import Store

__all__ = ["Catalog", "OrgUnit", "has_data_element", "load_catalog", "name_key", "resolve_area"]

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")
# Letters without a decomposition that readers type without their mark.
_FOLD = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe"})
_DROP_WORDS = frozenset({"the", "and"})


@lru_cache(maxsize=1 << 16)  # the catalogue's 26,000 names are keyed again by every import
def name_key(text: str) -> str:
    """The comparison key of a place name: Unicode compatibility decomposition, accents
    removed, case folded, apostrophes removed, other punctuation a space, the words "the" and
    "and" (also "&") dropped, spaces collapsed.

    >>> name_key("Côte d'Ivoire") == name_key("COTE DIVOIRE")
    True
    >>> name_key("Türkiye")
    'turkiye'
    """
    t = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold().translate(_FOLD)
    words = _SPACE.sub(" ", _PUNCT.sub(" ", t).replace("_", " ")).strip().split(" ")
    return " ".join(w for w in words if w and w not in _DROP_WORDS)


@dataclass(frozen=True)
class OrgUnit:
    code: str
    parent: str | None
    level: int
    kind: str
    name_en: str
    name_kk: str | None
    name_ru: str | None
    valid_from: date | None
    valid_to: date | None
    note: str | None


@dataclass(frozen=True)
class Catalog:
    """Everything an import checks codes against, read once per import."""

    orgunits: dict[str, OrgUnit]
    aliases: dict[str, str]
    successors: dict[str, list[tuple[str, date]]]
    predecessors: dict[str, list[tuple[str, date]]]
    data_elements: dict[str, str | None]  # code -> unit
    cause_groups: frozenset[str]
    iso_numeric: dict[str, str]  # ISO 3166-1 numeric without leading zeros -> code
    names: tuple[tuple[str, str], ...] = field(default=())  # (name, code): the name table
    # indicator -> (lower, upper, projection_ok): the plausible bounds (table indicator_bound)
    bounds: dict[str, tuple[float | None, float | None, bool]] = field(default_factory=dict)

    @cached_property
    def name_index(self) -> dict[str, frozenset[str]]:
        """Name key -> the org units of that name: the unit names (en, kk, ru) and the name
        table (see :mod:`salamat.ingest.places` for the key)."""
        index: dict[str, set[str]] = {}
        pairs = [
            (n, u.code)
            for u in self.orgunits.values()
            for n in (u.name_en, u.name_kk, u.name_ru)
            if n
        ]
        for name, code in (*pairs, *self.names):
            if code in self.orgunits:
                index.setdefault(name_key(name), set()).add(code)
        index.pop("", None)
        return {k: frozenset(v) for k, v in index.items()}

    @cached_property
    def country_of(self) -> dict[str, str | None]:
        """Each unit's country (itself for a country; None above countries: groups, world)."""
        out: dict[str, str | None] = {}
        for code in self.orgunits:
            seen, cur = set(), code
            country = None
            while cur in self.orgunits and cur not in seen:
                seen.add(cur)
                unit = self.orgunits[cur]
                if unit.kind == "country":
                    country = cur
                    break
                if unit.parent is None:
                    break
                cur = unit.parent
            out[code] = country
        return out

    def resolve(self, code: str) -> str | None:
        """The canonical org-unit code for a code or a declared alias, else None."""
        if code in self.orgunits:
            return code
        return self.aliases.get(code)

    def lineage_hint(self, code: str) -> str:
        """A sentence pointing to the units before or after a border change, if any."""
        parts = []
        if code in self.predecessors:
            before = ", ".join(f"{c} until {d.year}" for c, d in self.predecessors[code])
            parts.append(f"earlier periods belong to its predecessor ({before})")
        if code in self.successors:
            after = ", ".join(c for c, _ in self.successors[code])
            parts.append(f"later periods belong to its successors ({after})")
        return "; ".join(parts)


def load_catalog(store: Store) -> Catalog:
    con = store.con
    units = {
        r[0]: OrgUnit(*r)
        for r in con.execute(
            "SELECT code, parent, level, kind, name_en, name_kk, name_ru, valid_from, valid_to, "
            "note FROM orgunit"
        ).fetchall()
    }
    aliases = dict(con.execute("SELECT alias, code FROM orgunit_alias").fetchall())
    successors: dict[str, list[tuple[str, date]]] = {}
    predecessors: dict[str, list[tuple[str, date]]] = {}
    for code, succ, when in con.execute(
        "SELECT code, successor, date FROM orgunit_successor ORDER BY code, successor"
    ).fetchall():
        successors.setdefault(code, []).append((succ, when))
        predecessors.setdefault(succ, []).append((code, when))
    elements = dict(con.execute("SELECT code, unit FROM data_element").fetchall())
    causes = frozenset(r[0] for r in con.execute("SELECT code FROM cause_group").fetchall())
    numeric = {
        str(int(n)): c
        for c, n in con.execute(
            "SELECT code, iso_numeric FROM orgunit WHERE iso_numeric IS NOT NULL"
        ).fetchall()
    }
    names = tuple(
        (str(n), str(c)) for n, c in con.execute("SELECT name, code FROM orgunit_name").fetchall()
    )
    bounds = {
        str(r[0]): (
            None if r[1] is None else float(r[1]),
            None if r[2] is None else float(r[2]),
            bool(r[3]),
        )
        for r in con.execute(
            "SELECT indicator, lower, upper, projection_ok FROM indicator_bound"
        ).fetchall()
    }
    return Catalog(
        units, aliases, successors, predecessors, elements, causes, numeric, names, bounds=bounds
    )


def resolve_area(store: Store, code: str) -> tuple[str, str] | None:
    """The canonical code and kind of the org unit named by ``code`` or by a declared alias
    (the same rule as :meth:`Catalog.resolve`), else None. Two indexed lookups instead of the
    whole catalogue, for a query that names one area."""
    row = store.con.execute(
        "SELECT code, kind FROM ("
        " SELECT code, kind, 0 AS pref FROM orgunit WHERE code = $1"
        " UNION ALL"
        " SELECT o.code, o.kind, 1 AS pref FROM orgunit_alias a JOIN orgunit o ON o.code = a.code"
        " WHERE a.alias = $1) ORDER BY pref LIMIT 1",
        [code],
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def has_data_element(store: Store, code: str) -> bool:
    """Whether ``code`` is in the indicator catalogue (table ``data_element``)."""
    return (
        store.con.execute("SELECT 1 FROM data_element WHERE code = ?", [code]).fetchone()
        is not None
    )
