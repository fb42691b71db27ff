"""Places of the whole world (bundled org units) and names resolved to units."""

from __future__ import annotations

from pathlib import Path

import pytest

from salamat.errors import InputError
from salamat.ingest.places import area_name_candidates, name_key, resolve_area_names
from salamat.services import imports as services
from salamat.store.connection import Store
from salamat.store.reference import Catalog, load_catalog

REAL = Path(__file__).parent / "data" / "real"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with Store.open(":memory:") as store:
        return load_catalog(store)


def test_every_iso_3166_2_subdivision_is_a_unit(catalog: Catalog) -> None:
    import pycountry

    codes = {s.code for s in pycountry.subdivisions}
    assert codes <= set(catalog.orgunits)
    england = catalog.orgunits["GB-ENG"]
    assert (england.parent, england.level, england.name_en) == ("GBR", 3, "England")
    manchester = catalog.orgunits["GB-MAN"]
    assert (manchester.parent, manchester.level, manchester.kind) == ("GB-ENG", 4, "district")
    cities = {s.code for s in pycountry.subdivisions if "city" in s.type.lower()}
    assert cities and {catalog.orgunits[c].kind for c in cities - {"KZ-71"}} == {"city"}
    # never the code without its dash: NUTS and World Bank codes read the same
    assert catalog.resolve("GBENG") is None
    assert catalog.resolve("FR10") is None  # NUTS 2 Ile-de-France, not the Aube (FR-10)
    assert catalog.resolve("PT11") is None  # NUTS 2 Norte, not Lisboa (PT-11)


def test_kazakhstan_hand_kept_units_win(catalog: Catalog) -> None:
    almaty_old = catalog.orgunits["KZ-ALM"]
    assert (str(almaty_old.valid_from), str(almaty_old.valid_to)) == ("1999-01-01", "2021-12-31")
    assert catalog.orgunits["KZ-19"].name_en == "Almaty Region"
    assert str(catalog.orgunits["KZ-61"].valid_from) == "2017-01-01"
    assert [c for c, _ in catalog.successors["KZ-ONT"]] == ["KZ-61", "KZ-79"]
    # pycountry's romanised names reach the hand-kept units through the name table
    assert resolve_area_names(catalog, ["Almaty oblysy"], within="KAZ") == {
        "Almaty oblysy": "KZ-19"
    }


def test_groups_with_their_members(store: Store) -> None:
    def members(group: str) -> set[str]:
        rows = store.con.execute(
            "SELECT member FROM orgunit_group WHERE group_code = ?", [group]
        ).fetchall()
        return {r[0] for r in rows}

    # World Bank income groups as UN WPP 2024 lists them
    assert "KGZ" in members("LMC") and "KAZ" in members("UMC") and "HUN" in members("HIC")
    assert "AFG" in members("LIC")
    assert not members("HIC") & members("LIC")
    assert {"KAZ", "KGZ", "UZB", "TKM", "TJK"} == members("M49-143")  # Central Asia
    assert "KAZ" in members("SDG-CSA") and "KAZ" in members("LLDC")
    assert "XKX" in members("M49-039")  # Kosovo in Southern Europe
    catalog = load_catalog(store)
    assert catalog.orgunits["XKX"].kind == "country"
    assert catalog.resolve("WB_HI") == "HIC" and catalog.resolve("UNICEF_EAP") == "UNICEF_EAP"
    assert catalog.resolve("WHO_EURO") == "WHO-EUR"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("TURKIYE", "TUR"),
        ("Kyrgyz Republic", "KGZ"),
        ("Kyrgyzstan", "KGZ"),
        ("Russian Federation", "RUS"),
        ("Viet Nam", "VNM"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Iran, Islamic Rep.", "IRN"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Казахстан", "KAZ"),
        ("Қазақстан", "KAZ"),
        ("Korea, Rep.", "KOR"),
        ("Micronesia (country)", "FSM"),
        ("East Timor", "TLS"),
        ("Kosovo", "XKX"),
        ("High-income countries", "HIC"),
        ("Georgia", "GEO"),
        ("kaz", "KAZ"),
    ],
)
def test_names_resolve(catalog: Catalog, name: str, code: str) -> None:
    assert resolve_area_names(catalog, [name]) == {name: code}


def test_subdivision_names_resolve_within_their_country(catalog: Catalog) -> None:
    assert resolve_area_names(catalog, ["Georgia", "California"], within="USA") == {
        "Georgia": "US-GA",
        "California": "US-CA",
    }
    assert resolve_area_names(catalog, ["Atlantis"]) == {}


def test_a_name_of_two_units_is_an_error_naming_both(catalog: Catalog) -> None:
    name = "Latin America and the Caribbean"
    assert area_name_candidates(catalog, [name]) == {name: ["M49-419", "SDG-LAC"]}
    with pytest.raises(InputError) as err:
        resolve_area_names(catalog, [name])
    assert "M49-419" in str(err.value) and "SDG-LAC" in str(err.value)


def test_name_key() -> None:
    assert name_key("Bosnia & Herzegovina") == name_key("Bosnia and Herzegovina")
    assert name_key("  Côte   d'Ivoire ") == "cote divoire"


def test_a_world_bank_aggregate_lands_on_its_group_unit(store: Store) -> None:
    f = REAL / "sdmx" / "unicef_CME_MRY0T4_all_2020_trimmed.csv"
    s = services.run_import(store, "sdmx", [f])
    assert s.status == "SUCCESS"
    # row 24 of the file: WB_HI, total, 2020, 5.09486928014902 (UN IGME)
    rows = store.con.execute(
        "SELECT value FROM observation WHERE area = 'HIC' AND sex = 'total' AND period = '2020'"
    ).fetchall()
    assert rows == [(5.09486928014902,)]
    kosovo = store.con.execute("SELECT count(*) FROM observation WHERE area = 'XKX'").fetchall()
    assert kosovo[0][0] > 0
