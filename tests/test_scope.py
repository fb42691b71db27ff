"""A user's org-unit scope (salamat.store.scope): below in the tree, and the ended units
wholly inside it across Kazakhstan's border changes (KZ-ONT, KZ-VOS)."""

from __future__ import annotations

from salamat.store.connection import Store
from salamat.store.scope import resolve_code, scope_units


def test_scope_follows_the_tree_and_the_border_changes(store: Store) -> None:
    # South Kazakhstan split into Turkistan Region and Shymkent (2018): half is not all
    assert "KZ-ONT" not in scope_units(store, ["KZ-61"])
    assert scope_units(store, ["KZ-61", "KZ-79"]) == {"KZ-61", "KZ-79", "KZ-ONT"}
    # East Kazakhstan in its old borders became East Kazakhstan and Abay (2022)
    assert "KZ-VOS" not in scope_units(store, ["KZ-63"])
    assert "KZ-VOS" in scope_units(store, ["KZ-63", "KZ-10"])
    assert scope_units(store, ["KZ-75"]) == {"KZ-75"}
    country = scope_units(store, ["KAZ"])
    assert {"KAZ", "KZ-75", "KZ-ONT", "KZ-VOS", "KZ-ALM", "KZ-KAR", "KZ-61"} <= country
    assert "UZB" not in country
    assert resolve_code(store, "KZ") == "KAZ" and resolve_code(store, "KZ-75") == "KZ-75"
