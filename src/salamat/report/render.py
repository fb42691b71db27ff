"""Charts of a report: the pages' Vega-Lite specifications rendered offline to SVG.

vl-convert (the Vega team's renderer, embedded Deno and fonts) draws the same specification the
browser draws on the pages, with the report language's number format (decimal comma and
no-break space between thousands in Kazakh and Russian, as Babel writes them).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["FONT", "chart_svg"]

# the PDF embeds Typst's own fonts; the HTML falls back on the reader's sans-serif
FONT = "Libertinus Serif, DejaVu Sans, sans-serif"

_LOCALES = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]},
    "kk": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", ""]},
    "ru": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", ""]},
}


def chart_svg(spec: dict[str, Any], lang: str, *, width: int = 520, height: int = 190) -> str:
    """``spec`` drawn as an SVG document ``width`` pixels wide (the page's specs fill their
    container, which a file has not)."""
    import vl_convert as vlc

    fixed = copy.deepcopy(spec)
    fixed["width"] = width
    fixed["height"] = height
    fixed["autosize"] = {"type": "fit", "contains": "padding"}
    fixed.setdefault("config", {})["font"] = FONT
    fixed["background"] = "white"
    return str(vlc.vegalite_to_svg(fixed, format_locale=_LOCALES.get(lang, _LOCALES["en"])))
