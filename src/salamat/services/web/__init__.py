"""Use cases behind the REST API and the dashboard (read-only).

Each function takes an open :class:`~salamat.store.connection.Store` and returns plain data
(dicts, lists, data frames) with names in English, Kazakh and Russian, so that the API can
serialise it and the pages can pick a language. Unknown codes raise :class:`NotFoundError`
(HTTP 404), bad values :class:`~salamat.errors.InputError` (HTTP 422).
"""

from __future__ import annotations

from salamat.services.web.common import (
    LANGS,
    SEXES,
    NotFoundError,
    Unit,
    group_members_of,
    spaced,
    units,
    yearly,
)
from salamat.services.web.compare import (
    compare,
)
from salamat.services.web.indicators import indicator, indicator_choices, indicators
from salamat.services.web.lifetable import (
    decomposition,
    life_table_for,
    lifetable_coverage,
    record_years,
    year_spans,
)
from salamat.services.web.map import (
    map_values,
)
from salamat.services.web.orgunits import (
    orgunit,
    orgunit_tree,
)
from salamat.services.web.series import (
    SeriesQuery,
    import_log,
    series,
    series_csv_bytes,
    series_csv_text,
    series_in_memory,
    series_json_bytes,
    series_json_text,
    vintage_choices,
    warm_query,
    warm_series,
)
from salamat.services.web.targets import (
    target_board,
)

__all__ = [
    "LANGS",
    "SEXES",
    "NotFoundError",
    "SeriesQuery",
    "Unit",
    "compare",
    "decomposition",
    "group_members_of",
    "import_log",
    "indicator",
    "indicator_choices",
    "indicators",
    "life_table_for",
    "lifetable_coverage",
    "map_values",
    "orgunit",
    "orgunit_tree",
    "record_years",
    "series",
    "series_csv_bytes",
    "series_csv_text",
    "series_in_memory",
    "series_json_bytes",
    "series_json_text",
    "spaced",
    "target_board",
    "units",
    "vintage_choices",
    "warm_query",
    "warm_series",
    "year_spans",
    "yearly",
]
