"""Arriaga decomposition of a difference in life expectancy, by age and by age and cause.

The contributions of all ages (and causes) add up to ``e_x0(B) - e_x0(A)`` exactly, up to
floating point: the age formula telescopes, and the cause split divides each age's
contribution in proportion to the change in each cause's rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.lifetable import LifeTable

__all__ = ["Decomposition", "arriaga", "arriaga_by_cause"]


@dataclass(frozen=True)
class Decomposition:
    """Contributions (years) to ``e(B) - e(A)`` at the first age.

    ``contribution`` is shaped ``(..., ages)`` for :func:`arriaga` and ``(..., causes, ages)``
    for :func:`arriaga_by_cause` (then ``causes`` names the cause axis).
    """

    age: FloatArray
    contribution: FloatArray
    difference: FloatArray
    causes: tuple[str, ...] | None
    method: str


def _check_pair(a: LifeTable, b: LifeTable) -> None:
    if a.age.shape[-1] != b.age.shape[-1] or np.any(
        a.age.reshape(-1, a.age.shape[-1])[0] != b.age.reshape(-1, b.age.shape[-1])[0]
    ):
        raise InputError(
            "the two life tables must have the same age bands",
            [Problem("argument", None, "age", "expected identical band starts in A and B", None)],
        )
    try:
        np.broadcast_shapes(a.ex.shape, b.ex.shape)
    except ValueError as exc:
        raise InputError(
            "the two life tables have strata that do not match",
            [Problem("argument", None, "table", f"shapes {a.ex.shape} and {b.ex.shape}", None)],
        ) from exc
    if np.any(a.lx <= 0) or np.any(b.lx <= 0):
        raise MethodError(
            "Arriaga's decomposition needs survivors at every age (lx > 0) in both tables"
        )


def _age_contributions(a: LifeTable, b: LifeTable) -> FloatArray:
    la, lb = a.lx, b.lx
    l0 = la[..., :1]
    direct = la / l0 * (b.Lx / lb - a.Lx / la)
    # indirect effect of the survivors at x + n, Arriaga (1984); zero for the open band
    ratio = la / lb
    indirect = b.Tx[..., 1:] / l0 * (ratio[..., :-1] - ratio[..., 1:])
    zero = np.zeros_like(np.broadcast_to(indirect[..., :1], direct[..., :1].shape))
    return np.asarray(direct + np.concatenate([indirect, zero], axis=-1), dtype=np.float64)


def arriaga(a: LifeTable, b: LifeTable) -> Decomposition:
    """Contribution of each age band to ``e_x0(B) - e_x0(A)`` (Arriaga 1984).

    Parameters
    ----------
    a, b
        Life tables with the same age bands and broadcastable strata.

    Returns
    -------
    Decomposition
        ``contribution`` shaped ``(..., ages)``; ``contribution.sum(-1) == difference``.

    Raises
    ------
    InputError
        Different age bands or strata.
    MethodError
        A table with no survivors at some age.

    Notes
    -----
    For a closed band ``[x, x+n)``::

        D_x = l^A_x / l^A_0 (L^B_x / l^B_x - L^A_x / l^A_x)
              + T^B_{x+n} / l^A_0 (l^A_x / l^B_x - l^A_{x+n} / l^B_{x+n})

    and for the open band ``D_w = l^A_w / l^A_0 (T^B_w / l^B_w - T^A_w / l^A_w)``.

    References
    ----------
    Arriaga E.E. (1984). Measuring and explaining the change in life expectancies.
    *Demography* 21(1): 83-96.
    Preston S.H., Heuveline P., Guillot M. (2001). *Demography: Measuring and Modeling
    Population Processes*. Oxford: Blackwell, ch. 3 (decomposing a difference in life
    expectancies by age) and ch. 4 (by cause).

    Examples
    --------
    >>> from salamat.methods.lifetable import life_table
    >>> a = life_table([0, 1], mx=[0.1, 0.5], a0=0.5)
    >>> b = life_table([0, 1], mx=[0.05, 0.5], a0=0.5)
    >>> d = arriaga(a, b)
    >>> bool(abs(d.contribution.sum() - (b.ex[0] - a.ex[0])) < 1e-12)
    True
    """
    _check_pair(a, b)
    contribution = _age_contributions(a, b)
    return Decomposition(
        age=np.asarray(a.age.reshape(-1, a.age.shape[-1])[0]),
        contribution=contribution,
        difference=np.asarray(b.ex[..., 0] - a.ex[..., 0]),
        causes=None,
        method="Arriaga (1984) decomposition by age",
    )


def _shares(shares: npt.ArrayLike, name: str, n_causes: int, n_ages: int) -> FloatArray:
    s = np.asarray(shares, dtype=np.float64)
    if s.ndim < 2 or s.shape[-2:] != (n_causes, n_ages):
        raise InputError(
            f"{name} must be shaped (..., causes, ages)",
            [Problem("argument", None, name, f"expected (..., {n_causes}, {n_ages})", None)],
        )
    if np.any(~np.isfinite(s)) or np.any(s < 0) or np.any(np.abs(s.sum(axis=-2) - 1.0) > 1e-9):
        raise InputError(
            f"{name}: cause shares must be >= 0 and add up to 1 at every age",
            [Problem("argument", None, name, "expected shares of deaths summing to 1", None)],
        )
    return s


def arriaga_by_cause(
    a: LifeTable,
    b: LifeTable,
    share_a: npt.ArrayLike,
    share_b: npt.ArrayLike,
    causes: Sequence[str],
) -> Decomposition:
    """Contribution of each age band and cause to ``e_x0(B) - e_x0(A)``.

    Parameters
    ----------
    a, b
        Life tables with the same age bands.
    share_a, share_b
        Each cause's share of all deaths, shaped ``(..., causes, ages)``, adding up to one
        over causes at every age.
    causes
        Names of the causes, in the order of the cause axis.

    Returns
    -------
    Decomposition
        ``contribution`` shaped ``(..., causes, ages)``; summing over causes gives
        :func:`arriaga`'s contributions, summing over everything gives ``difference``.

    Notes
    -----
    With cause-specific rates ``m^i_x = R^i_x m_x`` (``R`` the share of deaths)::

        D^i_x = D_x (m^{i,B}_x - m^{i,A}_x) / (m^B_x - m^A_x)

    Where ``m^B_x = m^A_x`` the age's contribution (zero unless ``ax`` differs) is split by the
    mean of the two populations' shares.

    References
    ----------
    Arriaga E.E. (1989). Changing trends in mortality decline during the last decades. In
    Ruzicka L., Wunsch G., Kane P. (eds), *Differential Mortality*. Oxford: Clarendon Press.
    Preston S.H., Heuveline P., Guillot M. (2001), ch. 4 (decomposition by cause).
    """
    _check_pair(a, b)
    n_ages = a.age.shape[-1]
    names = tuple(str(c) for c in causes)
    ra = _shares(share_a, "share_a", len(names), n_ages)
    rb = _shares(share_b, "share_b", len(names), n_ages)
    by_age = _age_contributions(a, b)
    ma, mb = a.mx[..., None, :], b.mx[..., None, :]
    change = mb - ma
    same = change == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(same, (ra + rb) / 2.0, (rb * mb - ra * ma) / np.where(same, 1.0, change))
    contribution = by_age[..., None, :] * split
    return Decomposition(
        age=np.asarray(a.age.reshape(-1, n_ages)[0]),
        contribution=np.asarray(contribution, dtype=np.float64),
        difference=np.asarray(b.ex[..., 0] - a.ex[..., 0]),
        causes=names,
        method="Arriaga (1984) decomposition by age, split by cause in proportion to the "
        "change in cause-specific rates (Preston et al. 2001, ch. 4)",
    )
