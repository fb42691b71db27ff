"""Age bands: validate band starts, derive widths, recognise layouts, match to a standard.

An age layout is given by the start of each band, in years, strictly increasing; the last band
is open (``85+``), so its width is ``inf``. Widths are the differences of the starts
(Preston, Heuveline & Guillot 2001, ch. 3: ``n`` is the width of the interval ``[x, x+n)``).

These helpers are pure: arrays in, arrays out, and an :class:`~salamat.errors.InputError`
naming the offending value when a layout is not what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, Problem

__all__ = [
    "FloatArray",
    "age_start_from_label",
    "ages_in_bands",
    "band_labels",
    "band_widths",
    "is_abridged",
    "is_single_year",
    "starts_from_labels",
    "validate_age_starts",
]

FloatArray = npt.NDArray[np.float64]

_LABEL = re.compile(r"^\s*(\d+(?:\.\d+)?)")
_BAND = re.compile(r"^\s*(\d+)\s*(?:(\+)|[-\u2013]\s*(\d+))\s*$")


def validate_age_starts(age: npt.ArrayLike, *, source: str = "age") -> FloatArray:
    """Check band starts and return them as a float vector.

    Parameters
    ----------
    age
        Start of each age band in years, one-dimensional, strictly increasing, finite and
        non-negative. The last band is taken to be open.
    source
        Name used in error messages (a file name or an argument name).

    Returns
    -------
    numpy.ndarray
        The starts as ``float64``.

    Raises
    ------
    InputError
        If the starts are not a non-empty, one-dimensional, finite, non-negative and strictly
        increasing sequence.

    Examples
    --------
    >>> validate_age_starts([0, 1, 5]).tolist()
    [0.0, 1.0, 5.0]
    """
    try:
        starts = np.asarray(age, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "age band starts must be numbers",
            [Problem(source, None, "age", "expected numbers (band starts in years)", str(age))],
        ) from exc
    problems: list[Problem] = []
    if starts.ndim != 1 or starts.size == 0:
        problems.append(
            Problem(source, None, "age", "expected a non-empty list of band starts", str(age))
        )
    else:
        if not np.all(np.isfinite(starts)):
            problems.append(Problem(source, None, "age", "band starts must be finite", None))
        elif np.any(starts < 0):
            problems.append(Problem(source, None, "age", "band starts must be >= 0", None))
        elif np.any(np.diff(starts) <= 0):
            bad = int(np.argmax(np.diff(starts) <= 0))
            problems.append(
                Problem(
                    source,
                    None,
                    "age",
                    "band starts must be strictly increasing (no duplicates)",
                    f"{starts[bad]:g} then {starts[bad + 1]:g}",
                )
            )
    if problems:
        raise InputError("invalid age bands", problems)
    return starts


def band_widths(age: npt.ArrayLike) -> FloatArray:
    """Width ``n`` of each band; the last (open) band has width ``inf``.

    ``n_x = x_{i+1} - x_i`` (Preston, Heuveline & Guillot 2001, ch. 3).

    Examples
    --------
    >>> band_widths([0, 1, 5, 10]).tolist()
    [1.0, 4.0, 5.0, inf]
    """
    starts = validate_age_starts(age)
    return np.append(np.diff(starts), np.inf)


def is_abridged(age: npt.ArrayLike) -> bool:
    """True when the layout starts ``0, 1, 5``: the classic abridged table (0, 1-4, 5-9, ...)."""
    starts = validate_age_starts(age)
    return starts.size >= 3 and starts[0] == 0 and starts[1] == 1 and starts[2] == 5


def is_single_year(age: npt.ArrayLike) -> bool:
    """True when every closed band is one year wide and the first starts at 0."""
    starts = validate_age_starts(age)
    return starts[0] == 0 and bool(np.all(np.diff(starts) == 1))


def age_start_from_label(label: str) -> float:
    """Start of a band from a label such as ``"0"``, ``"1-4"``, ``"85+"`` or ``"90 - 94"``.

    Raises
    ------
    InputError
        If the label does not begin with a number.

    Examples
    --------
    >>> age_start_from_label("85+")
    85.0
    """
    match = _LABEL.match(str(label))
    if match is None:
        raise InputError(
            "age band label not understood",
            [Problem("age label", None, "age", "expected a label starting with a number", label)],
        )
    return float(match.group(1))


def starts_from_labels(labels: Sequence[str]) -> FloatArray:
    """Band starts from labels (see :func:`age_start_from_label`), validated."""
    return validate_age_starts([age_start_from_label(x) for x in labels])


def ages_in_bands(age: npt.ArrayLike, bands: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Which bands of the layout ``age`` lie inside the age ranges ``bands``.

    A range is ``"30-69"`` (ages 30 to 69 inclusive: ``[30, 70)``, as in SDG 3.4.1's 30q70)
    or ``"85+"`` (85 and over); several ranges are joined. A range must start and end on the
    layout's band limits, so that no band is split: with abridged bands ``30-69`` takes the
    bands 30-34 ... 65-69, and ``32-69`` is an error naming the limits there are.

    Raises
    ------
    InputError
        A range not written ``A-B`` or ``A+``, with ``B < A``, or whose limits are not band
        limits of ``age``.

    Examples
    --------
    >>> ages_in_bands([0, 1, 5, 10, 15], ["5-14"]).tolist()
    [False, False, True, True, False]
    """
    starts = validate_age_starts(age)
    ends = np.append(starts[1:], np.inf)
    limits = ", ".join(f"{x:g}" for x in starts)
    inside = np.zeros(starts.size, dtype=bool)
    if not bands:
        raise InputError(
            "no age range given",
            [Problem("argument", None, "ages", "expected a range such as 30-69 or 85+", "")],
        )
    for band in bands:
        m = _BAND.match(str(band))
        if m is None:
            raise InputError(
                f"age range {band!r}: expected A-B (ages A to B inclusive, e.g. 30-69) or A+",
                [Problem("argument", None, "ages", "expected A-B or A+", str(band))],
            )
        low = float(m.group(1))
        high = np.inf if m.group(2) else float(m.group(3)) + 1.0
        if high <= low:
            raise InputError(
                f"age range {band!r}: the last age is below the first",
                [Problem("argument", None, "ages", "expected A <= B", str(band))],
            )
        if low not in starts or (high not in ends):
            end_text = "open" if high == np.inf else f"{high - 1:g}"
            raise InputError(
                f"age range {band!r}: it must begin at a band's first age and end at a band's "
                f"last age, so that no band is split; the bands begin at {limits}, the last "
                f"open ({starts[-1]:g}+) (got {low:g} to {end_text})",
                [Problem("argument", None, "ages", f"expected band limits {limits}", str(band))],
            )
        inside |= (starts >= low) & (ends <= high)
    return inside


def band_labels(starts: Sequence[float] | FloatArray) -> list[str]:
    """Labels of the age bands that begin at ``starts``: ``0``, ``1-4``, ..., ``85+`` (a band of
    one year by its age, the last open)."""
    out = []
    for k, a in enumerate(starts):
        if k == len(starts) - 1:
            out.append(f"{int(a)}+")
        elif starts[k + 1] - a == 1:
            out.append(f"{int(a)}")
        else:
            out.append(f"{int(a)}-{int(starts[k + 1]) - 1}")
    return out
