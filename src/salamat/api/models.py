"""Response models of the REST API (pydantic lives here, at the edge, and nowhere else)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ApiError",
    "Decomposition",
    "DecompositionRow",
    "Indicator",
    "IndicatorSource",
    "LifeTable",
    "LifeTableRow",
    "OrgUnit",
    "OrgUnitNode",
    "Problem",
    "SeriesResponse",
    "SeriesRow",
    "Target",
]


class Problem(BaseModel):
    field: str | None = Field(None, description="The parameter at fault.")
    message: str
    value: str | None = None


class ApiError(BaseModel):
    """Every error: the HTTP status, one clear sentence, and each problem found."""

    status: int
    error: str
    problems: list[Problem] = []


class Member(BaseModel):
    code: str
    role: str


class OrgUnit(BaseModel):
    code: str
    parent: str | None
    level: int
    kind: str = Field(description="world, who_region, group, country, region, city ...")
    names: dict[str, str] = Field(description="Names by language: en, kk, ru.")
    valid_from: str | None = Field(description="First day the unit existed (ISO date).")
    valid_to: str | None = Field(description="Last day (ISO date); null while it exists.")
    successors: list[str] = Field(description="The units it became when abolished.")
    predecessors: list[str] = Field(description="The units it was made from.")
    succeeded_on: str | None
    note: str | None
    children: list[str] = []
    members: list[Member] = []


class OrgUnitNode(BaseModel):
    code: str
    parent: str | None
    level: int
    kind: str
    names: dict[str, str]
    valid_from: str | None
    valid_to: str | None
    successors: list[str]
    predecessors: list[str]
    succeeded_on: str | None
    note: str | None
    members: list[Member] = []
    children: list[OrgUnitNode] = []
    more: int | None = Field(None, description="Children not shown below the depth asked for.")


class IndicatorSource(BaseModel):
    source: str
    vintage: str | None
    observations: int
    areas: int
    first_year: int
    last_year: int
    imported_at: str | None
    synthetic: bool


class Indicator(BaseModel):
    code: str
    names: dict[str, str]
    unit: str | None
    description: str | None
    international_code: str | None
    sdg: str | None
    method: str | None
    inputs: str | None
    multiplier: float | None
    higher_is_better: bool | None
    trend: str
    definition_source: str | None
    origin: str | None
    lower_bound: float | None = None
    upper_bound: float | None = None
    observations: int
    sources: int
    source_list: list[IndicatorSource] | None = None


class FlagRef(BaseModel):
    code: str
    severity: str
    message: str


class Flag(BaseModel):
    rule: str
    severity: str
    indicator: str
    area: str
    period: str
    sex: str
    age: str
    cause: str
    residence: str
    source: str
    message: str
    details: dict[str, Any] | None
    import_id: int | None
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )


class SeriesRow(BaseModel):
    indicator: str
    area: str
    area_name: str | None
    area_name_kk: str | None
    area_name_ru: str | None
    period: str
    sex: str
    age: str
    cause: str
    residence: str
    value: float | None = Field(
        description="Null only when suppressed (disclosure control; `suppressed` says why)."
    )
    lower: float | None
    upper: float | None
    unit: str | None
    source: str
    vintage: str | None
    note: str | None
    import_id: int | None = Field(None, description="The import that wrote this value.")
    imported_at: str | None = Field(None, description="When that import ran.")
    superseded_by: int | None = Field(
        None,
        description="With vintage= other than latest: the import that replaced this value "
        "(null for a current value).",
    )
    draft: bool = Field(
        False,
        description="The value's import waits for approval (editors and admins only see "
        "drafts; viewers and anonymous readers read approved values).",
    )
    flags: list[FlagRef] = []
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )


class SeriesResponse(BaseModel):
    indicator: str
    areas: list[str]
    count: int
    sources: list[str]
    values: list[SeriesRow]


class LifeTableRow(BaseModel):
    age: str
    age_start: float
    width: float | None = Field(description="Band width in years; null for the open band.")
    deaths: float | None = Field(description="Null (with every value) when suppressed.")
    exposure: float | None
    mx: float | None
    qx: float | None
    ax: float | None
    lx: float | None
    dx: float | None
    Lx: float | None
    Tx: float | None
    ex: float | None
    ex_lower: float | None
    ex_upper: float | None


class LifeTable(BaseModel):
    area: str
    year: int
    sex: str
    e0: float | None = Field(description="Null only when suppressed (see `suppressed`).")
    e0_lower: float | None
    e0_upper: float | None
    level: float
    regions: list[str]
    source: str
    synthetic: bool
    published: dict[str, Any] | None = Field(
        description="The published e0 of the same area, year and sex: {value, source, differs}; "
        "differs is true when it is more than 0.5 years from the computed one."
    )
    note: str | None
    method: str
    rebuilt_from: list[str] | None = Field(
        None,
        description="The successors summed when the area no longer existed that year.",
    )
    flags: list[InputFlag] = Field(
        default_factory=list,
        description="Flags on the death records the table is computed from (the area's, or "
        "the regions' it sums): {code, year, severity, message, input}.",
    )
    table: list[LifeTableRow]
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )


class DecompositionRow(BaseModel):
    age: str
    cause: str
    contribution: float | None = Field(
        description="Years of life expectancy at birth (null when suppressed)."
    )


class InputFlag(BaseModel):
    code: str
    year: int | None
    severity: str
    message: str
    input: str = Field(description="Which input carries the flag, in words.")
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )


class Decomposition(BaseModel):
    area: str
    sex: str
    from_: str = Field(alias="from")
    to: str
    e0_from: float | None = Field(description="Null only when suppressed.")
    e0_to: float | None
    difference: float | None
    by: str
    causes: list[str]
    contributions: list[DecompositionRow]
    source: str
    synthetic: bool
    published: dict[str, Any] | None = Field(
        description="The published e0 of the same area and sex for the years asked (else the "
        "computed periods): {from, to, source, differs, from_period, to_period}; differs is "
        "true when one is more than 0.5 years from the computed one."
    )
    method: str
    note: str
    flags: list[InputFlag] = Field(
        default_factory=list,
        description="Flags on the inputs the decomposition used (death records of the area, "
        "or UN WPP death rates): {code, year, severity, message, input}.",
    )
    published_flags: list[InputFlag] = Field(
        default_factory=list,
        description="Flags on the published e0 shown beside (not an input).",
    )
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )

    model_config = {"populate_by_name": True}


class Target(BaseModel):
    code: str
    indicator: str
    area: str
    sex: str
    baseline: dict[str, Any]
    target: dict[str, Any]
    latest: dict[str, Any]
    status: str
    status_detail: str = Field(description="What pace and trend each say, in one line.")
    status_by_pace: str | None
    status_by_trend: str | None = Field(description="likely (P >= 0.5), unlikely or null.")
    status_without_flagged: str | None = Field(
        description="The status with the flagged values left out; null when none is flagged."
    )
    flags: list[dict[str, Any]] = Field(
        description="Quality flags ({code, year, severity, message, on}) of the values judged; "
        "on = 'value' (left out for status_without_flagged) or 'series' (a change of source: "
        "listed, nothing left out)."
    )
    pace_across_source_break: list[int] = Field(
        default=[],
        description="Years of a change of source between the baseline and the latest value: "
        "the pace compares values from two sources.",
    )
    window: dict[str, Any] = Field(description="First and last year behind the trend.")
    trend_fit: dict[str, Any] | None = Field(
        description="The random walk with drift: start, drift, its standard error, sigma, "
        "years used and years left out."
    )
    shock_years: list[dict[str, Any]] = Field(description="Years left out of the trend.")
    events: list[dict[str, Any]] = Field(
        default=[],
        description="Policy events of the area ({n, code, date, year, at, title, titles, "
        "source_url}), numbered by date as the charts mark them.",
    )
    ratio: float | None
    reason: str
    projection: dict[str, Any] | None
    probability: float | None
    probability_method: str | None = Field(
        None,
        description="The forecast distribution behind the projection's interval and the "
        "probability, in words (random walk with drift, its window, widened or not); null "
        "without a trend.",
    )
    calibration: dict[str, Any] | None = Field(
        None,
        description="{family, series_kind, drift_change, method, evidence}: whether the trend's "
        "distribution is widened for changes of trend (modelled estimates: UN WPP, WHO) and "
        "the out-of-sample evidence (salamat.methods.trend_calibration); null without a trend.",
    )
    required_annual_change: float | None
    required_annual_growth: float | None
    method: str
    document: str
    document_date: str | None
    source_url: str | None
    series_source: list[str]
    note: str | None
    origin: str
    indicator_names: dict[str, str]
    unit: str | None
    trend: str
    series: list[dict[str, Any]] = Field(description="The series the status is judged on.")
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values computed from the series are null "
        "(a value of the series rests on a cell of the unit records under --min-count).",
    )
    fan: list[dict[str, Any]] = Field(
        description="Projection and prediction interval, year by year to the target year."
    )


class ImportEntry(BaseModel):
    """One row of the import log (``salamat imports``)."""

    id: int
    time: str | None
    finished: str | None
    kind: str
    files: str
    sha256: str | None = Field(description="SHA-256 of the imported files' bytes, in order.")
    created: int | None
    updated: int | None
    unchanged: int | None
    rejected: int | None
    removed: int | None = Field(description="For an undo: rows it removed.")
    status: str
    source: str | None
    undoes: int | None = Field(description="For an undo: the import it undid.")
    undone_by: int | None = Field(description="The undo that reverted this import, if any.")
    suppressed: str | None = Field(
        None,
        description="Disclosure control: why the values are null for this reader (a cell of "
        "the unit records under the server's --min-count), else null.",
    )
    approval: str = Field(
        "approved",
        description="draft (its values wait for approval: viewers do not see them) or approved.",
    )
    imported_by: str | None = Field(None, description="Who imported it (empty before 2026-12).")
    approved_by: str | None = Field(
        None, description="Who approved it, or why it was approved at commit (local mode ...)."
    )
    approved_at: str | None = Field(None, description="When it was approved.")


class PolicyEvent(BaseModel):
    code: str
    date: str = Field(description="ISO date (YYYY-MM-DD).")
    year: int
    area: str = Field(description="The org unit it applies to (and the units below it).")
    title: str = Field(description="In the language asked for (lang), else English.")
    description: str
    titles: dict[str, str] = Field(description="Title by language: en, kk, ru.")
    descriptions: dict[str, str]
    source_url: str | None
    source: str | None
    origin: str = Field(description="bundled, or user (salamat events add).")
