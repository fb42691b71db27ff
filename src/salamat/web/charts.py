"""Vega-Lite specifications of the dashboard's charts (rendered in the browser by the vendored
Vega, Vega-Lite and vega-embed; nothing is fetched from elsewhere).

Each function returns a plain Vega-Lite v5 dict with its data inline (maps load their geometry
from ``/static/geo``) and a ``description`` that screen readers announce.
"""

from __future__ import annotations

from typing import Any

from salamat.web.i18n import Gettext

__all__ = [
    "STATUS_COLOURS",
    "compare_bars",
    "compare_lines",
    "decomposition_chart",
    "explorer_chart",
    "lifetable_chart",
    "ots_map",
    "region_map",
    "target_chart",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier, never fetched
Spec = dict[str, Any]

STATUS_COLOURS = {
    "achieved": "#1b6e3a",
    "on_track": "#2e7d32",
    "needs_acceleration": "#a15c00",
    "off_track": "#c2410c",
    "moving_away": "#b91c1c",
    "insufficient_data": "#5b6470",
}
TARGET_COLOUR = "#111827"  # near-black: never one of the area colours (category10)
FLAG_COLOUR = "#b45309"  # amber: a value with a quality flag
FAN_COLOUR = "#6b8fd6"
LINE_COLOUR = "#1f4e9c"
SCENARIO_COLOUR = "#7c3aed"  # violet: a "what if" path, never the projection's blue
CAUSE_COLOURS = {
    "circulatory": "#c2410c",
    "cancer": "#7c3aed",
    "respiratory_chronic": "#0e7490",
    "diabetes": "#ca8a04",
    "tuberculosis": "#9f1239",
    "external": "#4d7c0f",
    "ill_defined": "#9ca3af",
    "other": "#475569",
    "all": LINE_COLOUR,
}


def _base(description: str, height: int) -> Spec:
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
            "axis": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "grid": True,
                "gridColor": "#e5e7eb",
            },
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
        },
    }


FORECAST_COLOUR = "#0f766e"  # teal: a forecast the reader asked for on the explorer
EVENT_COLOUR = "#6d28d9"  # violet: a policy event, never an area's or a status's colour


def event_layers(events: list[dict[str, Any]], x: Spec, _: Gettext) -> list[Spec]:
    """Policy events as dotted vertical rules at their date (year + day of the year), numbered
    at the top; the tooltip gives date and title. ``events``: ``{date, year, title, n}``."""
    if not events:
        return []
    values = [
        {
            "at": e["at"],
            "date": e["date"],
            "title": e["title"],
            "n": str(e["n"]),
        }
        for e in events
    ]
    ex = {**x, "field": "at"}
    tooltip = [{"field": "date", "title": _("Date")}, {"field": "title", "title": _("Event")}]
    return [
        {
            "data": {"values": values},
            "mark": {"type": "rule", "color": EVENT_COLOUR, "strokeDash": [2, 3], "opacity": 0.8},
            "encoding": {"x": ex, "tooltip": tooltip},
        },
        {
            "data": {"values": values},
            "mark": {
                "type": "text",
                "color": EVENT_COLOUR,
                "baseline": "top",
                "dy": 2,
                "fontSize": 10,
                "fontWeight": "bold",
            },
            "encoding": {"x": ex, "y": {"value": 0}, "text": {"field": "n"}, "tooltip": tooltip},
        },
    ]


def target_domain(rec: dict[str, Any]) -> tuple[int, int]:
    """The years a target's chart spans: from 12 years before the baseline (or the first
    value) to the target year or the projection's end."""
    series = rec["series"]
    target = rec["target"]
    first = min([r["year"] for r in series] or [target["year"]])
    baseline_year = rec["baseline"]["year"] or first
    start = max(first, min(baseline_year, target["year"]) - 12)
    years = [r["year"] for r in series if r["year"] >= start]
    years += [f["year"] for f in rec["fan"]] + [target["year"]]
    return min(years), max(years)


