from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd

from conftest import DATA
from salamat.services import imports as services
from salamat.store.connection import Store

WPP = DATA / "wpp"


def test_wide_wpp_e0_files_every_country(store: Store) -> None:
    files = [WPP / f"wpp2024_e0{s}.txt.gz" for s in "BFM"]
    s = services.run_import(store, "wpp", files)
    assert s.status == "SUCCESS", s.as_dict()
    assert any("UN regional aggregates not imported" in n for n in s.notes)
    with gzip.open(WPP / "wpp2024_e0F.txt.gz", "rt") as fh:
        wide = pd.read_csv(fh, sep="\t", dtype=str)
    tur = float(wide.loc[wide["country_code"] == "792", "2023"].iloc[0])
    got = store.con.execute(
        "SELECT value, source FROM observation WHERE indicator='le0' AND "
        "area='TUR' AND period='2023' AND sex='female'"
    ).fetchall()
    assert got == [(tur, "UN WPP 2024")]
    n_countries = store.con.execute("SELECT count(DISTINCT area) FROM observation").fetchall()
    assert n_countries[0][0] > 200
    again = services.run_import(store, "wpp", files)
    assert again.created == 0 and again.unchanged == s.created


def test_wpp_file_it_does_not_know_is_an_error(store: Store) -> None:
    s = services.run_import(store, "wpp", [WPP / "wpp2024_UNlocations.txt"])
    assert s.status == "ERROR" and "not a WPP data file" in s.problems[0].message


def test_the_revision_comes_from_the_uns_name_never_a_guess(store: Store, tmp_path: Path) -> None:
    first = services.run_import(store, "wpp", [WPP / "wpp2024_e0F.txt.gz"])
    assert first.ok and first.created > 0
    # the same file under another name that keeps the UN's revision: the same data, once
    copy = tmp_path / "copy_of_WPP2024_e0F.txt.gz"
    shutil.copy(WPP / "wpp2024_e0F.txt.gz", copy)
    again = services.run_import(store, "wpp", [copy])
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    # a name without the revision: not guessed, --source asked for
    bare = tmp_path / "life_expectancy_e0F.txt.gz"
    shutil.copy(WPP / "wpp2024_e0F.txt.gz", bare)
    s = services.run_import(store, "wpp", [bare])
    assert s.status == "ERROR" and s.created == 0
    assert any("give --source" in n for n in s.notes)
    assert any("source" in (p.field or "") for p in s.problems)
