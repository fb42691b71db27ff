"""Writing user org units (districts, facilities ...) and their aliases."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from salamat.store.connection import Store
from salamat.store.records import RecordCounts
from salamat.store.reference import Catalog, OrgUnit

if TYPE_CHECKING:
    from salamat.ingest.registry import NewArea

__all__ = [
    "add_new_areas",
    "bundled_codes",
    "member_codes",
    "new_area_code",
    "new_area_frame",
    "upsert_orgunits",
    "with_new_areas",
]

_COLS = (
    "code",
    "parent",
    "level",
    "kind",
    "name_en",
    "name_kk",
    "name_ru",
    "valid_from",
    "valid_to",
    "note",
)


def bundled_codes(store: Store) -> set[str]:
    return {
        r[0]
        for r in store.con.execute("SELECT code FROM orgunit WHERE origin = 'bundled'").fetchall()
    }


def upsert_orgunits(
    store: Store, units: pd.DataFrame, aliases: pd.DataFrame, *, write: bool, import_id: int = 0
) -> RecordCounts:
    """Insert or update user org units (``origin = 'user'``) and their aliases.

    Only new or changed units and aliases are written, each with ``import_id``; a replaced unit
    or alias moves to ``orgunit_version`` / ``orgunit_alias_version`` so that the import can be
    undone. Must run inside the caller's transaction. Counts are of org units.
    """
    con = store.con
    con.register("_ou_new", units)
    try:
        compare = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _COLS[1:])
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _ou_cmp AS
            SELECT n.*, CASE WHEN o.code IS NULL THEN 'created' WHEN {compare} THEN 'updated'
                        ELSE 'unchanged' END AS _action
            FROM _ou_new n LEFT JOIN orgunit o ON o.code = n.code""")
        counts = dict(con.execute("SELECT _action, count(*) FROM _ou_cmp GROUP BY 1").fetchall())
        if write:
            cols = ", ".join(_COLS)
            con.execute(
                "INSERT INTO orgunit_version SELECT o.*, ? FROM orgunit o "
                "SEMI JOIN _ou_cmp n ON n.code = o.code AND n._action = 'updated'",
                [import_id],
            )
            con.execute(
                f"INSERT OR REPLACE INTO orgunit ({cols}, origin, import_id) "
                f"SELECT {cols}, 'user', ? FROM _ou_cmp WHERE _action <> 'unchanged'",
                [import_id],
            )
            if len(aliases):
                con.register("_ou_alias", aliases)
                changed = (
                    "FROM _ou_alias n LEFT JOIN orgunit_alias o ON o.alias = n.alias "
                    "WHERE o.alias IS NULL OR o.code IS DISTINCT FROM n.code "
                    "OR o.note IS DISTINCT FROM n.note"
                )
                con.execute(
                    "INSERT INTO orgunit_alias_version SELECT o.*, ? FROM orgunit_alias o "
                    f"SEMI JOIN (SELECT n.alias {changed}) c ON c.alias = o.alias",
                    [import_id],
                )
                con.execute(
                    "INSERT OR REPLACE INTO orgunit_alias (alias, code, note, origin, import_id) "
                    f"SELECT n.alias, n.code, n.note, 'user', ? {changed}",
                    [import_id],
                )
                con.unregister("_ou_alias")
        con.execute("DROP TABLE _ou_cmp")
    finally:
        con.unregister("_ou_new")
    return RecordCounts(
        int(counts.get("created", 0)),
        int(counts.get("updated", 0)),
        int(counts.get("unchanged", 0)),
    )


def new_area_code(parent: str, source_id: str) -> str:
    """The code of a unit created by ``--new-areas PARENT``: ``PARENT-<source id>`` (letters,
    digits, ``_`` and ``.`` of the id kept, case kept: DHIS2 uids are case-sensitive). The same
    file imported again gives the same code."""
    return f"{parent}-{re.sub(r'[^A-Za-z0-9_.]+', '_', source_id.strip()).strip('_')}"


def new_area_frame(catalog: Catalog, parent: str, proposed: Sequence[NewArea]) -> pd.DataFrame:
    """The units to create under ``parent`` (one per source id, first name wins), with the
    source id as ``alias``; ids Salamat already knows are left out."""
    seen: dict[str, NewArea] = {}
    for area in proposed:
        if catalog.resolve(area.source_id) is None and area.source_id not in seen:
            seen[area.source_id] = area
    level = catalog.orgunits[parent].level + 1
    rows = [
        {
            "code": new_area_code(parent, a.source_id),
            "parent": parent,
            "level": level,
            "kind": a.kind,
            "name_en": a.name or a.source_id,
            "name_kk": None,
            "name_ru": None,
            "valid_from": None,
            "valid_to": None,
            "note": f"created by an import with --new-areas {parent} (source id {a.source_id})",
            "alias": a.source_id,
        }
        for a in seen.values()
    ]
    return pd.DataFrame(rows, columns=[*_COLS, "alias"])


def with_new_areas(catalog: Catalog, units: pd.DataFrame) -> Catalog:
    """The catalogue with the units of :func:`new_area_frame` added (for validation)."""
    orgunits = dict(catalog.orgunits)
    aliases = dict(catalog.aliases)
    for r in units.to_dict("records"):
        code = str(r["code"])
        orgunits[code] = OrgUnit(
            code,
            str(r["parent"]),
            int(r["level"]),
            str(r["kind"]),
            str(r["name_en"]),
            None,
            None,
            None,
            None,
            str(r["note"]),
        )
        aliases[str(r["alias"])] = code
    return dataclasses.replace(catalog, orgunits=orgunits, aliases=aliases)


def add_new_areas(
    store: Store, units: pd.DataFrame, *, write: bool, import_id: int = 0
) -> RecordCounts:
    """Create the units of :func:`new_area_frame` with their source ids as aliases, inside the
    caller's transaction (so a rejected or dry-run import creates none)."""
    aliases = pd.DataFrame(
        {
            "alias": units["alias"],
            "code": units["code"],
            "note": "source id (--new-areas)",
        }
    )
    return upsert_orgunits(store, units[list(_COLS)], aliases, write=write, import_id=import_id)


def member_codes(store: Store, group: str) -> list[str]:
    """The codes of a group's members (table ``orgunit_group``), sorted."""
    return [
        str(m)
        for (m,) in store.con.execute(
            "SELECT member FROM orgunit_group WHERE group_code = ? ORDER BY member", [group]
        ).fetchall()
    ]
