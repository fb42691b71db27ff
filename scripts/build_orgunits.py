"""Build the bundled org-unit tables in src/salamat/data/orgunits/ (run by a developer, not at run time).

Inputs (in the developers' shared data folder, ../shared/data from the project root):
  geo/kaz_adm1_crosswalk.csv          Kazakhstan's 20 units after 2022: ISO 3166-2, UN P-code, en/kk/ru names
  series/who_gho/NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz
                                      WHO region (ParentLocationCode) of each country with an estimate
and pycountry (ISO 3166-1, with its Kazakh and Russian translations from Debian iso-codes).

Usage: python scripts/build_orgunits.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gettext
import gzip
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "salamat" / "data" / "orgunits"
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"

FIELDS = [
    "code",
    "parent",
    "level",
    "kind",
    "name_en",
    "name_kk",
    "name_ru",
    "valid_from",
    "valid_to",
    "iso_numeric",
    "note",
]

WHO_REGIONS = {
    "AFR": ("WHO African Region", "ДДСҰ Африка өңірі", "Африканский регион ВОЗ"),
    "AMR": ("WHO Region of the Americas", "ДДСҰ Америка өңірі", "Американский регион ВОЗ"),
    "SEAR": (
        "WHO South-East Asia Region",
        "ДДСҰ Оңтүстік-Шығыс Азия өңірі",
        "Регион ВОЗ для стран Юго-Восточной Азии",
    ),
    "EUR": ("WHO European Region", "ДДСҰ Еуропа өңірі", "Европейский регион ВОЗ"),
    "EMR": (
        "WHO Eastern Mediterranean Region",
        "ДДСҰ Шығыс Жерорта теңізі өңірі",
        "Регион ВОЗ для стран Восточного Средиземноморья",
    ),
    "WPR": (
        "WHO Western Pacific Region",
        "ДДСҰ Батыс Тынық мұхит өңірі",
        "Регион ВОЗ для стран Западной части Тихого океана",
    ),
}
# WHO member states with no NCDMORT3070 estimate in the 2024 export, placed by WHO's own lists.
WHO_EXTRA = {
    "AND": "EUR",
    "MCO": "EUR",
    "SMR": "EUR",
    "COK": "WPR",
    "NIU": "WPR",
    "NRU": "WPR",
    "PLW": "WPR",
    "MHL": "WPR",
    "TUV": "WPR",
    "KNA": "AMR",
    "DMA": "AMR",
}

OTS_MEMBERS = ["KAZ", "AZE", "KGZ", "TUR", "UZB"]
OTS_OBSERVERS = ["HUN", "TKM"]

# Kazakhstan's first-level units whose borders did not change from 1999 to today, with the
# letter codes ISO 3166-2:KZ used for them before the numeric codes.
KZ_UNCHANGED_LETTER = {
    "KZ-11": "KZ-AKM",
    "KZ-15": "KZ-AKT",
    "KZ-23": "KZ-ATY",
    "KZ-27": "KZ-ZAP",
    "KZ-31": "KZ-ZHA",
    "KZ-39": "KZ-KUS",
    "KZ-43": "KZ-KZY",
    "KZ-47": "KZ-MAN",
    "KZ-55": "KZ-PAV",
    "KZ-59": "KZ-SEV",
    "KZ-71": "KZ-AST",
    "KZ-75": "KZ-ALA",
}
SINCE_1999 = (
    "1999-01-01: earlier borders (before the 1997 and 1999 mergers of regions) are not modelled"
)
REFORM_2018 = "2018-06-19"
REFORM_2022 = "2022-06-08"
# Historical units: borders that no longer exist. Codes: KZ-ONT as on Kazakhstan's national SDG
# platform; the others keep the ISO 3166-2 letter code the unit had while it had these borders.
KZ_HISTORICAL = [
    {
        "code": "KZ-ONT",
        "name_en": "South Kazakhstan Region",
        "name_kk": "Оңтүстік Қазақстан облысы",
        "name_ru": "Южно-Казахстанская область",
        "valid_from": "1999-01-01",
        "valid_to": "2017-12-31",
        "kind": "region",
        "successors": ["KZ-61", "KZ-79"],
        "date": REFORM_2018,
        "note": (
            "Split on 2018-06-19 (Presidential Decree No. 702) into Turkistan Region and the "
            "city of Shymkent. The statistics office republished demographic series for 2017 "
            "on the new units, while administrative series (physicians, hospitals) report "
            "2017 on South Kazakhstan: both are valid in 2017."
        ),
    },
    {
        "code": "KZ-VOS",
        "name_en": "East Kazakhstan Region (borders before 2022)",
        "name_kk": "Шығыс Қазақстан облысы (2022 жылға дейінгі шекарада)",
        "name_ru": "Восточно-Казахстанская область (в границах до 2022 г.)",
        "valid_from": "1999-01-01",
        "valid_to": "2021-12-31",
        "kind": "region",
        "successors": ["KZ-63", "KZ-10"],
        "date": REFORM_2022,
        "note": "Abay Region was split off in June 2022; statistics for 2022 use the new borders.",
    },
    {
        "code": "KZ-ALM",
        "name_en": "Almaty Region (borders before 2022)",
        "name_kk": "Алматы облысы (2022 жылға дейінгі шекарада)",
        "name_ru": "Алматинская область (в границах до 2022 г.)",
        "valid_from": "1999-01-01",
        "valid_to": "2021-12-31",
        "kind": "region",
        "successors": ["KZ-19", "KZ-33"],
        "date": REFORM_2022,
        "note": "Jetisu Region was split off in June 2022; statistics for 2022 use the new borders.",
    },
    {
        "code": "KZ-KAR",
        "name_en": "Karaganda Region (borders before 2022)",
        "name_kk": "Қарағанды облысы (2022 жылға дейінгі шекарада)",
        "name_ru": "Карагандинская область (в границах до 2022 г.)",
        "valid_from": "1999-01-01",
        "valid_to": "2021-12-31",
        "kind": "region",
        "successors": ["KZ-35", "KZ-62"],
        "date": REFORM_2022,
        "note": "Ulytau Region was split off in June 2022; statistics for 2022 use the new borders.",
    },
]
# Region codes of Kazakhstan's national SDG platform (Open SDG, kazstat/sdg-data-kazstat,
# translations/*/REF_AREA.yml) for units whose borders are the same in every year they are
# used. KZALM, KZVOS and KZKAR are not here: they name the pre-2022 units until 2021 and the
# new, smaller regions from 2022, so the Open SDG importer maps them by year.
KZ_OPENSDG = {
    "KZAKM": "KZ-11",
    "KZAKT": "KZ-15",
    "KZATY": "KZ-23",
    "KZZAP": "KZ-27",
    "KZZHA": "KZ-31",
    "KZKUS": "KZ-39",
    "KZKZY": "KZ-43",
    "KZMAN": "KZ-47",
    "KZPAV": "KZ-55",
    "KZSEV": "KZ-59",
    "KZNS": "KZ-71",
    "KZALA": "KZ-75",
    "KZONT": "KZ-ONT",
    "KZYUZ": "KZ-61",
    "KZSHY": "KZ-79",
    "KZABY": "KZ-10",
    "KZZHS": "KZ-33",
    "KZULU": "KZ-62",
}
KZ_NEW_2017 = {"KZ-61", "KZ-79"}
KZ_NEW_2022 = {"KZ-63", "KZ-10", "KZ-19", "KZ-33", "KZ-35", "KZ-62"}


def who_regions() -> dict[str, str]:
    path = SHARED / "series/who_gho/NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz"
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["SpatialDimType"] == "COUNTRY":
                out[row["SpatialDim"]] = row["ParentLocationCode"]
    for code, region in WHO_EXTRA.items():
        out.setdefault(code, region)
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    kk = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["kk"])
    units: list[dict[str, str]] = []
    aliases: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    successors: list[dict[str, str]] = []

    def unit(**kw: str) -> None:
        units.append({f: kw.get(f, "") for f in FIELDS})

    unit(
        code="WORLD",
        parent="",
        level="0",
        kind="world",
        name_en="World",
        name_kk="Әлем",
        name_ru="Мир",
    )
    aliases.append({"alias": "WLD", "code": "WORLD", "note": "World (UN WPP, World Bank)"})
    aliases.append({"alias": "OWID_WRL", "code": "WORLD", "note": "World (Our World in Data)"})
    unit(
        code="OTS",
        parent="WORLD",
        level="1",
        kind="group",
        name_en="Organisation of Turkic States",
        name_kk="Түркі мемлекеттері ұйымы",
        name_ru="Организация тюркских государств",
        note="Members KAZ AZE KGZ TUR UZB; observers HUN TKM (orgunit_groups.csv, role).",
    )
    for code, (en, kkn, run) in WHO_REGIONS.items():
        unit(
            code=f"WHO-{code}",
            parent="WORLD",
            level="1",
            kind="who_region",
            name_en=en,
            name_kk=kkn,
            name_ru=run,
            note=f"WHO region code {code} (GHO ParentLocationCode)",
        )
        aliases.append({"alias": code, "code": f"WHO-{code}", "note": "WHO region code"})
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        name = getattr(c, "common_name", None) or c.name
        unit(
            code=c.alpha_3,
            parent="WORLD",
            level="2",
            kind="country",
            name_en=name,
            name_kk=kk.gettext(c.name),
            name_ru=ru.gettext(c.name),
            iso_numeric=c.numeric,
        )
        aliases.append({"alias": c.alpha_2, "code": c.alpha_3, "note": "ISO 3166-1 alpha-2"})
    for h in sorted(pycountry.historic_countries, key=lambda c: c.alpha_3):
        if any(u["code"] == h.alpha_3 for u in units):
            continue  # the code was reused for a current country
        until = getattr(h, "withdrawal_date", "")
        until = f"{until}-12-31" if len(until) == 4 else until
        numeric = getattr(h, "numeric", "")
        if any(u["iso_numeric"] == numeric for u in units):
            numeric = ""  # the numeric code now belongs to a current country
        unit(
            code=h.alpha_3,
            parent="WORLD",
            level="2",
            kind="country",
            name_en=h.name,
            name_kk=kk.gettext(h.name),
            name_ru=ru.gettext(h.name),
            valid_to=until,
            iso_numeric=numeric,
            note="Former country (ISO 3166-3); valid until its code was withdrawn.",
        )
    for code in OTS_MEMBERS:
        groups.append({"group": "OTS", "member": code, "role": "member"})
    for code in OTS_OBSERVERS:
        groups.append({"group": "OTS", "member": code, "role": "observer"})
    for code, region in sorted(who_regions().items()):
        groups.append({"group": f"WHO-{region}", "member": code, "role": "member"})

    with open(SHARED / "geo/kaz_adm1_crosswalk.csv", encoding="utf-8") as fh:
        crosswalk = list(csv.DictReader(fh))
    for row in crosswalk:
        code = row["iso_3166_2"]
        if code in KZ_NEW_2017:
            since, note = (
                "2017-01-01",
                (
                    "Created on 2018-06-19 from South Kazakhstan Region (KZ-ONT); the statistics "
                    "office publishes demographic series on it from 2017."
                ),
            )
        elif code in KZ_NEW_2022:
            since, note = (
                "2022-01-01",
                ("Borders of the June 2022 reform; statistics for 2022 onward use them."),
            )
        else:
            since, note = "1999-01-01", f"Borders unchanged since {SINCE_1999}."
            aliases.append(
                {
                    "alias": KZ_UNCHANGED_LETTER[code],
                    "code": code,
                    "note": "ISO 3166-2 letter code used before the numeric codes",
                }
            )
        if code == "KZ-71":
            note += " Named Nur-Sultan from 2019-03-23 to 2022-09-17."
        unit(
            code=code,
            parent="KAZ",
            level="3",
            kind=row["type"],
            name_en=row["name_en"],
            name_kk=row["name_kk"],
            name_ru=row["name_ru"],
            valid_from=since,
            note=note,
        )
        aliases.append(
            {
                "alias": row["adm1_pcode_unhcr"],
                "code": code,
                "note": "UN OCHA/UNHCR P-code (COD-AB 2023)",
            }
        )
    for h in KZ_HISTORICAL:
        unit(
            code=h["code"],
            parent="KAZ",
            level="3",
            kind=h["kind"],
            name_en=h["name_en"],
            name_kk=h["name_kk"],
            name_ru=h["name_ru"],
            valid_from=h["valid_from"],
            valid_to=h["valid_to"],
            note=h["note"],
        )
        for s in h["successors"]:
            successors.append({"code": h["code"], "successor": s, "date": h["date"]})

    for alias, code in KZ_OPENSDG.items():
        aliases.append(
            {
                "alias": alias,
                "code": code,
                "note": "Kazakhstan national SDG platform (Open SDG) REF_AREA code",
            }
        )

    def write(name: str, rows: list[dict[str, str]]) -> None:
        with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    write("orgunits.csv", units)
    write("aliases.csv", aliases)
    write("groups.csv", groups)
    write("successors.csv", successors)
    print(
        f"{len(units)} units, {len(aliases)} aliases, {len(groups)} memberships, "
        f"{len(successors)} successions -> {OUT}"
    )


if __name__ == "__main__":
    main()