def events_in_target_chart(
    rec: dict[str, Any], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The events that fall within a target chart's years."""
    lo, hi = target_domain(rec)
    return [e for e in events if lo <= float(e["at"]) <= hi]


def target_chart(
    rec: dict[str, Any],
    _: Gettext,
    unit: str,
    scenario: list[dict[str, Any]] | None = None,
) -> Spec:
    """A target card's chart: the series, the projection fan, the target line and year, and a
    what-if scenario's path with its interval when one is asked for (``scenario``: rows of
    ``salamat.services.scenario.run``, drawn dashed in :data:`SCENARIO_COLOUR`, labelled)."""
    series = rec["series"]
    target = rec["target"]
    first = min([r["year"] for r in series] or [target["year"]])
    baseline_year = rec["baseline"]["year"] or first
    start = max(first, min(baseline_year, target["year"]) - 12)
    points = [r for r in series if r["year"] >= start]
    years = [r["year"] for r in points] + [f["year"] for f in rec["fan"]] + [target["year"]]
    years += [r["year"] for r in scenario or []]
    x = {
        "field": "year",
        "type": "quantitative",
        "title": None,
        "axis": {"format": "d", "tickMinStep": 1, "labelOverlap": True},
        "scale": {"domain": [min(years), max(years)], "nice": False},
    }
    y_title = unit
    layers: list[Spec] = []
    if rec["fan"]:
        layers.append(
            {
                "data": {"values": rec["fan"]},
                "mark": {"type": "area", "color": FAN_COLOUR, "opacity": 0.25},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "lower",
                        "type": "quantitative",
                        "title": y_title,
                        "scale": {"zero": False},
                    },
                    "y2": {"field": "upper"},
                    "tooltip": [
                        {"field": "year", "title": _("Year")},
                        {"field": "value", "title": _("Projection"), "format": ".2f"},
                        {"field": "lower", "title": _("Lower"), "format": ".2f"},
                        {"field": "upper", "title": _("Upper"), "format": ".2f"},
                    ],
                },
            }
        )
        layers.append(
            {
                "data": {"values": rec["fan"]},
                "mark": {"type": "line", "color": FAN_COLOUR, "strokeDash": [4, 3]},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
            }
        )
    layers.append(
        {
            "data": {"values": points},
            "mark": {"type": "line", "color": LINE_COLOUR, "point": {"size": 18}},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "scale": {"zero": False},
                },
                "tooltip": [
                    {"field": "year", "title": _("Year")},
                    {"field": "value", "title": _("Value"), "format": ".2f"},
                    {"field": "source", "title": _("Source")},
                ],
            },
        }
    )
    if target["value"] is not None:
        mark = [{"year": target["year"], "value": target["value"], "label": _("Target")}]
        layers.append(
            {
                "data": {"values": mark},
                "mark": {"type": "rule", "color": TARGET_COLOUR, "strokeDash": [6, 3]},
                "encoding": {"y": {"field": "value", "type": "quantitative"}},
            }
        )
        layers.append(
            {
                "data": {"values": mark},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "color": TARGET_COLOUR,
                    "size": 70,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [
                        {"field": "label", "title": " "},
                        {"field": "year", "title": _("Year")},
                        {"field": "value", "title": _("Value")},
                    ],
                },
            }
        )
    if scenario:
        layers += _scenario_layers(scenario, x, _)
    layers += event_layers(events_in_target_chart(rec, rec.get("events") or []), x, _)
    spec = _base(_("Series, projection with its prediction interval, and the target"), 150)
    spec["layer"] = layers
    return spec


