"""The target board (the landing page): every target's card with its status, projection and flags."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from salamat.errors import InputError, MethodError
from salamat.methods.disclosure import too_few
from salamat.services import disclosure
from salamat.services import quality as quality_svc
from salamat.services import web as svc
from salamat.services.events import in_language
from salamat.store.connection import Store
from salamat.web import charts, texts
from salamat.web.i18n import Gettext, translator
from salamat.web.pages.common import (
    HOME_AREA,
    WARNING_WORDS,
    StoreDep,
    _cause_words,
    _flag_text,
    _lang,
    _memo,
    _probability,
    _reader,
    _render,
    _sex_words,
    _short,
    _status_words,
    _suppressed_values_note,
    _unit,
    _unit_name,
    router,
)

# the cause groups ``salamat scenario`` takes (salamat.services.scenario), in the form's order
SCENARIO_CAUSES = (
    "circulatory",
    "cancer",
    "respiratory_chronic",
    "diabetes",
    "ncd4",
    "tuberculosis",
    "external",
    "ill_defined",
)
SCENARIO_LEVEL = 0.95
SCENARIO_HORIZON = 50  # years after the base year, as the explorer's forecasts


@cache
def _calibration_words(_: Gettext) -> dict[str, str]:
    """How each card's interval and probability were calibrated, by the record's
    ``calibration.family`` (:mod:`salamat.methods.trend_calibration`)."""
    return {
        "wpp_e0": _(
            "interval and probability widened for changes of trend, as measured on the life expectancy of 236 countries (UN WPP 2024): this series is a modelled estimate"
        ),
        "who_tb": _(
            "interval and probability widened for changes of trend, as measured on the TB incidence of 215 countries (WHO estimates): this series is a modelled estimate"
        ),
        "who_ghe": _(
            "interval and probability widened for changes of trend, as measured on the 30q70 of 185 countries (WHO Global Health Estimates): this series is a modelled estimate"
        ),
        "plain": _(
            "interval and probability not widened: on registration data the plain trend was found calibrated"
        ),
    }


def _scenario_card(rec: dict[str, Any]) -> bool:
    """The cards that carry the scenario panel: life expectancy at birth in the home area."""
    return (
        rec["indicator"] == "le0"
        and rec["area"] == HOME_AREA
        and rec["target"]["value"] is not None
        and bool(rec["series"])
    )


def _scenario(
    store: Store,
    rec: dict[str, Any],
    causes: list[str],
    decline: str,
    until: str,
    solve: bool,
    _: Gettext,
    limit: int | None = None,
    lang: str = "en",
    ages: str = "",
) -> dict[str, Any]:
    """A card's what-if panel: the form's values and, when asked, the scenario's rows, the year
    the target is reached under it (or None), the SYNTHETIC label, the decline ``solve`` found,
    where the path starts beside the card's published value of that year, or the reason there
    is no scenario (a message in the page's language, never an exception). ``ages``
    (``30-69``, several joined by commas; empty: every age) restricts the decline to those
    ages."""
    from salamat.services import scenario as scen

    target_year = int(rec["target"]["year"])
    panel: dict[str, Any] = {
        "asked": True,
        "causes": causes,
        "decline": decline,
        "until": until.strip() or str(target_year),
        "rows": [],
        "error": None,
        "reached": None,
        "synthetic": False,
        "solved": None,
        "base_year": None,
        "ages": ages.strip(),
        "start": None,
        "published": None,
    }
    if not causes or any(c not in SCENARIO_CAUSES for c in causes):
        panel["error"] = _("Choose one or more of the causes listed.")
        return panel
    text = panel["until"].strip()
    if not text.isdigit():
        panel["error"] = _("Until: expected a year such as %(year)s.") % {"year": target_year}
        return panel
    horizon = int(text)
    rate = 0.0
    if not solve:
        try:
            pct = float(decline.strip().replace(",", ".").replace("\u2212", "-"))
        except ValueError:
            pct = float("nan")
        if not 0.0 <= pct <= 100.0:  # NaN fails too
            panel["error"] = _(
                "Decline: expected a number of percent a year from 0 to 100, such as 3."
            )
            return panel
        rate = -pct / 100.0
    try:
        data = scen.inputs(store, rec["indicator"], rec["area"], causes=causes, sex=rec["sex"])
        base = int(data.year[-1])
        panel["base_year"] = base
        panel["synthetic"] = data.synthetic
        if limit is not None and disclosure.rests_on_unit_records(data.source):
            # disclosure control: deaths by age band (all causes and the chosen ones)
            small = [
                int(y)
                for k, y in enumerate(data.year)
                if too_few(data.deaths_all[k], limit) or too_few(data.deaths_cause[k], limit)
            ]
            if small:
                panel["error"] = _(
                    "No scenario: the chosen causes rest on cells of the unit records with fewer than %(n)s deaths (%(years)s), which are not shown to this reader (PHE's rule: no statistic on fewer than %(n)s events)."
                ) % {"n": limit, "years": ", ".join(str(y) for y in small)}
                return panel
        panel["start"] = data.start_value
        # the value the card's own chart shows for the base year (its chosen series)
        panel["published"] = next(
            (p for p in rec["series"] if int(p["year"]) == base and p.get("value") is not None),
            None,
        )
        bands = [a.strip() for a in panel["ages"].split(",") if a.strip()] or None
        if not base < horizon <= base + SCENARIO_HORIZON:
            panel["error"] = _("Until: expected a year after %(first)s, at most %(last)s.") % {
                "first": base,
                "last": base + SCENARIO_HORIZON,
            }
            return panel
        target = float(rec["target"]["value"])
        if solve:
            rate = float(
                scen.solve(data, until=horizon, target=target, ages=bands)["change_per_year"]
            )
            panel["solved"] = -rate * 100.0
            panel["decline"] = f"{-rate * 100.0:.2f}"
        path, rows = scen.run(
            data, change=rate, until=horizon, target=target, level=SCENARIO_LEVEL, ages=bands
        )
    except (InputError, MethodError) as exc:
        reason = texts.service_reason(str(exc.args[0]), lang)
        panel["error"] = _("No scenario: %(reason)s") % {"reason": reason}
        return panel
    panel["rows"] = rows
    panel["reached"] = path.reached
    panel["until"] = str(horizon)
    return panel


REPORT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


@router.get("/report")
def report_download(
    request: Request,
    store: StoreDep,
    format: str = "pdf",
    year: str = "",
    targets: str = "all",
) -> Response:
    """The progress report of the targets page as a file (``salamat report``'s options)."""
    from salamat.errors import InputError
    from salamat.report import build_report
    from salamat.report.writers import report_html, report_pdf, report_xlsx

    lang = _lang(request)
    if format not in REPORT_TYPES:
        raise InputError(f"format={format}: expected pdf, xlsx or html")
    as_of: int | None = None
    if year.strip():
        if not year.strip().isdigit():
            raise InputError(
                f"year={year}: expected a year such as 2023, or nothing for the latest"
            )
        as_of = int(year)
    codes = (
        None
        if targets.strip() in ("", "all")
        else [c.strip() for c in targets.split(",") if c.strip()]
    )
    query = f"?format={format}&lang={lang}" + (f"&year={as_of}" if as_of else "")
    hidden, limit = _reader(request, store)
    report = build_report(
        store,
        area=HOME_AREA,
        year=as_of,
        lang=lang,
        targets=codes,
        command=f"GET /report{query}",
        suppress=None if hidden is None else (limit, hidden),
    )
    if format == "html":
        body = report_html(report).encode("utf-8")
    elif format == "pdf":
        body = report_pdf(report)
    else:
        body = report_xlsx(report)
    name = f"salamat_report_{report.area}_{as_of or 'latest'}_{lang}.{format}"
    return Response(
        body,
        media_type=REPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/", response_class=HTMLResponse)
def targets_page(
    request: Request,
    store: StoreDep,
    scenario: str = "",
    cause: Annotated[list[str] | None, Query()] = None,
    decline: str = "",
    until: str = "",
    solve: str = "",
    ages: str = "",
) -> Response:
    """The target board; ``scenario=CODE`` with ``cause`` (repeated), ``decline`` (% a year),
    ``until``, optionally ``ages`` (``30-69``) and ``solve`` adds a what-if scenario to that
    life-expectancy card."""
    lang = _lang(request)
    _ = translator(lang)
    cause_words = _cause_words(_)
    scenario_causes = [
        (
            c,
            cause_words.get(c)
            or _("Four major NCDs (circulatory, cancers, diabetes, chronic respiratory)"),
        )
        for c in SCENARIO_CAUSES
    ]
    board = _memo(request).get(("targets", HOME_AREA), lambda: svc.target_board(store, HOME_AREA))
    hidden, limit = _reader(request, store)
    if hidden is not None:  # disclosure control: a copy for this reader, never the memo's
        board = disclosure.target_board(store, board, limit, hidden)
    left_out = sum(1 for rec in board if rec.get("suppressed"))
    units = svc.units(store)
    words = _status_words(_)
    cards = []
    ordered = sorted(board, key=lambda r: not r["series"])  # targets with values first
    flag_cache: dict[str, dict[quality_svc.FlagKey, list[tuple[str, str, str]]]] = {}
    for i, rec in enumerate(ordered):
        word, symbol = words.get(rec["status"], (rec["status"], "?"))
        unit = _unit(rec, _)
        prob = rec["probability"]
        if prob is None:
            trend_word = None
        elif rec["status_by_pace"] == "achieved":
            trend_word = _("likely kept") if prob >= 0.5 else _("at risk of being lost")
        else:
            trend_word = _("likely") if prob >= 0.5 else _("unlikely")
        pace = rec.get("status_by_pace")
        without = rec.get("status_without_flagged")
        latest = rec["latest"]
        latest_flags: list[tuple[str, str, str]] = []
        if latest.get("year") is not None and latest.get("source"):
            if rec["indicator"] not in flag_cache:
                flag_cache[rec["indicator"]] = quality_svc.flag_index(store, rec["indicator"])
            key = (rec["area"], str(latest["year"]), rec["sex"], "all", "all", "total")
            latest_flags = flag_cache[rec["indicator"]].get((*key, str(latest["source"])), [])
        panel: dict[str, Any] | None = None
        if _scenario_card(rec):
            if scenario and scenario == rec["code"]:
                panel = _scenario(
                    store,
                    rec,
                    list(cause or []),
                    decline,
                    until,
                    bool(solve.strip()),
                    _,
                    limit if hidden is not None and hidden(rec["area"]) else None,
                    lang,
                    ages,
                )
            else:
                panel = {
                    "asked": False,
                    "causes": [],
                    "decline": "",
                    "until": str(rec["target"]["year"]),
                    "ages": "",
                }
        cards.append(
            {
                "id": f"target-{i}",
                "scenario": panel,
                "rec": rec,
                "title": rec["indicator_names"].get(lang) or rec["indicator_names"]["en"],
                "area_name": _unit_name(units, rec["area"], lang),
                "status_word": word,
                "status_symbol": symbol,
                "pace_word": words[pace][0] if pace in words else None,
                "trend_word": trend_word,
                "probability_text": _probability(prob, lang),
                "calibration_text": _calibration_words(_).get(
                    (rec.get("calibration") or {}).get("family", "")
                ),
                "disagree": pace is not None and pace != rec["status"],
                "without_word": words[without][0] if without in words else None,
                "document_short": _short(texts.data_text(str(rec["document"]), lang)),
                "sex_word": _sex_words(_).get(rec["sex"], rec["sex"]),
                # a note that shouts (TOTAL vs CURRENT, VALUE vs PHYSICAL) is a warning
                "note_warns": bool(WARNING_WORDS.search(str(rec.get("note") or ""))),
                "colour": charts.STATUS_COLOURS.get(rec["status"], "#5b6470"),
                "unit": unit,
                "spec": charts.target_chart(
                    {**rec, "events": in_language(rec.get("events") or [], lang)},
                    _,
                    unit,
                    scenario=panel["rows"] if panel and panel.get("rows") else None,
                )
                if rec["series"]
                else None,
                "events": charts.events_in_target_chart(
                    rec, in_language(rec.get("events") or [], lang)
                )
                if rec["series"]
                else [],
                "latest_flag": _flag_text(latest_flags, _, lang) if latest_flags else "",
            }
        )
    counts: dict[str, int] = {}
    for rec in board:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    summary = [
        (words[s][0], words[s][1], charts.STATUS_COLOURS[s], counts[s])
        for s in words
        if s in counts
    ]
    return _render(
        request,
        "targets.html",
        "targets",
        suppressed_note=_suppressed_values_note(left_out, limit, _),
        cards=cards,
        summary=summary,
        scenario_causes=scenario_causes,
        area_name=_unit_name(units, HOME_AREA, lang),
    )
