"""Charts of a report: the pages' Vega-Lite specifications rendered offline to SVG.

vl-convert (the Vega team's renderer, embedded Deno and fonts) draws the same specification the
browser draws on the pages, with the report language's number format (decimal comma and
no-break space between thousands in Kazakh and Russian, as Babel writes them).
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["FONT", "chart_svg"]

# the PDF embeds Typst's own fonts; the HTML falls back on the reader's sans-serif
FONT = "Libertinus Serif, DejaVu Sans, sans-serif"

_LOCALES = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]},
    "kk": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", ""]},
    "ru": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", ""]},
}


_ID = re.compile(r'\bid="([^"]+)"')


def _own_ids(svg: str, key: str) -> str:
    """The SVG's element ids (clip paths, gradients) renamed ``KEY-1``, ``KEY-2`` ... in order:
    vl-convert numbers them by a counter that runs across a process, so the same chart would
    come out different the second time, and two charts in one HTML file would share ids."""
    ids = list(dict.fromkeys(_ID.findall(svg)))
    if not ids:
        return svg
    names = {old: f"{key}-{i}" for i, old in enumerate(ids, start=1)}
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(map(re.escape, ids)) + r')(?=[")])')
    return pattern.sub(lambda m: m.group(1) + names[m.group(2)], svg)


def chart_svg(
    spec: dict[str, Any], lang: str, *, width: int = 520, height: int = 190, key: str = "chart"
) -> str:
    """``spec`` drawn as an SVG document ``width`` pixels wide (the page's specs fill their
    container, which a file has not); its element ids start with ``key``."""
    import vl_convert as vlc

    fixed = copy.deepcopy(spec)
    fixed["width"] = width
    fixed["height"] = height
    fixed["autosize"] = {"type": "fit", "contains": "padding"}
    fixed.setdefault("config", {})["font"] = FONT
    fixed["background"] = "white"
    svg = str(vlc.vegalite_to_svg(fixed, format_locale=_LOCALES.get(lang, _LOCALES["en"])))
    return _own_ids(svg, key)
