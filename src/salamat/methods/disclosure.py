"""Small-cell rules for what leaves the server: counts, and what is computed from them.

A *cell* is a number of events (deaths) in one area, year, sex, age band and cause group of the
store's own unit records. Two rules, with one threshold ``min_count`` (``N``, 10 by default):

* **a count** of 1 to ``N - 1`` events is not shown (disclosure: few enough deaths in a small
  area, a single age and a cause can point to a person); a count of 0 is shown, since it
  describes no one (ONS's policy on birth and death tables protects small non-zero cells);
* **a statistic computed from cells** (a rate, a life table, 30q70, a decomposition) is not
  shown when any cell it rests on holds 1 to ``N - 1`` events (it, with its denominators,
  would give the cell back), nor when all its cells together hold fewer than ``N`` events
  (PHE: no rate on fewer than 10 events). A cell of 0 (no deaths from diabetes under one
  year of age) stops nothing by itself.

Published aggregates from other publishers (UN WPP, WHO GHO, OWID, the statistics office's
published series) are not cells of the store's records and are never suppressed by these rules.

References
----------
Public Health England, *PHEindicatormethods* (R package; ``calculate_dsr``: a directly
standardised rate is not calculated when its total count is under 10, and
``calculate_funnel_points`` drops such rates); PHE / OHID Fingertips practice of not publishing
rates for fewer than 10 events. Office for National Statistics (2021), *Policy on protecting
confidentiality in tables of birth and death statistics*, and its *User guide to mortality
statistics* section 15 (age-standardised rates are not calculated for fewer than 10 deaths).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_MIN_COUNT", "check_min_count", "small_counts", "too_few"]

DEFAULT_MIN_COUNT = 10
"""PHE's threshold: no rate on fewer than 10 events."""


def check_min_count(min_count: int) -> int:
    """``min_count`` if it is a usable threshold (an integer of at least 1), else ``ValueError``."""
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count {min_count!r}: expected a whole number of at least 1")
    return min_count


def small_counts(counts: npt.ArrayLike, min_count: int) -> npt.NDArray[np.bool_]:
    """Which counts are not shown: ``0 < count < min_count`` (a zero describes no one).

    Examples
    --------
    >>> small_counts([0, 1, 9, 10], 10).tolist()
    [False, True, True, False]
    """
    c = np.asarray(counts, dtype=np.float64)
    return (c > 0) & (c < min_count)


def too_few(cells: npt.ArrayLike, min_count: int) -> bool:
    """Whether a statistic resting on ``cells`` is not shown: a cell of 1 to ``min_count - 1``
    events, or fewer than ``min_count`` events in all (NaN counts as unknown, so too few).

    Examples
    --------
    >>> too_few([0, 12, 40], 10), too_few([3, 12, 40], 10), too_few([0, 0, 0], 10)
    (False, True, True)
    """
    c = np.asarray(cells, dtype=np.float64)
    if np.isnan(c).any():
        return True
    return bool(small_counts(c, min_count).any()) or float(c.sum()) < min_count
