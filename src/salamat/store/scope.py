"""A user's scope: the org units an editor or viewer of some units acts on (issue 13, item 3).

The scope of units ``U`` is every unit at or below one of them in the hierarchy (``parent``),
closed under history: a unit that ended is in the scope when **every** unit it became is in the
scope (``orgunit_successor``), and then so is everything below it. So a viewer of Turkistan
Region (``KZ-61``) and Shymkent (``KZ-79``) covers South Kazakhstan Region (``KZ-ONT``, which
split into the two in 2018), a viewer of Turkistan Region alone does not (half of South
Kazakhstan became Shymkent), and a viewer of Kazakhstan covers every region that ever was.
"""

from __future__ import annotations

from salamat.store.connection import Store

__all__ = ["resolve_code", "scope_units"]

_BELOW = """
WITH RECURSIVE below(code) AS (
    SELECT code FROM orgunit WHERE list_contains(?, code)
    UNION
    SELECT o.code FROM orgunit o JOIN below b ON o.parent = b.code
)
SELECT code FROM below"""

_WHOLLY_INSIDE = """
SELECT code FROM orgunit_successor GROUP BY code
HAVING bool_and(list_contains(?, successor)) AND NOT list_contains(?, code)"""


def scope_units(store: Store, units: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Every org-unit code in the scope of ``units`` (module docstring)."""
    inside: set[str] = set()
    start = list(units)
    # each round adds the units below, then the ended units wholly inside; lineage is a few
    # levels deep (1997 and 1999 mergers, 2018, 2022), so this ends in a few rounds
    while start:
        inside |= {str(r[0]) for r in store.con.execute(_BELOW, [start]).fetchall()}
        known = sorted(inside)
        start = [str(r[0]) for r in store.con.execute(_WHOLLY_INSIDE, [known, known]).fetchall()]
    return frozenset(inside)


def resolve_code(store: Store, code: str) -> str:
    """The org unit ``code`` names: itself, or the unit of an alias (``KZ`` -> ``KAZ``)."""
    row = store.con.execute(
        "SELECT code FROM orgunit WHERE code = ? UNION ALL "
        "SELECT code FROM orgunit_alias WHERE alias = ? LIMIT 1",
        [code, code],
    ).fetchone()
    return str(row[0]) if row else code
