"""Build the bundled org-unit tables in src/salamat/data/orgunits/ (run by a developer, not at run time).

Inputs (in the developers' shared data folder, ../shared/data from the project root):
  geo/kaz_adm1_crosswalk.csv          Kazakhstan's 20 units after 2022: ISO 3166-2, UN P-code, en/kk/ru names
  series/who_gho/NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz
                                      WHO region (ParentLocationCode) of each country with an estimate
  series/un_wpp/wpp2024_UNlocations.txt
                                      UN WPP 2024 locations: M49 geographic regions and sub-regions,
                                      SDG regions, World Bank income groups, LDC/LLDC/SIDS, with members
and pycountry (ISO 3166-1 with its Kazakh and Russian translations from Debian iso-codes; ISO
3166-2 subdivisions of every country, with their types and parents).

Kazakhstan's hand-kept units (validity dates, the 2018 and 2022 reforms) win over pycountry's
KZ subdivisions: pycountry's names of them are kept in the name table only.

Usage: python scripts/build_orgunits.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gettext
import gzip
import re
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


# Spellings of countries used by the UN, the World Bank, WHO and Our World in Data (and common
# English, Russian and Kazakh forms) that are none of the ISO 3166 names pycountry gives.
NAMES_EXTRA: dict[str, list[str]] = {
    "TUR": ["Turkey", "Turkiye", "Турция", "Түркия", "Туркия"],
    "KGZ": ["Kyrgyz Republic", "Kirghizia", "Киргизия", "Кыргызская Республика"],
    "RUS": ["Russia", "Российская Федерация", "Россия", "Ресей", "Ресей Федерациясы"],
    "KAZ": ["Republic of Kazakhstan", "Республика Казахстан", "Қазақстан Республикасы"],
    "UZB": ["Республика Узбекистан"],
    "VNM": ["Vietnam", "Viet Nam"],
    "IRN": ["Iran (Islamic Republic of)", "Iran, Islamic Rep.", "Iran"],
    "KOR": ["Korea, Rep.", "South Korea", "Republic of Korea", "Korea"],
    "PRK": [
        "Korea, Dem. People's Rep.",
        "North Korea",
        "Democratic People's Republic of Korea",
        "Dem. People's Republic of Korea",
    ],
    "EGY": ["Egypt, Arab Rep."],
    "GMB": ["Gambia, The", "The Gambia"],
    "BHS": ["Bahamas, The", "The Bahamas"],
    "YEM": ["Yemen, Rep."],
    "VEN": ["Venezuela, RB", "Venezuela (Bolivarian Republic of)", "Venezuela"],
    "BOL": ["Bolivia (Plurinational State of)", "Bolivia"],
    "TZA": ["Tanzania", "United Republic of Tanzania"],
    "COD": [
        "Congo, Dem. Rep.",
        "Democratic Republic of the Congo",
        "Democratic Republic of Congo",
        "DR Congo",
    ],
    "COG": ["Congo, Rep.", "Republic of the Congo", "Congo"],
    "LAO": ["Lao PDR", "Laos", "Lao People's Democratic Republic"],
    "FSM": ["Micronesia, Fed. Sts.", "Micronesia (country)", "Micronesia (Federated States of)"],
    "SVK": ["Slovak Republic"],
    "CZE": ["Czech Republic", "Czechia"],
    "SYR": ["Syria", "Syrian Arab Republic"],
    "MDA": ["Moldova", "Republic of Moldova", "Moldova, Rep."],
    "LCA": ["St. Lucia"],
    "KNA": ["St. Kitts and Nevis"],
    "VCT": ["St. Vincent and the Grenadines"],
    "MAF": ["St. Martin (French part)", "Saint Martin (French part)"],
    "SXM": ["Sint Maarten (Dutch part)"],
    "HKG": ["Hong Kong SAR, China", "China, Hong Kong SAR", "Hong Kong"],
    "MAC": ["Macao SAR, China", "China, Macao SAR", "Macao", "Macau"],
    "TWN": ["Taiwan", "China, Taiwan Province of China"],
    "PSE": ["West Bank and Gaza", "Palestine", "occupied Palestinian territory"],
    "CPV": ["Cape Verde", "Cabo Verde"],
    "CIV": ["Cote d'Ivoire", "Ivory Coast"],
    "SWZ": ["Swaziland", "Eswatini"],
    "MKD": ["Macedonia", "North Macedonia", "Republic of North Macedonia"],
    "TLS": ["East Timor", "Timor-Leste"],
    "BRN": ["Brunei", "Brunei Darussalam"],
    "CUW": ["Curacao"],
    "USA": ["United States", "United States of America", "USA", "US"],
    "GBR": [
        "United Kingdom",
        "United Kingdom of Great Britain and Northern Ireland",
        "UK",
        "Great Britain",
    ],
    "NLD": ["Netherlands (Kingdom of the)", "Netherlands"],
    "MMR": ["Burma", "Myanmar"],
    "VIR": ["Virgin Islands (U.S.)", "United States Virgin Islands", "US Virgin Islands"],
    "VGB": ["British Virgin Islands"],
    "FRO": ["Faeroe Islands", "Faroe Islands"],
    "FLK": ["Falkland Islands", "Falkland Islands (Malvinas)"],
    "VAT": ["Vatican", "Holy See"],
    "REU": ["Reunion"],
    "BES": ["Bonaire Sint Eustatius and Saba", "Caribbean Netherlands"],
    "STP": ["Sao Tome and Principe"],
    "XKX": ["Kosovo", "Kosovo (under UNSC res. 1244)", "Косово"],
    "WORLD": ["World", "Мир", "Әлем"],
}
# Our codes of the groups read from UN WPP 2024's locations file (its LocID -> code), with the
# codes other publishers use for them (aliases) and names in Kazakh and Russian.
UN_GROUPS: dict[str, tuple[str, str, list[str], str, str]] = {
    # LocID: (code, kind-of-grouping, aliases, name_kk, name_ru)
    "1503": (
        "HIC",
        "wb_income",
        ["WB_HI", "HI"],
        "Табысы жоғары елдер",
        "Страны с высоким уровнем дохода",
    ),
    "1502": (
        "UMC",
        "wb_income",
        ["WB_UMI", "UMI"],
        "Табысы орташадан жоғары елдер",
        "Страны с доходом выше среднего",
    ),
    "1501": (
        "LMC",
        "wb_income",
        ["WB_LMI", "LMI"],
        "Табысы орташадан төмен елдер",
        "Страны с доходом ниже среднего",
    ),
    "1500": (
        "LIC",
        "wb_income",
        ["WB_LI", "LI"],
        "Табысы төмен елдер",
        "Страны с низким уровнем дохода",
    ),
    "1517": (
        "MIC",
        "wb_income",
        ["WB_MI"],
        "Табысы орташа елдер",
        "Страны со средним уровнем дохода",
    ),
    "1859": (
        "LMY",
        "wb_income",
        ["WB_LMY"],
        "Табысы төмен және орташа елдер",
        "Страны с низким и средним уровнем дохода",
    ),
    "1834": ("SDG-SSA", "sdg_region", ["UNSDG_SUBSAHARANAFRICA"], "", ""),
    "1833": ("SDG-NAWA", "sdg_region", ["UNSDG_NORTHERNAFRICAWESTERNASIA"], "", ""),
    "1831": ("SDG-CSA", "sdg_region", ["UNSDG_CENTRALSOUTHERNASIA"], "", ""),
    "1832": ("SDG-ESEA", "sdg_region", ["UNSDG_EASTERNSOUTHEASTERNASIA"], "", ""),
    "1830": ("SDG-LAC", "sdg_region", ["UNSDG_LATINAMERICACARIBBEAN"], "", ""),
    "1835": ("SDG-OCE", "sdg_region", ["UNSDG_OCEANIAEXAUSNZ"], "", ""),
    "1836": ("SDG-ANZ", "sdg_region", ["UNSDG_AUSTRALIANEWZEALAND"], "", ""),
    "1829": ("SDG-ENA", "sdg_region", ["UNSDG_EUROPENORTHERNAMERICA"], "", ""),
    "941": ("LDC", "un_group", ["UNSDG_LDC"], "", ""),
    "1636": ("LLDC", "un_group", ["UNSDG_LLDC"], "", ""),
    "1637": ("SIDS", "un_group", ["UNSDG_SIDS"], "", ""),
}
# UN M49 codes of WPP's geographic regions and sub-regions (WPP uses its own LocIDs for the
# continents; the sub-region LocIDs are the M49 codes), with aliases used by UNICEF's SDG list.
WPP_TO_M49 = {
    # continents and the two parts of the Americas
    "903": "002", "935": "142", "908": "150", "904": "419", "905": "021", "909": "009",
    # sub-regions
    "910": "014", "911": "017", "912": "015", "913": "018", "914": "011",
    "5500": "143", "906": "030", "5501": "034", "920": "035", "922": "145",
    "923": "151", "924": "154", "925": "039", "926": "155",
    "915": "029", "916": "013", "931": "005",
    "927": "053", "928": "054", "954": "057", "957": "061",
}  # fmt: skip
M49_ALIASES = {
    "143": ["UNSDG_CENTRALASIA"],
    "034": ["UNSDG_SOUTHERNASIA"],
    "030": ["UNSDG_EASTERNASIA"],
    "035": ["UNSDG_SOUTHEASTERNASIA"],
    "145": ["UNSDG_WESTERNASIA"],
    "015": ["UNSDG_NORTHERNAFRICA"],
    "021": ["UNSDG_NORTHERNAMERICA"],
    "150": ["UNSDG_EUROPE"],
}
# UNICEF's regions (codes of its SDMX codelist CL_UNICEF_REGIONS as used in CME files); their
# member lists are not bundled (UNICEF publishes them per report), so they are groups without
# members: an aggregate lands on its unit, and nothing is summed into it.
UNICEF_REGIONS = {
    "UNICEF_EAP": "East Asia and Pacific (UNICEF)",
    "UNICEF_ECA": "Europe and Central Asia (UNICEF)",
    "UNICEF_EECA": "Eastern Europe and Central Asia (UNICEF)",
    "UNICEF_WE": "Western Europe (UNICEF)",
    "UNICEF_LAC": "Latin America and the Caribbean (UNICEF)",
    "UNICEF_MENA": "Middle East and North Africa (UNICEF)",
    "UNICEF_NA": "North America (UNICEF)",
    "UNICEF_SA": "South Asia (UNICEF)",
    "UNICEF_SSA": "Sub-Saharan Africa (UNICEF)",
    "UNICEF_ESA": "Eastern and Southern Africa (UNICEF)",
    "UNICEF_WCA": "West and Central Africa (UNICEF)",
}
WHO_ALIASES = {
    "AFR": ["WHO_AFRO", "AFRO"],
    "AMR": ["WHO_AMRO", "AMRO", "PAHO"],
    "SEAR": ["WHO_SEARO", "SEARO"],
    "EUR": ["WHO_EURO", "EURO"],
    "EMR": ["WHO_EMRO", "EMRO"],
    "WPR": ["WHO_WPRO", "WPRO"],
}
# Non-ISO countries: Kosovo (XKX, the code the World Bank, UNICEF and the EU use).
XKX = {
    "code": "XKX",
    "name_en": "Kosovo",
    "name_kk": "Косово",
    "name_ru": "Косово",
    "aliases": ["XK", "KSV"],
    "note": "Not in ISO 3166; XKX/XK are the user-assigned codes used by the World Bank, UNICEF and "
    "the EU. All references to Kosovo are in the context of UN Security Council resolution 1244.",
}


# Subdivision types (pycountry's, from ISO 3166-2) that are cities or districts; others regions.
def subdivision_kind(kind: str) -> str:
    t = kind.lower()
    if "city" in t or t in ("town", "capital", "capital district"):
        return "city"
    if "district" in t or t in ("rayon", "raion"):
        return "district"
    return "region"


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

    names: list[dict[str, str]] = []
    world_places(units, aliases, groups, names, ru, kk)

    def write(name: str, rows: list[dict[str, str]]) -> None:
        with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    write("orgunits.csv", units)
    write("aliases.csv", aliases)
    write("groups.csv", groups)
    write("successors.csv", successors)
    write("names.csv", names)
    print(
        f"{len(units)} units, {len(aliases)} aliases, {len(groups)} memberships, "
        f"{len(successors)} successions, {len(names)} names -> {OUT}"
    )


def world_places(
    units: list[dict[str, str]],
    aliases: list[dict[str, str]],
    groups: list[dict[str, str]],
    names: list[dict[str, str]],
    ru: gettext.NullTranslations,
    kk: gettext.NullTranslations,
) -> None:
    """Kosovo, the UN and World Bank groupings with members, UNICEF regions, every ISO 3166-2
    subdivision (but Kazakhstan's, hand-kept) and the name table."""
    by_code = {u["code"]: u for u in units}
    taken = set(by_code) | {a["alias"] for a in aliases}

    def unit(**kw: str) -> None:
        row = {f: kw.get(f, "") for f in FIELDS}
        units.append(row)
        by_code[row["code"]] = row
        taken.add(row["code"])

    def alias(a: str, code: str, note: str) -> None:
        if a not in taken:
            aliases.append({"alias": a, "code": code, "note": note})
            taken.add(a)

    def name(n: str, code: str, lang: str, note: str) -> None:
        names.append({"name": n, "code": code, "lang": lang, "note": note})

    # Kosovo
    unit(code=XKX["code"], parent="WORLD", level="2", kind="country", name_en=XKX["name_en"],
         name_kk=XKX["name_kk"], name_ru=XKX["name_ru"], note=XKX["note"])  # fmt: skip
    for a in XKX["aliases"]:
        alias(a, "XKX", "Kosovo (World Bank, EU, IMF)")
    for region, extra in WHO_ALIASES.items():
        for a in extra:
            alias(a, f"WHO-{region}", "WHO region code (UNICEF, WHO regional offices)")

    # UN WPP 2024 locations: countries' groupings
    with open(SHARED / "series/un_wpp/wpp2024_UNlocations.txt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    numeric = {c.numeric.lstrip("0"): c.alpha_3 for c in pycountry.countries}
    numeric["412"] = "XKX"
    loc_name = {r["country_code"]: r["name"] for r in rows}
    wpp_note = "members as in UN WPP 2024 (UNlocations)"
    for loc, (code, what, extra, name_kk, name_ru) in UN_GROUPS.items():
        label = {"wb_income": "World Bank income group", "sdg_region": "UN SDG region",
                 "un_group": "UN group"}[what]  # fmt: skip
        unit(code=code, parent="WORLD", level="1", kind="group", name_en=loc_name[loc],
             name_kk=name_kk, name_ru=name_ru,
             note=f"{label}; {wpp_note}, LocID {loc}" + (
                 "; the World Bank's classification of the WPP 2024 vintage"
                 if what == "wb_income" else ""))  # fmt: skip
        for a in extra:
            alias(a, code, f"{label} code")
        alias(loc, code, "UN WPP LocID")
    m49_name = {}
    for r in rows:
        if r["country_code"] in WPP_TO_M49:
            m49_name[WPP_TO_M49[r["country_code"]]] = r["name"]
    m49_name["019"] = "Americas"
    continents = {"002", "142", "150", "009", "019"}
    for m49, label in sorted(m49_name.items()):
        parent = "WORLD"
        level = "1"
        if m49 not in continents:
            parent, level = "M49-019" if m49 in ("419", "021") else "", "2"
        unit(code=f"M49-{m49}", parent=parent, level=level, kind="group", name_en=label,
             note=f"UN M49 geographic region {m49}; {wpp_note}")  # fmt: skip
        alias(f"UN{m49}", f"M49-{m49}", "UN M49 code")
        for a in M49_ALIASES.get(m49, []):
            alias(a, f"M49-{m49}", "UN SDG (M49) region code (UNICEF)")
    members: dict[str, set[str]] = {}
    for r in rows:
        if r["location_type"] != "4":
            continue
        iso3 = numeric.get(r["country_code"])
        if iso3 is None:
            continue  # Channel Islands (830): not an ISO country
        for col, v in r.items():
            if col.startswith("agcode_") and v not in ("-1", ""):
                loc = col.removeprefix("agcode_").removesuffix("000")
                if loc in UN_GROUPS:
                    members.setdefault(UN_GROUPS[loc][0], set()).add(iso3)
        sub = WPP_TO_M49.get(r["reg_code"])
        cont = WPP_TO_M49.get(r["area_code"])
        for m49 in (sub, cont):
            if m49:
                members.setdefault(f"M49-{m49}", set()).add(iso3)
        if cont in ("419", "021"):
            members.setdefault("M49-019", set()).add(iso3)
        if iso3 in by_code and r["name"] != by_code[iso3]["name_en"]:
            name(r["name"], iso3, "en", "UN WPP 2024 location name")
    # sub-regions take their continent as parent
    for r in rows:
        sub, cont = WPP_TO_M49.get(r["reg_code"]), WPP_TO_M49.get(r["area_code"])
        if sub and cont and by_code[f"M49-{sub}"]["parent"] == "":
            by_code[f"M49-{sub}"]["parent"] = f"M49-{cont}"
            by_code[f"M49-{sub}"]["level"] = "2"
    for u in units:
        if u["code"].startswith("M49-") and u["parent"] == "":
            u["parent"], u["level"] = "WORLD", "1"
    for u in units:  # parents before children in the table: one pass sets the levels
        if u["code"].startswith("M49-"):
            u["level"] = str(int(by_code[u["parent"]]["level"]) + 1)
    for group, codes in sorted(members.items()):
        for c in sorted(codes):
            groups.append({"group": group, "member": c, "role": "member"})
    for code, label in UNICEF_REGIONS.items():
        unit(code=code, parent="WORLD", level="1", kind="group", name_en=label,
             note="UNICEF region (code of UNICEF's SDMX codelist); members not bundled")  # fmt: skip
    for group_name, code in (
        ("High income", "HIC"), ("Upper middle income", "UMC"), ("Lower middle income", "LMC"),
        ("Low income", "LIC"), ("Middle income", "MIC"), ("Low & middle income", "LMY"),
        ("High-income countries", "HIC"), ("Upper-middle-income countries", "UMC"),
        ("Lower-middle-income countries", "LMC"), ("Low-income countries", "LIC"),
        ("Middle-income countries", "MIC"), ("Low- and middle-income countries", "LMY"),
        ("Least developed countries", "LDC"),
    ):  # fmt: skip
        name(group_name, code, "en", "World Bank / OWID / UN spelling")

    # ISO 3166-2 subdivisions
    ru2 = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    kk2 = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["kk"], fallback=True)
    subs = {s.code: s for s in pycountry.subdivisions}

    def depth(code: str) -> int:
        parent = subs[code].parent_code
        return 3 if not parent or parent not in subs else depth(parent) + 1

    bracket = re.compile(r"^(.*?)\s*\[(.*?)\]$")
    for code in sorted(subs):
        s = subs[code]
        country = pycountry.countries.get(alpha_2=s.country_code)
        if country is None:
            continue
        m = bracket.match(s.name)
        main = m[1].strip() if m else s.name
        alt = re.sub(r"\s+[A-Z]{2}-[A-Z0-9]+$", "", m[2]).strip() if m else ""
        if code.startswith("KZ-"):
            if code in by_code:  # hand-kept: pycountry's name goes to the name table only
                name(main, code, "", "ISO 3166-2 name (pycountry)")
            continue
        parent = s.parent_code if s.parent_code in subs else country.alpha_3
        kkn, run = kk2.gettext(s.name), ru2.gettext(s.name)
        unit(code=code, parent=parent, level=str(depth(code)), kind=subdivision_kind(s.type),
             name_en=main, name_kk=kkn if kkn != s.name else "", name_ru=run if run != s.name else "",
             note=f"ISO 3166-2 {s.type}")  # fmt: skip
        if alt:
            name(alt, code, "", "ISO 3166-2 name in another language")
        # no alias without the dash: "FR10" is Ile-de-France in Eurostat's NUTS, not the Aube
        # department FR-10 ("PT11", "FI19", "LT01", "HR03" likewise), and "ARB" the World Bank's
        # Arab World, not Argentina's AR-B: a code without its dash would be a guess

    # country names: ISO official and common names, and the spellings of other publishers
    for c in pycountry.countries:
        own = by_code[c.alpha_3]["name_en"]
        for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
            if n and n != own:
                name(n, c.alpha_3, "en", "ISO 3166-1 name (pycountry)")
        official = getattr(c, "official_name", None)
        if official:
            for lang, tr in (("ru", ru), ("kk", kk)):
                t = tr.gettext(official)
                if t != official:
                    name(t, c.alpha_3, lang, "ISO 3166-1 official name (iso-codes)")
    for code, spellings in NAMES_EXTRA.items():
        for n in spellings:
            name(n, code, "", "UN, World Bank, WHO or OWID spelling")
    # a spelling that is another country's own name is dropped (the unit's own names win; the
    # iso-codes Kazakh official name of Nepal, for one, is the Central African Republic's)
    own: dict[str, set[str]] = {}
    for u in units:
        if u["kind"] == "country" and not u["valid_to"]:
            for n in (u["name_en"], u["name_kk"], u["name_ru"]):
                if n:
                    own.setdefault(n.casefold(), set()).add(u["code"])
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in names:
        key = (row["name"], row["code"])
        if own.get(row["name"].casefold(), {row["code"]}) - {row["code"]}:
            continue
        if key not in seen and row["code"] in by_code:
            seen.add(key)
            unique.append(row)
    names[:] = unique


if __name__ == "__main__":
    main()