def _scenario_layers(rows: list[dict[str, Any]], x: Spec, _: Gettext) -> list[Spec]:
    """A scenario's interval (a light band), its path (dashed) and a label at its end that
    names the ages the decline applies at (the rows' ``ages``: ``30-69`` or ``all``)."""
    ages = str(rows[-1].get("ages") or "all")
    label = (
        _("Scenario, all ages") if ages == "all" else _("Scenario, ages %(ages)s") % {"ages": ages}
    )
    values = [
        {"year": r["year"], "value": r["value"], "lower": r["lower"], "upper": r["upper"]}
        for r in rows
    ]
    tooltip = [
        {"field": "year", "title": _("Year")},
        {"field": "value", "title": label, "format": ".2f"},
        {"field": "lower", "title": _("Lower"), "format": ".2f"},
        {"field": "upper", "title": _("Upper"), "format": ".2f"},
    ]
    y = {"field": "value", "type": "quantitative"}
    return [
        {
            "data": {"values": values},
            "mark": {"type": "area", "color": SCENARIO_COLOUR, "opacity": 0.15},
            "encoding": {
                "x": x,
                "y": {"field": "lower", "type": "quantitative"},
                "y2": {"field": "upper"},
                "tooltip": tooltip,
            },
        },
        {
            "data": {"values": values},
            "mark": {
                "type": "line",
                "color": SCENARIO_COLOUR,
                "strokeDash": [6, 3],
                "strokeWidth": 2,
            },
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        },
        {
            "data": {"values": [{**values[-1], "label": label}]},
            "mark": {
                "type": "text",
                "color": SCENARIO_COLOUR,
                "align": "right",
                "dy": -8,
                "fontWeight": "bold",
            },
            "encoding": {"x": x, "y": y, "text": {"field": "label"}},
        },
    ]


