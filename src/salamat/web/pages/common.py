"""What every page shares: the router, rendering in the page's language, words and helpers."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from salamat.api.auth import hidden_areas, min_count
from salamat.api.cache import AudienceMemo, Memo
from salamat.api.deps import audience_of, get_store
from salamat.services import web as svc
from salamat.store.connection import Store
from salamat.web import charts, texts
from salamat.web.i18n import (
    LANG_NAMES,
    LANGS,
    Gettext,
    best_lang,
    fmt_number,
    translator,
    years_word,
)

router = APIRouter(include_in_schema=False)
StoreDep = Annotated[Store, Depends(get_store)]
HOME_AREA = "KAZ"
GROUP = "OTS"
WARNING_WORDS = re.compile(r"\b[A-Z]{4,}\b")

_env = Environment(
    loader=FileSystemLoader(str(resources.files("salamat") / "web" / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


# the words of each language are built once per process, not on every page or helper call
# (``translator(lang)`` is the same cached catalogue's gettext, so it keys the cache)
@cache
def _status_words(_: Gettext) -> dict[str, tuple[str, str]]:
    return {
        "achieved": (_("Achieved"), "✓"),
        "on_track": (_("On track"), "↗"),
        "needs_acceleration": (_("Needs acceleration"), "!"),
        "off_track": (_("Off track"), "✗"),
        "moving_away": (_("Moving away"), "↘"),
        "insufficient_data": (_("Insufficient data"), "?"),
    }


FLAG_SYMBOL = "⚑"


@cache
def _flag_words(_: Gettext) -> dict[str, str]:
    """What each quality rule means, in the page's language (docs/quality.md)."""
    return {
        "yoy_outlier": _("Unusual change from the year before"),
        "source_break": _("The source changes within this series"),
        "source_disagreement": _("Two sources disagree"),
        "peer_outlier": _("Far from its peers"),
        "revision": _("Revised value"),
        "consistency_over_time": _("Far from the mean of the three years before"),
        "related_indicators": _("Inconsistent with a related indicator"),
        "ill_defined_share": _("Many deaths with ill-defined causes"),
        "garbage_share": _("Many deaths with garbage codes"),
        "injury_unspecified_share": _("Many injury deaths of unspecified intent or mechanism"),
        "unknown_age_sex": _("Records without age or sex"),
        "completeness": _("Death registration incomplete or implausible"),
        "input_flag": _("Computed from a flagged input"),
    }


def _flag_text(flags: list[tuple[str, str, str]], _: Gettext, lang: str) -> str:
    """One tooltip for a value's flags: each rule in words, then its message (numbers)."""
    words = _flag_words(_)
    return "; ".join(
        f"{words.get(rule, rule)}: {texts.flag_message(message, lang)}"
        for rule, _sev, message in flags
    )


def _input_flag_lines(flags: list[dict[str, Any]] | None, _: Gettext, lang: str) -> list[str]:
    """The flags of a computed value's inputs (services/carried.py), one line each: the year,
    the rule in words, the input and the input's own message, in the page's language."""
    words = _flag_words(_)
    return [
        f"{f['year']}: {words.get(str(f['code']), str(f['code']))} "
        f"({texts.flag_message(str(f['input']), lang)}): {texts.flag_message(str(f['message']), lang)}"
        for f in flags or []
    ]


@cache
def _sex_words(_: Gettext) -> dict[str, str]:
    return {"total": _("Both sexes"), "female": _("Female"), "male": _("Male")}


@cache
def _cause_words(_: Gettext) -> dict[str, str]:
    return {
        "circulatory": _("Circulatory diseases"),
        "cancer": _("Cancers"),
        "respiratory_chronic": _("Chronic respiratory diseases"),
        "diabetes": _("Diabetes"),
        "tuberculosis": _("Tuberculosis"),
        "external": _("External causes"),
        "ill_defined": _("Ill-defined causes"),
        "other": _("Other causes"),
        "all": _("All causes"),
    }


def _decomposition_view(
    decomposition: dict[str, Any], ages: list[str], _: Gettext
) -> tuple[dict[str, Any], list[tuple[str, float]]]:
    """A decomposition (:func:`salamat.services.web.decomposition`) as its chart (stacked bars
    by age band and cause, in the language of ``_``) and each cause's total contribution, in
    the order of its causes."""
    words = _cause_words(_)
    causes = [(c, words.get(c, c)) for c in decomposition["causes"]]
    long = [
        {
            "age": r["age"],
            "cause": r["cause"],
            "cause_name": words.get(r["cause"], r["cause"]),
            "contribution": float(r["contribution"]),
        }
        for r in decomposition["long"].to_dict(orient="records")
    ]
    spec = charts.decomposition_chart(
        long,
        ages,
        causes,
        _=_,
        description=_("Contribution of each age group and cause to the change in life expectancy"),
    )
    sums = decomposition["table"][[c for c, _n in causes]].sum()
    return spec, [(words.get(c, c), float(sums[c])) for c, _n in causes]


