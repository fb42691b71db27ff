"""Did-you-mean for codes a user typed: the closest indicator and org-unit codes, by code and by
name in English, Kazakh and Russian (:mod:`difflib`, ratio >= 0.6), never the whole catalogue.
"""

from __future__ import annotations

import difflib

from salamat.store.connection import Store
from salamat.store.queries import catalogue_frame
from salamat.store.web import orgunit_frame

__all__ = ["area_hint", "closest", "indicator_hint"]


def closest(word: str, names: dict[str, str], n: int = 3) -> list[str]:
    """Codes whose code or name is closest to ``word`` (case-insensitive), best first.

    ``names`` maps a lower-cased code or name to its code.

    Examples
    --------
    >>> closest("LE0", {"le0": "le0", "le60": "le60", "life expectancy at birth": "le0"})
    ['le0', 'le60']
    """
    w = word.strip().lower()
    exact = [names[w]] if w in names else []
    starts = sorted((k for k in names if k.startswith(w) and k != w), key=len)[: n * 3] if w else []
    found = difflib.get_close_matches(w, list(names), n=n * 3, cutoff=0.6)
    return list(dict.fromkeys([*exact, *(names[k] for k in starts), *(names[f] for f in found)]))[
        :n
    ]


def indicator_hint(store: Store, word: str) -> str:
    """``did you mean le0 (Life expectancy at birth)?`` and where the full list is."""
    frame = catalogue_frame(store, "indicators")
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for r in frame.to_dict(orient="records"):
        code = str(r["code"])
        titles[code] = str(r["name_en"] or code)
        for key in (code, r["name_en"], r["name_kk"], r["name_ru"]):
            if key:
                names.setdefault(str(key).lower(), code)
    best = closest(word, names)
    tail = f"{len(titles)} codes: salamat info --indicators (or GET /api/v1/indicators)"
    if not best:
        return f"no indicator code is close; the catalogue lists {tail}"
    return "did you mean " + ", ".join(f"{c} ({titles[c]})" for c in best) + f"? {tail}"


def area_hint(store: Store, word: str) -> str:
    """``did you mean KZ-75 (Almaty), KZ-19 (Almaty Region)?`` over codes and names."""
    frame = orgunit_frame(store)
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for r in frame.to_dict(orient="records"):
        code = str(r["code"])
        titles[code] = str(r["name_en"] or code)
        for key in (code, r["name_en"], r["name_kk"], r["name_ru"]):
            if key:
                names.setdefault(str(key).lower(), code)
    best = closest(word, names)
    if not best:
        return "expected an org-unit code such as KAZ or KZ-75 (salamat info --areas KAZ)"
    return "did you mean " + ", ".join(f"{c} ({titles[c]})" for c in best) + "?"
