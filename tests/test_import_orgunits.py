from __future__ import annotations

from pathlib import Path

from conftest import table_snapshot
from salamat.services import imports as services
from salamat.store.connection import Store
from salamat.store.reference import load_catalog

HEAD = "code,parent,name_en,kind,name_ru,valid_from,valid_to,aliases\n"


def test_districts_and_facilities_below_the_bundled_tree(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "ou.csv"
    f.write_text(
        HEAD + "KZ-75-ALM-1,KZ-75,Almaly district,district,Алмалинский район,,,\n"
        "FAC-0001,KZ-75-ALM-1,City polyclinic 1,facility,,2010-01-01,,DiszpKrYNg8\n"
    )
    s = services.run_import(store, "orgunits", [f])
    assert (s.status, s.created) == ("SUCCESS", 2), s.as_dict()
    cat = load_catalog(store)
    assert cat.orgunits["FAC-0001"].level == 5 and cat.orgunits["KZ-75-ALM-1"].level == 4
    assert cat.resolve("DiszpKrYNg8") == "FAC-0001"
    assert services.run_import(store, "orgunits", [f]).unchanged == 2
    # the user's units survive a reload of the bundled reference data
    store._load_reference()
    assert "FAC-0001" in load_catalog(store).orgunits


def test_bad_org_units_are_named(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    f = tmp_path / "bad.csv"
    f.write_text(
        HEAD + "KZ-75,KAZ,Almaty again,city,,,,\n"  # 2 bundled
        "D1,NOWHERE,District,district,,,,\n"  # 3 parent
        "D2,KZ-75,District,hamlet,,,,\n"  # 4 kind
        "D3,KZ-75,District,district,,2020-02-30,,\n"  # 5 date
        "D4,KZ-75,District,district,,2020-01-01,2019-01-01,\n"  # 6 order
        "D4,KZ-75,District,district,,,,\n"  # 7 duplicate
        "C1,C2,Loop,district,,,,\nC2,C1,Loop,district,,,,\n"
    )
    s = services.run_import(store, "orgunits", [f])
    assert s.status == "ERROR"
    got = [(p.row, p.field) for p in s.problems]
    assert got == [
        (2, "code"),
        (3, "parent"),
        (4, "kind"),
        (5, "valid_from"),
        (6, "valid_to"),
        (7, "code"),
        (8, "parent"),
        (9, "parent"),
    ]
    assert table_snapshot(store) == before