def explorer_chart(
    rows: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    *,
    log: bool,
    unit: str,
    _: Gettext,
    title: str,
    by_version: bool = False,
    by_sex: bool = False,
    events: list[dict[str, Any]] | None = None,
    forecast: list[dict[str, Any]] | None = None,
) -> Spec:
    """Lines by area (dashes by source, or by vintage when two vintages are compared, or by
    sex when female and male are shown together), uncertainty bands where values have bounds,
    targets. With dashes by vintage or sex the sources are named in the tooltip and under the
    chart.
    """
    y_scale: Spec = {"type": "log"} if log else {"zero": False}
    sources = sorted({r["source"] for r in rows})
    x = {
        "field": "year",
        "type": "quantitative",
        "title": _("Year"),
        "axis": {"format": "d", "labelOverlap": True, "tickMinStep": 1},
    }
    colour = {"field": "area_name", "type": "nominal", "title": _("Area")}
    layers: list[Spec] = []
    banded = [r for r in rows if r.get("lower") is not None and r.get("upper") is not None]
    if banded:
        # the band's legend says what it is ("95% prediction interval: <source>", from the
        # row's ``band``): an ordinal opacity channel with one light shade per kind of band
        bands = sorted({str(r.get("band") or "") for r in banded})
        layers.append(
            {
                "data": {"values": banded},
                "mark": {"type": "area"},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "upper"},
                    # the same colour encoding as the lines (a layer with legend None would
                    # hide the shared Area legend)
                    "color": colour,
                    "opacity": {
                        "field": "band",
                        "type": "ordinal",
                        "title": _("Shaded band"),
                        # light shades only, whatever the number of kinds of band
                        "scale": {"domain": bands, "range": [0.16, 0.28]},
                        "legend": {
                            "orient": "bottom",
                            "direction": "vertical",
                            "labelLimit": 600,
                            "symbolType": "square",
                            "symbolFillColor": "#6b7280",
                            "symbolStrokeWidth": 0,
                            "symbolSize": 300,
                        },
                    },
                    "detail": [{"field": "source"}, {"field": "sex"}],
                    "tooltip": [
                        {"field": "area_name", "title": _("Area")},
                        {"field": "year", "title": _("Year")},
                        {"field": "lower", "title": _("Lower"), "format": ",.2f"},
                        {"field": "upper", "title": _("Upper"), "format": ",.2f"},
                        {"field": "band", "title": _("Shaded band")},
                    ],
                },
            }
        )
    # the line mark has no points of its own, so the source legend shows line symbols (solid,
    # dashed, dotted); the points are a layer of their own
    line: Spec = {
        "data": {"values": rows},
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": x,
            "y": {"field": "value", "type": "quantitative", "title": unit, "scale": y_scale},
            "color": colour,
            "tooltip": [
                {"field": "area_name", "title": _("Area")},
                {"field": "sex_name", "title": _("Sex")},
                {"field": "year", "title": _("Year")},
                {"field": "value", "title": _("Value"), "format": ",.2f"},
                {"field": "lower", "title": _("Lower"), "format": ",.2f"},
                {"field": "upper", "title": _("Upper"), "format": ",.2f"},
                {"field": "source", "title": _("Source")},
                {"field": "version", "title": _("Vintage")},
            ],
        },
    }
    if by_version:
        dashed_by, dash_title = "version", _("Vintage")
    elif by_sex:
        dashed_by, dash_title = "sex_name", _("Sex")
    elif len(sources) > 1:
        dashed_by, dash_title = "source", _("Source")
    else:
        dashed_by, dash_title = "", ""
    if dashed_by != "source":
        line["encoding"]["detail"] = [{"field": "source"}, {"field": "sex"}]
    if dashed_by:
        line["encoding"]["strokeDash"] = {
            "field": dashed_by,
            "type": "nominal",
            "title": dash_title,
            # line symbols, so a solid and a dashed line can be told apart in the legend
            "legend": {
                "orient": "bottom",
                "direction": "vertical",
                "labelLimit": 600,
                "symbolType": "stroke",
                "symbolSize": 500,
                "symbolStrokeWidth": 2,
                "symbolStrokeColor": "#374151",
            },
        }
    layers.append(line)
    layers.append(
        {
            "data": {"values": rows},
            "mark": {"type": "point", "filled": True, "size": 16},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                "color": colour,
                "tooltip": line["encoding"]["tooltip"],
            },
        }
    )
    flagged = [r for r in rows if r.get("flag")]
    if flagged:
        # a quality flag: a filled triangle over the point (shape, not colour alone), and its
        # messages in the tooltip (docs/quality.md)
        layers.append(
            {
                "data": {"values": flagged},
                "mark": {
                    "type": "point",
                    "shape": "triangle-up",
                    "filled": True,
                    "color": FLAG_COLOUR,
                    "size": 110,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                    "tooltip": [
                        {"field": "area_name", "title": _("Area")},
                        {"field": "year", "title": _("Year")},
                        {"field": "value", "title": _("Value"), "format": ",.2f"},
                        {"field": "source", "title": _("Source")},
                        {"field": "flag", "title": _("Quality flag")},
                    ],
                },
            }
        )
    if targets:
        layers.append(
            {
                "data": {"values": targets},
                "mark": {
                    "type": "rule",
                    "color": TARGET_COLOUR,
                    "strokeDash": [6, 3],
                    "strokeWidth": 1.5,
                },
                "encoding": {
                    "x": {"field": "from", "type": "quantitative"},
                    "x2": {"field": "year"},
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [{"field": "label", "title": _("Target")}],
                },
            }
        )
        layers.append(
            {
                "data": {"values": targets},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "color": TARGET_COLOUR,
                    "size": 60,
                },
                "encoding": {
                    "x": {"field": "year", "type": "quantitative"},
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [{"field": "label", "title": _("Target")}],
                },
            }
        )
        # each target line says what it is: "target 2030: 15.6"
        layers.append(
            {
                "data": {"values": targets},
                "mark": {
                    "type": "text",
                    "color": TARGET_COLOUR,
                    "align": "right",
                    "baseline": "bottom",
                    "dy": -6,
                    "fontSize": 11,
                },
                "encoding": {
                    "x": {"field": "year", "type": "quantitative"},
                    "y": {"field": "value", "type": "quantitative"},
                    "text": {"field": "short"},
                },
            }
        )
    if forecast:
        tip = [
            {"field": "year", "title": _("Year")},
            {"field": "value", "title": _("Forecast"), "format": ".2f"},
            {"field": "lower", "title": _("Lower"), "format": ".2f"},
            {"field": "upper", "title": _("Upper"), "format": ".2f"},
            {"field": "method", "title": _("Method")},
        ]
        layers.append(
            {
                "data": {"values": forecast},
                "mark": {"type": "area", "color": FORECAST_COLOUR, "opacity": 0.18},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "upper"},
                    "tooltip": tip,
                },
            }
        )
        layers.append(
            {
                "data": {"values": forecast},
                "mark": {"type": "line", "color": FORECAST_COLOUR, "strokeDash": [5, 3]},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                    "tooltip": tip,
                },
            }
        )
    if events and rows:
        first = min(float(r["year"]) for r in rows)
        last = max(float(r["year"]) for r in rows)
        layers += event_layers([e for e in events if first <= e["at"] <= last + 1], x, _)
    spec = _base(title, 360)
    spec["layer"] = layers
    return spec


