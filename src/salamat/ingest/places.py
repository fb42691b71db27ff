"""Place names to org units: ``Türkiye``, ``Turkey``, ``Kyrgyz Republic``, ``Viet Nam``,
``Iran (Islamic Republic of)``, ``Казахстан``, ``Қазақстан`` ... each to one code.

A name is compared by its *key* (:func:`name_key`): Unicode compatibility decomposition, accents
removed, case folded, punctuation and the words "the" and "and"/"&" dropped, spaces collapsed,
so that ``Côte d'Ivoire``, ``Cote d'Ivoire`` and ``COTE DIVOIRE`` are one key. The names known are
each unit's English, Kazakh and Russian names, its codes and aliases, and the name table
(``orgunit_name``: official and common names from ISO 3166 via pycountry, and the spellings of
the UN, World Bank, WHO and Our World in Data, ``src/salamat/data/orgunits/names.csv``).

Nothing is guessed: a key that names two units is ambiguous, and reported with both codes; an
unknown name stays unknown. There is no fuzzy matching.
"""

from __future__ import annotations

from collections.abc import Iterable

from salamat.errors import InputError, Problem
from salamat.store.reference import Catalog, name_key

__all__ = ["ambiguous_message", "area_name_candidates", "name_key", "resolve_area_names"]


def area_name_candidates(
    catalog: Catalog, names: Iterable[str], *, within: str | None = None
) -> dict[str, list[str]]:
    """Every org unit each name may mean: ``[]`` unknown, one code, or several (ambiguous).

    Names are looked for among the units above the subdivisions of countries (countries, former
    countries, groups, regions of the world) unless ``within`` names a country: then among that
    country's subdivisions (so "Georgia" is the country, and ``within="USA"`` the state). An
    exact code or alias (``KAZ``, ``kz``, ``KZ-75``) counts as its unit in any scope. A former
    country (ISO 3166-3, with a ``valid_to``) is matched by a name only when no current unit
    has it.
    """
    index = catalog.name_index
    country_of = catalog.country_of
    scope = None if within is None else catalog.resolve(within)

    def in_scope(code: str) -> bool:
        country = country_of.get(code)
        if scope is None:
            return country is None or country == code
        return country == scope and code != scope

    out: dict[str, list[str]] = {}
    for name in names:
        if name in out:
            continue
        text = name.strip()
        code = catalog.resolve(text) or catalog.resolve(text.upper())
        if code is not None:
            out[name] = [code]
            continue
        found = [c for c in index.get(name_key(text), ()) if in_scope(c)]
        current = [c for c in found if catalog.orgunits[c].valid_to is None]
        if current and len(current) < len(found):
            found = current  # "East Timor": Timor-Leste, not the withdrawn ISO code TMP
        out[name] = sorted(found)
    return out


def resolve_area_names(
    catalog: Catalog, names: Iterable[str], *, within: str | None = None
) -> dict[str, str]:
    """The org-unit code of each name that means exactly one unit (in the scope of
    :func:`area_name_candidates`).

    Names Salamat does not know are left out of the result (the caller reports them, with its
    file, row and field). A name that matches two or more units raises :class:`InputError`
    naming every unit it may mean, with one :class:`Problem` per ambiguous name.
    """
    candidates = area_name_candidates(catalog, names, within=within)
    ambiguous = {n: c for n, c in candidates.items() if len(c) > 1}
    if ambiguous:
        problems = [
            Problem("", None, "area", ambiguous_message(catalog, n, c), n)
            for n, c in ambiguous.items()
        ]
        raise InputError("; ".join(p.message for p in problems), problems)
    return {n: c[0] for n, c in candidates.items() if len(c) == 1}


def ambiguous_message(catalog: Catalog, name: str, codes: list[str]) -> str:
    """``'Georgia' names more than one org unit: GEO (Georgia), US-GA (Georgia) ...``."""
    units = ", ".join(
        f"{c} ({catalog.orgunits[c].name_en})" if c in catalog.orgunits else c for c in codes
    )
    return (
        f"the name {name!r} names more than one org unit: {units}; use the code, "
        f"or --map (area,{name},<code>)"
    )
