"""Reading the reference tables (org units, aliases, data elements, cause groups) for validation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from salamat.store.connection import Store

__all__ = ["Catalog", "OrgUnit", "load_catalog"]


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
    return Catalog(units, aliases, successors, predecessors, elements, causes, numeric)
