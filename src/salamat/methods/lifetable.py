"""Period life tables: identities, a0/ax rules, closure and :func:`life_table`.

Arrays are shaped ``(..., ages)``: the leading axes index strata (country, year, sex ...), the
last axis the age bands, so one call computes thousands of tables. Notation follows Preston,
Heuveline & Guillot (2001), ch. 3: ``mx qx ax lx dx Lx Tx ex``; ``width`` is ``n`` (``inf`` for
the open band) and ``ax`` is in years (not a fraction of the band).

The identities come first, one line each; :func:`life_table` composes them.

References
----------
Preston S.H., Heuveline P., Guillot M. (2001). *Demography: Measuring and Modeling Population
Processes*. Oxford: Blackwell, ch. 3.
Wilmoth J.R., Andreev K., Jdanov D., Glei D.A., Riffe T. et al. (2017). *Methods Protocol for
the Human Mortality Database*, version 6. University of California, Berkeley and Max Planck
Institute for Demographic Research.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray, validate_age_starts
from salamat.methods.arrays import float_array as _float_array
from salamat.methods.arrays import frozen as _frozen
from salamat.methods.arrays import where_text as _where_text
from salamat.methods.intervals import check_level, chiang_ex_standard_error, z_value
from salamat.methods.kannisto import KannistoFit, kannisto_smooth

__all__ = [
    "A0Rule",
    "KannistoFit",
    "LifeTable",
    "Lx_to_Tx",
    "QxAboveOneError",
    "QxOverOne",
    "Sex",
    "Smoothing",
    "Tx_lx_to_ex",
    "a0_andreev_kingkade",
    "a0_both_sexes",
    "a0_coale_demeny",
    "a41_coale_demeny",
    "kannisto_smooth",
    "life_table",
    "lx_dx_ax_to_Lx",
    "lx_mx_to_Lx_open",
    "lx_to_dx",
    "mx_to_ax_constant_hazard",
    "mx_to_ax_open",
    "mx_to_qx",
    "qx_to_lx",
]

A0Rule = Literal["andreev_kingkade", "coale_demeny"]
Sex = Literal["female", "male", "total"]
Smoothing = Literal["none", "kannisto"]
QxOverOne = Literal["raise", "constant_hazard"]

_SEX_CODES: dict[str, int] = {"female": 0, "male": 1, "total": 2}
CONSTANT_HAZARD = "ax constant hazard (ax = n/2 gives qx >= 1)"

# --------------------------------------------------------------------------------------------
# identities (Preston, Heuveline & Guillot 2001, ch. 3)
# --------------------------------------------------------------------------------------------


def mx_to_qx(mx: FloatArray, ax: FloatArray, width: FloatArray) -> FloatArray:
    """``nqx = n nmx / (1 + (n - nax) nmx)`` (Preston et al. 2001, eq. 3.5), closed bands."""
    return np.asarray(width * mx / (1.0 + (width - ax) * mx), dtype=np.float64)


def qx_to_lx(qx: FloatArray, radix: float) -> FloatArray:
    """``l_{x+n} = l_x (1 - nqx)`` with ``l_{x0} = radix`` (Preston et al. 2001, ch. 3)."""
    survival = np.cumprod(1.0 - qx[..., :-1], axis=-1)
    return radix * np.concatenate([np.ones_like(qx[..., :1]), survival], axis=-1)


def lx_to_dx(lx: FloatArray, qx: FloatArray) -> FloatArray:
    """``ndx = l_x nqx`` (Preston et al. 2001, ch. 3); the open band has ``dx = lx``."""
    return np.asarray(lx * qx, dtype=np.float64)


def lx_dx_ax_to_Lx(lx: FloatArray, dx: FloatArray, ax: FloatArray, width: FloatArray) -> FloatArray:
    """``nLx = n l_{x+n} + nax ndx = n (lx - dx) + ax dx`` (Preston et al. 2001, eq. 3.3)."""
    return np.asarray(width * (lx - dx) + ax * dx, dtype=np.float64)


def lx_mx_to_Lx_open(lx: FloatArray, mx: FloatArray) -> FloatArray:
    """Open band: ``L_w = l_w / M_w`` (Preston et al. 2001, eq. 3.9)."""
    return np.asarray(lx / mx, dtype=np.float64)


def mx_to_ax_open(mx: FloatArray) -> FloatArray:
    """Open band: ``a_w = 1 / M_w``, the mean survival at constant hazard (Preston et al. 2001)."""
    return np.asarray(1.0 / mx, dtype=np.float64)


def mx_to_ax_constant_hazard(mx: FloatArray, width: FloatArray) -> FloatArray:
    """``nax = n + 1/nmx - n / (1 - exp(-n nmx))``: the mean time lived in the band by those
    who die in it when the hazard is constant within the band (Preston et al. 2001, ch. 3,
    eq. 3.10 and the constant-hazard assumption). Then ``nqx = 1 - exp(-n nmx) < 1`` for every
    finite rate. As ``nmx -> 0``, ``nax -> n/2`` (used below ``n nmx = 1e-8``)."""
    nm = width * mx
    small = nm < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = width + 1.0 / mx - width / -np.expm1(-nm)
    return np.asarray(np.where(small, width / 2.0, exact), dtype=np.float64)


def Lx_to_Tx(Lx: FloatArray) -> FloatArray:
    """``T_x = sum_{a >= x} nLa`` (Preston et al. 2001, eq. 3.6)."""
    return np.flip(np.cumsum(np.flip(Lx, axis=-1), axis=-1), axis=-1)


def Tx_lx_to_ex(Tx: FloatArray, lx: FloatArray) -> FloatArray:
    """``e_x = T_x / l_x`` (Preston et al. 2001, eq. 3.7)."""
    return np.asarray(Tx / lx, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# a0 and 4a1 rules
# --------------------------------------------------------------------------------------------


def a0_andreev_kingkade(m0: npt.ArrayLike, sex: npt.ArrayLike) -> FloatArray:
    """Mean age at death in the first year of life from ``m0`` (Andreev-Kingkade, HMD v6).

    Parameters
    ----------
    m0
        Death rate at age 0 (deaths over person-years), any shape.
    sex
        ``"female"``, ``"male"`` or ``"total"``, broadcastable to ``m0``. For ``"total"`` the
        mean of the female and male values at the same ``m0`` is returned (a Salamat
        convention; HMD instead weights the sex-specific ``a0`` by infant deaths, see
        :func:`a0_both_sexes`).

    Notes
    -----
    ===========  =====================  =====================  ===========
    sex          ``m0 < c1``            ``c1 <= m0 < c2``      ``m0 >= c2``
    ===========  =====================  =====================  ===========
    male         0.14929 - 1.99545 m0   0.02832 + 3.26201 m0   0.29915
    female       0.14903 - 2.05527 m0   0.04667 + 3.88089 m0   0.31411
    ===========  =====================  =====================  ===========

    with ``(c1, c2) = (0.02300, 0.08307)`` for males and ``(0.01724, 0.06891)`` for females.

    References
    ----------
    Andreev E.M., Kingkade W.W. (2015). Average age at death in infancy and infant mortality
    level: reconsidering the Coale-Demeny formulas at current levels of low mortality.
    *Demographic Research* 33(13): 363-390. doi:10.4054/DemRes.2015.33.13.
    Wilmoth J.R. et al. (2017). *Methods Protocol for the Human Mortality Database*, v6,
    section 7.1 (the ``m0`` form used here).

    Examples
    --------
    >>> round(float(a0_andreev_kingkade(0.09257, "male")), 5)
    0.29915
    """
    m = np.asarray(m0, dtype=np.float64)
    code = _sex_codes(sex, m.shape)
    male = np.where(
        m < 0.02300, 0.14929 - 1.99545 * m, np.where(m < 0.08307, 0.02832 + 3.26201 * m, 0.29915)
    )
    female = np.where(
        m < 0.01724, 0.14903 - 2.05527 * m, np.where(m < 0.06891, 0.04667 + 3.88089 * m, 0.31411)
    )
    return np.asarray(
        np.where(code == 0, female, np.where(code == 1, male, (male + female) / 2.0)),
        dtype=np.float64,
    )


def a0_coale_demeny(m0: npt.ArrayLike, sex: npt.ArrayLike) -> FloatArray:
    """Coale-Demeny ``1a0`` from ``1m0`` (Preston et al. 2001, Table 3.3).

    Notes
    -----
    Males: ``0.330`` if ``m0 >= 0.107`` else ``0.045 + 2.684 m0``; females: ``0.350`` else
    ``0.053 + 2.800 m0``; ``"total"``: the mean of the two (Salamat convention).

    References
    ----------
    Coale A.J., Demeny P. (1983). *Regional Model Life Tables and Stable Populations*, 2nd ed.
    New York: Academic Press. As tabulated in Preston, Heuveline & Guillot (2001), Table 3.3.

    Examples
    --------
    >>> round(float(a0_coale_demeny(0.008742827334, "male")), 3)
    0.068
    """
    m = np.asarray(m0, dtype=np.float64)
    code = _sex_codes(sex, m.shape)
    male = np.where(m >= 0.107, 0.330, 0.045 + 2.684 * m)
    female = np.where(m >= 0.107, 0.350, 0.053 + 2.800 * m)
    return np.asarray(
        np.where(code == 0, female, np.where(code == 1, male, (male + female) / 2.0)),
        dtype=np.float64,
    )


def a41_coale_demeny(m0: npt.ArrayLike, sex: npt.ArrayLike) -> FloatArray:
    """Coale-Demeny ``4a1`` from ``1m0`` (Preston et al. 2001, Table 3.3).

    Notes
    -----
    Males: ``1.352`` if ``m0 >= 0.107`` else ``1.651 - 2.816 m0``; females: ``1.361`` else
    ``1.522 - 1.518 m0``; ``"total"``: the mean of the two (Salamat convention).

    Examples
    --------
    >>> round(float(a41_coale_demeny(0.008742827334, "male")), 3)
    1.626
    """
    m = np.asarray(m0, dtype=np.float64)
    code = _sex_codes(sex, m.shape)
    male = np.where(m >= 0.107, 1.352, 1.651 - 2.816 * m)
    female = np.where(m >= 0.107, 1.361, 1.522 - 1.518 * m)
    return np.asarray(
        np.where(code == 0, female, np.where(code == 1, male, (male + female) / 2.0)),
        dtype=np.float64,
    )


def a0_both_sexes(
    a0_female: npt.ArrayLike,
    a0_male: npt.ArrayLike,
    d0_female: npt.ArrayLike,
    d0_male: npt.ArrayLike,
) -> FloatArray:
    """HMD's both-sexes ``a0``: sex-specific values weighted by infant deaths.

    ``a0 = (a0f D0f + a0m D0m) / (D0f + D0m)`` (HMD Methods Protocol v6, eq. 63). Pass the
    result as ``a0=`` to :func:`life_table` with ``sex="total"``.

    Examples
    --------
    >>> round(float(a0_both_sexes(0.3, 0.2, 1, 3)), 12)
    0.225
    """
    af, am = np.asarray(a0_female, np.float64), np.asarray(a0_male, np.float64)
    df, dm = np.asarray(d0_female, np.float64), np.asarray(d0_male, np.float64)
    return np.asarray((af * df + am * dm) / (df + dm), dtype=np.float64)


def _sex_codes(sex: npt.ArrayLike, shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
    values = np.asarray(sex, dtype=object)
    codes = np.full(values.shape, -1, dtype=np.int64)
    for name, code in _SEX_CODES.items():
        codes[values == name] = code
    if np.any(codes < 0):
        bad = sorted({str(v) for v in values[codes < 0].ravel()})
        raise InputError(
            "sex must be 'female', 'male' or 'total'",
            [Problem("argument", None, "sex", "expected female, male or total", ", ".join(bad))],
        )
    try:
        return np.broadcast_to(codes, shape)
    except ValueError as exc:
        raise InputError(
            "sex does not match the strata",
            [Problem("argument", None, "sex", f"expected a shape broadcastable to {shape}", None)],
        ) from exc


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------


class QxAboveOneError(MethodError):
    """A death rate that makes ``qx`` exceed one; carries where it happened.

    ``stratum`` indexes the leading axes of the input (``()`` for a single table) and ``age``
    is the start of the band.
    """

    def __init__(self, message: str, stratum: tuple[int, ...], age: float) -> None:
        super().__init__(message)
        self.stratum = stratum
        self.age = age


@dataclass(frozen=True)
class LifeTable:
    """A period life table for one or many strata.

    Every array attribute is shaped ``(..., ages)`` (``age`` and ``width`` are broadcast to
    that shape) and read-only. ``ex_lower``/``ex_upper`` are ``None`` unless an interval was
    asked for.
    """

    age: FloatArray
    width: FloatArray
    mx: FloatArray
    qx: FloatArray
    ax: FloatArray
    lx: FloatArray
    dx: FloatArray
    Lx: FloatArray
    Tx: FloatArray
    ex: FloatArray
    ex_lower: FloatArray | None
    ex_upper: FloatArray | None
    radix: float
    a0_rule: str
    ax_rule: str
    smoothing: str
    ci_level: float | None
    ci_method: str | None
    method: str = field(
        default="period life table (Preston, Heuveline & Guillot 2001, ch. 3); "
        "open band closed with Lx = lx / mx"
    )
    ax_method: npt.NDArray[np.object_] | None = None
    """The rule that gave ``ax`` at each stratum and age (``(..., ages)``), e.g. ``ax = n/2``,
    ``1a0 andreev_kingkade``, ``ax constant hazard (ax = n/2 gives qx >= 1)``."""

    def ex_at(self, age: float) -> FloatArray:
        """Life expectancy at exact age ``age`` (which must be a band start), shape ``(...)``.

        Raises
        ------
        InputError
            If ``age`` is not the start of a band of this table.
        """
        starts = self.age.reshape(-1, self.age.shape[-1])[0]
        hits = np.flatnonzero(starts == age)
        if hits.size == 0:
            raise InputError(
                f"no age band starts at {age:g}",
                [Problem("argument", None, "age", "expected one of the band starts", str(age))],
            )
        return np.asarray(self.ex[..., int(hits[0])], dtype=np.float64)


def _first_bad(mask: npt.NDArray[np.bool_]) -> tuple[tuple[int, ...], int, int]:
    """Index of the first True in ``mask`` split into (stratum, age index) and the count."""
    where = np.argwhere(mask)
    first = tuple(int(i) for i in where[0])
    return first[:-1], first[-1], int(where.shape[0])


def _rates(
    starts: FloatArray,
    deaths: npt.ArrayLike | None,
    exposure: npt.ArrayLike | None,
    mx: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    n_ages = starts.size
    if mx is not None:
        if deaths is not None or exposure is not None:
            raise InputError(
                "give either mx, or deaths and exposure, not both",
                [Problem("argument", None, "mx", "expected mx alone", None)],
            )
        rates = _float_array(mx, "mx", n_ages)
        bad = ~np.isfinite(rates) | (rates < 0)
        if np.any(bad):
            index, col, count = _first_bad(bad)
            raise InputError(
                "death rates must be finite and >= 0",
                [
                    Problem(
                        "argument",
                        None,
                        "mx",
                        f"{_where_text(index)}, age {starts[col]:g} ({count} value(s) in all)",
                        str(rates[(*index, col)]),
                    )
                ],
            )
        return rates, None, None
    if deaths is None or exposure is None:
        raise InputError(
            "give mx, or both deaths and exposure",
            [Problem("argument", None, "deaths", "expected deaths and exposure (or mx)", None)],
        )
    d = _float_array(deaths, "deaths", n_ages)
    e = _float_array(exposure, "exposure", n_ages)
    d, e = np.broadcast_arrays(d, e)
    problems: list[Problem] = []
    for name, arr, bad in (
        ("deaths", d, ~np.isfinite(d) | (d < 0)),
        ("exposure", e, ~np.isfinite(e) | (e <= 0)),
    ):
        if np.any(bad):
            index, col, count = _first_bad(bad)
            expected = "deaths >= 0" if name == "deaths" else "exposure > 0"
            problems.append(
                Problem(
                    "argument",
                    None,
                    name,
                    f"expected {expected}: {_where_text(index)}, age {starts[col]:g} "
                    f"({count} value(s) in all)",
                    str(arr[(*index, col)]),
                )
            )
    if problems:
        raise InputError("invalid deaths or exposure", problems)
    return np.asarray(d / e, dtype=np.float64), np.asarray(d), np.asarray(e)


def life_table(
    age: npt.ArrayLike,
    *,
    deaths: npt.ArrayLike | None = None,
    exposure: npt.ArrayLike | None = None,
    mx: npt.ArrayLike | None = None,
    sex: Sex | npt.ArrayLike = "total",
    a0: A0Rule | npt.ArrayLike = "andreev_kingkade",
    ax: npt.ArrayLike | None = None,
    radix: float = 100_000.0,
    ci: float | None = None,
    smoothing: Smoothing = "none",
    qx_over_one: QxOverOne = "raise",
) -> LifeTable:
    """Period life table(s) from deaths and exposures, or from death rates.

    Parameters
    ----------
    age
        Start of each age band (years), one-dimensional; the last band is open. Single-year
        (0, 1, ..., 110+), abridged (0, 1, 5, 10, ..., 85+) or any other layout.
    deaths, exposure
        Deaths and person-years, shaped ``(..., ages)``. Needed for ``ci``.
    mx
        Death rates ``(..., ages)``, instead of deaths and exposure.
    sex
        ``"female"``, ``"male"`` or ``"total"``, or an array of these broadcastable to the strata
        shape ``(...)``. Used only by the a0/4a1 rules.
    a0
        Rule for ``a0`` when the first band is ``[0, 1)``: ``"andreev_kingkade"`` (HMD v6; the
        default) or ``"coale_demeny"`` (Preston et al. 2001, Table 3.3); or the values
        themselves, a number or an array broadcastable to ``(...)`` (for example the published
        both-sexes ``a0`` of HMD, or :func:`a0_both_sexes`).
    ax
        Given ``ax`` (years) shaped ``(..., ages)``; ``NaN`` where the rule should apply. A
        given value wins over the rule. On the open band ``ax`` is fixed by closure,
        ``1/mx``; a given value there must agree with it to within 0.005 years.
    radix
        ``l`` at the first age (default 100 000).
    ci
        Confidence level (e.g. 0.95) for ``ex``; needs deaths and exposure.
    smoothing
        ``"kannisto"`` replaces old-age rates by a fitted Kannisto model as HMD does (see
        :func:`kannisto_smooth`); needs single-year deaths and exposure.
    qx_over_one
        What to do where a rule's ``ax`` (not a given one) makes a closed band's
        ``qx = n mx / (1 + (n - ax) mx)`` reach or exceed one (``mx >= 2/n`` with ``ax = n/2``:
        the oldest closed ages of published rates such as UN WPP's): ``"raise"`` (the default,
        :class:`QxAboveOneError`) or ``"constant_hazard"``: use there the constant-hazard ``ax``
        (:func:`mx_to_ax_constant_hazard`), which gives ``qx = 1 - exp(-n mx) < 1``, and say
        so in ``ax_method`` for that stratum and age.

    Returns
    -------
    LifeTable
        Columns ``age width mx qx ax lx dx Lx Tx ex`` (and ``ex_lower ex_upper``).

    Raises
    ------
    InputError
        Bad shapes or values (negative deaths, zero exposure, ``ax`` outside its band ...).
    MethodError
        A rate that makes ``qx`` exceed one (naming the stratum and age), or an open band with
        a zero rate (infinite life expectancy).

    Notes
    -----
    ``ax``: the given value; else for ``[0, 1)`` the ``a0`` rule; for ``[1, 5)`` in an abridged
    table the Coale-Demeny ``4a1`` (also under ``a0="andreev_kingkade"``, which gives no ``4a1``
    rule); else half the band. Then ``qx = n mx / (1 + (n - ax) mx)``, ``lx`` by survival,
    ``dx = lx qx``, ``Lx = n (lx - dx) + ax dx``, and on the open band ``qx = 1``,
    ``Lx = lx / mx``, ``ax = 1/mx``; ``Tx`` sums ``Lx`` from the top; ``ex = Tx / lx``.
    Where ``lx`` reaches zero (a closed band with ``qx = 1``) the ``ex`` above it is ``NaN``:
    there is no one left to have an expectation.

    The interval is Chiang's, with Silcocks et al.'s term for the open band
    (:func:`salamat.methods.intervals.chiang_ex_standard_error`): ``ex -/+ z se``.

    References
    ----------
    Preston S.H., Heuveline P., Guillot M. (2001). *Demography: Measuring and Modeling
    Population Processes*. Oxford: Blackwell, ch. 3.
    Chiang C.L. (1984). *The Life Table and its Applications*. Malabar: Krieger.

    Examples
    --------
    >>> t = life_table([0, 1], mx=[[0.0, 0.5]], a0=0.5)
    >>> float(t.ex[0, 0])
    3.0
    """
    starts = validate_age_starts(age)
    n_ages = starts.size
    if n_ages < 2:
        raise InputError(
            "a life table needs at least two age bands (the last one open)",
            [Problem("argument", None, "age", "expected two or more band starts", None)],
        )
    width = np.append(np.diff(starts), np.inf)
    closed = np.isfinite(width)
    rates, d, e = _rates(starts, deaths, exposure, mx)
    if ci is not None:
        check_level(ci)
        if d is None:
            raise InputError(
                "an interval for ex needs deaths and exposure, not rates alone",
                [Problem("argument", None, "ci", "expected deaths and exposure with ci", None)],
            )
        if smoothing != "none":
            raise InputError(
                "an interval for ex is not available with smoothed rates",
                [Problem("argument", None, "ci", "expected smoothing='none' with ci", None)],
            )
    if smoothing == "kannisto":
        if d is None or e is None:
            raise InputError(
                "Kannisto smoothing needs deaths and exposure",
                [Problem("argument", None, "smoothing", "expected deaths and exposure", None)],
            )
        rates = kannisto_smooth(starts, d, e).mx
    strata = rates.shape[:-1]

    # ---- ax: rule, then given values -------------------------------------------------
    ax_rule_parts: list[str] = []
    ax_values = np.broadcast_to(np.where(closed, width / 2.0, np.nan), rates.shape).copy()
    ax_method = np.broadcast_to(
        np.where(closed, "ax = n/2", "ax = 1/mx (open band)").astype(object), rates.shape
    ).copy()
    first_is_infant = starts[0] == 0 and width[0] == 1
    abridged = first_is_infant and n_ages >= 3 and starts[1] == 1 and starts[2] == 5
    if isinstance(a0, str):
        if a0 not in ("andreev_kingkade", "coale_demeny"):
            raise InputError(
                "unknown a0 rule",
                [Problem("argument", None, "a0", "expected andreev_kingkade or coale_demeny", a0)],
            )
        a0_rule = a0
        if first_is_infant:
            rule = a0_andreev_kingkade if a0 == "andreev_kingkade" else a0_coale_demeny
            ax_values[..., 0] = rule(rates[..., 0], _sex_codes_to_names(sex, strata))
            ax_method[..., 0] = f"1a0 {a0}"
            ax_rule_parts.append(f"1a0: {a0}")
    else:
        a0_rule = "given"
        if not first_is_infant:
            raise InputError(
                "a given a0 needs a first band [0, 1)",
                [Problem("argument", None, "a0", "expected the first band to be age 0", None)],
            )
        given_a0 = np.asarray(a0, dtype=np.float64)
        if np.any(~np.isfinite(given_a0)) or np.any((given_a0 < 0) | (given_a0 > 1)):
            raise InputError(
                "a0 must lie in [0, 1]",
                [Problem("argument", None, "a0", "expected 0 <= a0 <= 1", str(a0))],
            )
        try:
            ax_values[..., 0] = np.broadcast_to(given_a0, strata)
        except ValueError as exc:
            raise InputError(
                "a0 does not match the strata",
                [
                    Problem(
                        "argument", None, "a0", f"expected shape broadcastable to {strata}", None
                    )
                ],
            ) from exc
        ax_method[..., 0] = "1a0 given"
        ax_rule_parts.append("1a0: given")
    if abridged:
        ax_values[..., 1] = a41_coale_demeny(rates[..., 0], _sex_codes_to_names(sex, strata))
        ax_method[..., 1] = "4a1 coale_demeny"
        ax_rule_parts.append("4a1: coale_demeny")
    ax_rule_parts.append("other closed bands: half the band")
    if ax is not None:
        given = np.broadcast_to(_float_array(ax, "ax", n_ages), rates.shape)
        has = np.isfinite(given)
        bad = has & closed & ((given < 0) | (given > width))
        if np.any(bad):
            index, col, count = _first_bad(bad)
            raise InputError(
                "ax must lie within its band (0 <= ax <= width)",
                [
                    Problem(
                        "argument",
                        None,
                        "ax",
                        f"{_where_text(index)}, age {starts[col]:g} ({count} value(s) in all)",
                        str(given[(*index, col)]),
                    )
                ],
            )
        with np.errstate(divide="ignore"):
            closure = 1.0 / rates[..., -1]
        open_bad = has[..., -1] & ~(np.abs(given[..., -1] - closure) <= 0.005)
        if np.any(open_bad):
            where = np.argwhere(open_bad)
            index = tuple(int(i) for i in where[0])
            raise InputError(
                "ax on the open band is fixed by closure (1/mx)",
                [
                    Problem(
                        "argument",
                        None,
                        "ax",
                        f"{_where_text(index)}, open band {starts[-1]:g}+: expected "
                        f"{closure[index]:.6g} (1/mx) or NaN",
                        str(given[(*index, n_ages - 1)]),
                    )
                ],
            )
        ax_values = np.where(has & closed, given, ax_values)
        ax_method = np.where(has & closed, "ax given", ax_method)
        ax_rule_parts.insert(0, "given values where supplied")
    ax_rule_parts.append("open band: 1/mx")

    # ---- closure checks ---------------------------------------------------------------
    if np.any(rates[..., -1] == 0):
        where = np.argwhere(rates[..., -1] == 0)
        index = tuple(int(i) for i in where[0])
        raise MethodError(
            f"the open band {starts[-1]:g}+ has a death rate of zero in {_where_text(index)}: "
            "life expectancy there would be infinite"
        )
    width_closed = np.where(closed, width, 0.0)
    qx = np.where(closed, mx_to_qx(rates, ax_values, width_closed), 1.0)
    if qx_over_one == "constant_hazard":
        ruled = ax_method != "ax given"
        full = closed & ruled & (qx >= 1.0)
        if np.any(full):
            hazard = mx_to_ax_constant_hazard(rates, width_closed)
            ax_values = np.where(full, hazard, ax_values)
            ax_method = np.where(full, CONSTANT_HAZARD, ax_method)
            qx = np.where(closed, mx_to_qx(rates, ax_values, width_closed), 1.0)
            ax_rule_parts.insert(
                -1, f"constant-hazard ax where the rule gave qx >= 1 ({int(full.sum())} band(s))"
            )
    elif qx_over_one != "raise":
        raise InputError(
            "unknown rule for qx over one",
            [Problem("argument", None, "qx_over_one", "expected raise or constant_hazard", None)],
        )
    over = qx > 1.0 + 1e-12
    if np.any(over):
        index, col, count = _first_bad(over)
        at = (*index, col)
        raise QxAboveOneError(
            f"death rate {rates[at]:.6g} at age {starts[col]:g} in {_where_text(index)} gives "
            f"qx = {qx[at]:.6g} > 1 (width {width[col]:g}, ax {ax_values[at]:.4g}); "
            f"{count} band(s) in all. Check the deaths and exposures, or give ax.",
            stratum=index,
            age=float(starts[col]),
        )

    # ---- the columns ----------------------------------------------------------------
    lx = qx_to_lx(qx, radix)
    dx = lx_to_dx(lx, qx)
    ax_values[..., -1] = mx_to_ax_open(rates[..., -1])
    Lx = lx_dx_ax_to_Lx(lx, dx, ax_values, width_closed)
    Lx[..., -1] = lx_mx_to_Lx_open(lx[..., -1], rates[..., -1])
    Tx = Lx_to_Tx(Lx)
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = Tx_lx_to_ex(Tx, lx)

    lower: FloatArray | None = None
    upper: FloatArray | None = None
    ci_method: str | None = None
    if ci is not None and d is not None:
        se = chiang_ex_standard_error(lx, qx, ax_values, width, ex, rates, d)
        z = z_value(ci)
        lower, upper = ex - z * se, ex + z * se
        ci_method = (
            "Chiang (1984) variance of ex with Silcocks, Jenner & Reza (2001) term for the "
            "open band; normal interval"
        )

    shape = rates.shape
    return LifeTable(
        age=_frozen(np.broadcast_to(starts, shape)),
        width=_frozen(np.broadcast_to(width, shape)),
        mx=_frozen(rates),
        qx=_frozen(qx),
        ax=_frozen(ax_values),
        lx=_frozen(lx),
        dx=_frozen(dx),
        Lx=_frozen(Lx),
        Tx=_frozen(Tx),
        ex=_frozen(ex),
        ex_lower=None if lower is None else _frozen(lower),
        ex_upper=None if upper is None else _frozen(upper),
        radix=float(radix),
        a0_rule=a0_rule,
        ax_rule="; ".join(ax_rule_parts),
        smoothing=smoothing,
        ci_level=None if ci is None else float(ci),
        ci_method=ci_method,
        ax_method=ax_method,
    )


def _sex_codes_to_names(sex: npt.ArrayLike, strata: tuple[int, ...]) -> npt.NDArray[np.object_]:
    """Validate ``sex`` against the strata and return names broadcast to ``strata``."""
    codes = _sex_codes(sex, strata)
    names = np.array(["female", "male", "total"], dtype=object)
    return np.asarray(names[codes], dtype=object)