@cache
def _unit_words(_: Gettext) -> dict[str, str]:
    """The units of the bundled catalogue; a user's own unit is shown as written."""
    return {
        "years": _("years"),
        "%": "%",
        "% of GDP": _("% of GDP"),
        "births": _("births"),
        "deaths": _("deaths"),
        "persons": _("persons"),
        "organisations": _("organisations"),
        "facilities": _("facilities"),
        "bn KZT": _("bn KZT"),
        "per person-year": _("per person-year"),
        "per 1,000 live births": _("per 1,000 live births"),
        "per 1,000 population": _("per 1,000 population"),
        "per 1,000 uninfected population": _("per 1,000 uninfected population"),
        "per 1,000 women in the age group": _("per 1,000 women in the age group"),
        "per 100,000 live births": _("per 100,000 live births"),
        "per 100,000 population": _("per 100,000 population"),
    }


def _unit(info: dict[str, Any], _: Gettext) -> str:
    raw = str(info.get("unit") or "")
    return _unit_words(_).get(raw, raw)


def _lang(request: Request) -> str:
    return best_lang(
        request.query_params.get("lang"),
        request.cookies.get("salamat_lang"),
        request.headers.get("accept-language"),
    )


def _memo(request: Request) -> AudienceMemo:
    memo: Memo = request.app.state.memo
    return AudienceMemo(memo, audience_of(request))


