"""Org units for the API: one unit, and the hierarchy under a root."""

from __future__ import annotations

from typing import Any

from salamat.errors import InputError
from salamat.services.web.common import _resolve, group_members_of, units
from salamat.store.connection import Store

__all__ = ["orgunit", "orgunit_tree"]


def orgunit(store: Store, code: str) -> dict[str, Any]:
    """One unit with its parent, children, groups, validity, successors and predecessors."""
    all_units = units(store)
    canonical = _resolve(store, code, all_units)
    unit = all_units[canonical]
    out = unit.as_dict()
    out["children"] = sorted(u.code for u in all_units.values() if u.parent == canonical)
    out["members"] = [{"code": m, "role": r} for m, r in group_members_of(store, canonical)]
    return out


def orgunit_tree(store: Store, root: str = "WORLD", depth: int = 1) -> dict[str, Any]:
    """The hierarchy under ``root`` as nested ``children`` (groups list their members).

    ``depth`` levels below ``root`` are listed (0 to 5); a unit whose children are cut off says
    how many it has (``more``). One level by default: under ``WORLD`` that is every country
    and group (about 140 KB), where two levels would add all 5,000 ISO 3166-2 subdivisions
    (about 1 MB); ask for a country (``root=KAZ``) or a deeper ``depth`` to see them.
    """
    if depth < 0 or depth > 5:
        raise InputError(f"depth {depth}: expected 0 to 5")
    all_units = units(store)
    start = _resolve(store, root, all_units)
    kids: dict[str, list[str]] = {}
    for u in all_units.values():
        if u.parent is not None:
            kids.setdefault(u.parent, []).append(u.code)

    def node(code: str, level: int) -> dict[str, Any]:
        d = all_units[code].as_dict()
        if all_units[code].kind in ("group", "who_region"):
            d["members"] = [{"code": m, "role": r} for m, r in group_members_of(store, code)]
        below = sorted(kids.get(code, []))
        d["children"] = [node(c, level + 1) for c in below] if level < depth else []
        if level >= depth and below:
            d["more"] = len(below)
        return d

    return node(start, 0)