def region_map(
    geo_url: str,
    values: list[dict[str, Any]],
    *,
    year: int,
    domain: tuple[float, float],
    legend_title: str,
    higher_is_better: bool | None,
    _: Gettext,
    description: str,
) -> Spec:
    """Regions coloured by value; ``year`` is a signal the page's slider sets.

    ``values`` holds one row per unit drawn in a year (``key`` = ``code|year``); a unit not
    drawn that year is left out, so each year shows the regions that existed then.
    """
    scheme = "viridis" if higher_is_better is not False else "magma"
    spec = _base(description, 420)
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec.update(
        {
            "params": [{"name": "year", "value": year}],
            "data": {"url": geo_url, "format": {"type": "json", "property": "features"}},
            "projection": {"type": "conicEqualArea", "rotate": [-67, 0], "parallels": [42, 52]},
            "transform": [
                {"calculate": "datum.properties.code + '|' + year", "as": "key"},
                {
                    "lookup": "key",
                    "from": {
                        "data": {"values": values},
                        "key": "key",
                        "fields": ["name", "value", "label", "code"],
                    },
                },
                {"filter": "isValid(datum.name)"},
            ],
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8},
            "encoding": {
                "color": {
                    "condition": {"test": "!isValid(datum.value)", "value": "#d1d5db"},
                    "field": "value",
                    "type": "quantitative",
                    "title": legend_title,
                    "scale": {
                        "scheme": scheme,
                        "domain": list(domain),
                        "reverse": higher_is_better is False,
                    },
                    "legend": {"orient": "bottom", "gradientLength": 260, "titleLimit": 400},
                },
                "tooltip": [
                    {"field": "name", "title": _("Area")},
                    {"field": "label", "title": _("Value")},
                ],
            },
        }
    )
    return spec


def ots_map(
    topo_url: str, latest: list[dict[str, Any]], *, legend_title: str, _: Gettext, description: str
) -> Spec:
    """The OTS countries coloured by their latest value (world-atlas 1:110m)."""
    spec = _base(description, 300)
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec.update(
        {
            "data": {"url": topo_url, "format": {"type": "topojson", "feature": "countries"}},
            "projection": {"type": "conicEqualArea", "rotate": [-50, 0], "parallels": [35, 50]},
            "transform": [
                {
                    "lookup": "id",
                    "from": {
                        "data": {"values": latest},
                        "key": "id",
                        "fields": ["name", "value", "label"],
                    },
                },
                {"filter": "isValid(datum.name)"},
            ],
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8},
            "encoding": {
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "title": legend_title,
                    "scale": {"scheme": "viridis"},
                    "legend": {"orient": "bottom", "gradientLength": 240, "titleLimit": 400},
                },
                "tooltip": [
                    {"field": "name", "title": _("Country")},
                    {"field": "label", "title": _("Latest value")},
                ],
            },
        }
    )
    return spec