def _render(request: Request, template: str, page: str, status: int = 200, **ctx: Any) -> Response:
    lang = _lang(request)
    _ = translator(lang)

    def lang_url(code: str) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        return f"{request.url.path}?{urlencode(params)}"

    def num(value: float | None, digits: int = 1) -> str:
        return fmt_number(value, lang, digits)

    def years_of(value: float | None, digits: int = 1) -> str:
        return years_word(value, lang, digits)

    nav = [
        ("targets", "/", _("Targets")),
        ("explorer", "/explorer", _("Indicators")),
        ("map", "/map", _("Map")),
        ("compare", "/compare", _("Compare")),
        ("lifetable", "/lifetable", _("Life tables")),
    ]
    signed_in = getattr(request.state, "user", None)
    if signed_in is not None and signed_in.role in ("admin", "editor"):
        # the import log with its drafts and the approve button (pages/imports.py)
        nav.append(("imports", "/imports", _("Imports")))
    elif signed_in is None:
        # local mode (no accounts): the local user, an admin, imports through the upload page
        nav.append(("upload", "/imports/new", _("Import data")))
    html = _env.get_template(template).render(
        request=request,
        page=page,
        lang=lang,
        langs=LANGS,
        lang_names=LANG_NAMES,
        lang_url=lang_url,
        nav=nav,
        num=num,
        years_of=years_of,
        data=lambda text: texts.data_text(text, lang),
        said=lambda text: texts.sentence(text, lang),
        flag_message=lambda text: texts.flag_message(text, lang),
        source_words=lambda text: texts.source_text(text, lang),
        flag_words=_flag_words(_),
        user=getattr(request.state, "user", None),
        csrf=getattr(request.state, "csrf", None),
        _=_,
        **ctx,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("salamat_lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    _ = translator(_lang(request))
    title = _("Not found") if status == 404 else _("Something is wrong with the request")
    return _render(request, "error.html", "error", status=status, title=title, message=message)


def _unit_name(units: dict[str, svc.Unit], code: str, lang: str) -> str:
    return units[code].name(lang) if code in units else code


def _indicator_name(info: dict[str, Any], lang: str) -> str:
    names: dict[str, str] = info["names"]
    return names.get(lang) or names["en"]


_OPENS = {"«": "»", "(": ")", "[": "]", "“": "”", "„": "“"}


def _outside_quotes(text: str) -> list[bool]:
    """For each character of ``text``: is it outside every pair of quotes and brackets
    (« », ( ), [ ], “ ”, „ “; straight double quotes pair with the next one)?"""
    out: list[bool] = []
    stack: list[str] = []
    for ch in text:
        if stack and ch == stack[-1]:
            stack.pop()
            out.append(False)
        elif ch in _OPENS:
            stack.append(_OPENS[ch])
            out.append(False)
        elif ch == '"':
            stack.append('"')
            out.append(False)
        else:
            out.append(not stack)
    return out


def _short(text: str, limit: int = 80) -> str:
    """The first clause of a long document title, cut at a word, never inside quotes or
    brackets: a title whose quoted name runs past ``limit`` keeps the name whole."""
    outside = _outside_quotes(text)
    colon = next((i for i, ch in enumerate(text) if ch == ":" and outside[i]), len(text))
    head = text[:colon]
    for decree in (", Government Decree", ", постановление Правительства", ", ҚР Үкіметінің"):
        at = head.find(decree)
        if at >= 0 and outside[at]:
            head = head[:at]
    if len(head) <= limit:
        return head
    cuts = [i for i, ch in enumerate(head) if ch == " " and outside[i]]
    before = [i for i in cuts if i <= limit]
    if before:
        return head[: before[-1]].rstrip(" ,;") + "…"
    after = [i for i in cuts if i > limit]
    return head if not after else head[: after[0]].rstrip(" ,;") + "…"


def _probability(prob: float | None, lang: str) -> str | None:
    """A probability as a percentage with one decimal in the page's locale, never rounded to
    a certainty (the command line's :func:`~salamat.methods.targets.format_probability`)."""
    if prob is None:
        return None
    if prob > 0.999:
        return "> " + fmt_number(99.9, lang, 1)
    if prob < 0.001:
        return "< " + fmt_number(0.1, lang, 1)
    return fmt_number(100 * prob, lang, 1)


def _export(
    request: Request,
    _: Gettext,
    *,
    title: str,
    what: list[str],
    sources: list[str],
    synthetic: bool = False,
) -> dict[str, Any]:
    """What a downloaded chart carries, and the citation shown under it to copy.

    A PNG or SVG leaves the page, so it carries its own title, the area, years and unit
    (``what``), the source with its vintage, the SYNTHETIC label where it applies, and where
    it came from: the view's URL and the date. ``{year}`` is filled in by the page (the map's
    slider).
    """
    lang = _lang(request)
    today = format_date(date.today(), format="long", locale=lang)
    url = str(request.url)
    where = ", ".join(w for w in what if w)
    source = f"{_('Source')}: {'; '.join(sources) or '–'}"
    subtitle = [where, source]
    if synthetic:
        subtitle.append(_("SYNTHETIC data") + ": " + _("generated records, not real deaths"))
    subtitle.append(f"Salamat · {url} · {today}")
    # Vega draws each subtitle line as one line: long sources are wrapped to the image width
    subtitle = [part for line in subtitle for part in textwrap.wrap(line, 110) or [""]]
    cite = f"{title}. {where}. {source}. Salamat, {url} ({_('accessed')} {today})."
    if synthetic:
        cite = f"{_('SYNTHETIC data')}. {cite}"
    return {"title": title, "subtitle": subtitle, "cite": cite}


def _digits(values: list[float]) -> int:
    """The decimals the values are published with (0, 1 or 2), so 3.92 stays 3.92 and a count
    stays whole; values with more decimals (computed ones) are shown with 2."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    for d in (0, 1):
        if np.all(np.abs(np.round(arr, d) - arr) < 1e-9):
            return d
    return 2


def _span_text(years: list[int]) -> str:
    return f"{min(years)}–{max(years)}" if years else ""


def _source_items(items: list[tuple[str, str]], _: Gettext) -> list[str]:
    return [f"{s} ({_('vintage')} {v})" if v else s for s, v in items]


def _catalogue(store: Store) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in svc.indicators(store)}


def _reader(request: Request, store: Store) -> tuple[Callable[[str], bool] | None, int]:
    """Whose small cells this reader may not see (``None``: everything shown) and the
    server's threshold (:func:`salamat.api.auth.hidden_areas`)."""
    return hidden_areas(request, store), min_count(request)


def _suppressed_values_note(count: int, n: int, _: Gettext) -> str | None:
    """The page's sentence for values left out by disclosure control (none: no sentence)."""
    if not count:
        return None
    return _(
        "%(count)s values computed from the unit records are not shown: they rest on cells with fewer than %(n)s deaths (PHE's rule: no statistic on fewer than %(n)s events). Users whose org units include the area see them."
    ) % {"count": count, "n": n}