def compare_bars(latest: list[dict[str, Any]], *, unit: str, _: Gettext, description: str) -> Spec:
    spec = _base(description, max(140, 28 * len(latest)))
    spec.update(
        {
            "data": {"values": latest},
            "encoding": {
                # the rows come sorted by value: one order for both layers, no sort to conflict
                "y": {"field": "name", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "value", "type": "quantitative", "title": unit},
            },
            "layer": [
                {
                    "mark": {"type": "bar", "color": LINE_COLOUR},
                    "encoding": {
                        "opacity": {
                            "condition": {"test": "datum.role == 'member'", "value": 1},
                            "value": 0.55,
                        },
                        "tooltip": [
                            {"field": "name", "title": _("Country")},
                            {"field": "value", "title": _("Value"), "format": ",.2f"},
                            {"field": "year", "title": _("Year")},
                        ],
                    },
                },
                {
                    "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
                    "encoding": {"text": {"field": "label"}},
                },
            ],
        }
    )
    return spec


def compare_lines(rows: list[dict[str, Any]], *, unit: str, _: Gettext, description: str) -> Spec:
    spec = _base(description, 320)
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "quantitative",
                    "title": _("Year"),
                    "axis": {"format": "d", "tickMinStep": 1},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": unit,
                    "scale": {"zero": False},
                },
                "color": {"field": "name", "type": "nominal", "title": _("Country")},
                "tooltip": [
                    {"field": "name", "title": _("Country")},
                    {"field": "year", "title": _("Year")},
                    {"field": "value", "title": _("Value"), "format": ",.2f"},
                ],
            },
        }
    )
    return spec


def lifetable_chart(rows: list[dict[str, Any]], *, _: Gettext, description: str) -> Spec:
    """Life expectancy at each age with its confidence interval."""
    spec = _base(description, 260)
    x = {"field": "age_start", "type": "quantitative", "title": _("Age")}
    spec["data"] = {"values": rows}
    spec["layer"] = [
        {
            "mark": {"type": "area", "color": FAN_COLOUR, "opacity": 0.3},
            "encoding": {
                "x": x,
                "y": {
                    "field": "ex_lower",
                    "type": "quantitative",
                    "title": _("Life expectancy (years)"),
                },
                "y2": {"field": "ex_upper"},
            },
        },
        {
            "mark": {"type": "line", "color": LINE_COLOUR, "point": {"size": 16}},
            "encoding": {
                "x": x,
                "y": {"field": "ex", "type": "quantitative"},
                "tooltip": [
                    {"field": "age", "title": _("Age")},
                    {"field": "ex", "title": "ex", "format": ".2f"},
                    {"field": "ex_lower", "title": _("Lower"), "format": ".2f"},
                    {"field": "ex_upper", "title": _("Upper"), "format": ".2f"},
                ],
            },
        },
    ]
    return spec


def decomposition_chart(
    rows: list[dict[str, Any]],
    ages: list[str],
    causes: list[tuple[str, str]],
    *,
    _: Gettext,
    description: str,
) -> Spec:
    """Stacked bars: each age band's contribution (years) to the change, split by cause."""
    spec = _base(description, 320)
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "age",
                    "type": "ordinal",
                    "sort": ages,
                    "title": _("Age"),
                    "axis": {"labelAngle": -45},
                },
                "y": {
                    "field": "contribution",
                    "type": "quantitative",
                    "stack": "zero",
                    "title": _("Contribution to the change (years)"),
                },
                "color": {
                    "field": "cause_name",
                    "type": "nominal",
                    "title": _("Cause"),
                    "sort": [name for _c, name in causes],
                    # every cause in the legend: below the chart, in columns, names in full
                    "legend": {"orient": "bottom", "columns": 3, "labelLimit": 280},
                    "scale": {
                        "domain": [name for _c, name in causes],
                        "range": [CAUSE_COLOURS.get(c, "#64748b") for c, _n in causes],
                    },
                },
                "tooltip": [
                    {"field": "age", "title": _("Age")},
                    {"field": "cause_name", "title": _("Cause")},
                    {"field": "contribution", "title": _("Years"), "format": "+.4f"},
                ],
            },
        }
    )
    return spec
