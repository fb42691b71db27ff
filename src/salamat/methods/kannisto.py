"""Old-age smoothing of death rates with the Kannisto model, as the Human Mortality Database does.

Split from :mod:`salamat.methods.lifetable`, which calls it when ``smoothing="kannisto"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray, validate_age_starts
from salamat.methods.arrays import float_array as _float_array
from salamat.methods.arrays import frozen as _frozen
from salamat.methods.arrays import where_text as _where_text

__all__ = ["KannistoFit", "kannisto_smooth"]

# --------------------------------------------------------------------------------------------
# old-age smoothing (HMD Methods Protocol v6, section 7: Kannisto model)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KannistoFit:
    """Kannisto model fitted to old-age deaths and exposures, per stratum.

    ``mx`` holds the observed rates below ``replace_from`` and the fitted rates from it up;
    ``fitted`` holds the model at every age; ``a`` and ``b`` are the parameters with age
    measured from ``fit_from`` (``mu(x) = a e^{b(x - fit_from)} / (1 + a e^{b(x - fit_from)})``
    at band midpoints ``x + 0.5``).
    """

    mx: FloatArray
    fitted: FloatArray
    a: FloatArray
    b: FloatArray
    replace_from: FloatArray
    fit_from: float
    method: str


def _kannisto_loglik(
    theta0: FloatArray, theta1: FloatArray, x: FloatArray, d: FloatArray, e: FloatArray
) -> FloatArray:
    from scipy.special import expit, log_expit

    eta = theta0[..., None] + theta1[..., None] * x
    return np.asarray(np.sum(d * log_expit(eta) - e * expit(eta), axis=-1), dtype=np.float64)


def kannisto_smooth(
    age: npt.ArrayLike,
    deaths: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    fit_from: float = 80.0,
    replace_from: npt.ArrayLike | None = None,
    deaths_threshold: float = 100.0,
    replace_max: float = 95.0,
    tolerance: float = 1e-10,
    max_iter: int = 200,
) -> KannistoFit:
    """Fit the Kannisto model to old ages and replace the observed rates from ``replace_from``.

    Parameters
    ----------
    age
        Band starts; single years from ``fit_from`` up (the last band open, e.g. 110+).
    deaths, exposure
        Shaped ``(..., ages)``; ages with zero exposure are left out of the fit.
    fit_from
        First age of the fit (HMD: 80). Every band from it up enters the likelihood.
    replace_from
        Age from which fitted rates replace the observed ones, a number or one per stratum.
        Default, as HMD: the lowest age in ``[fit_from, replace_max]`` with at most
        ``deaths_threshold`` deaths, else ``replace_max``. (HMD takes the lower of the male
        and female ages for both sexes; pass that here to reproduce it.)
    deaths_threshold, replace_max
        See ``replace_from`` (HMD: 100 deaths, age 95).
    tolerance, max_iter
        Convergence of the Fisher scoring on ``(log a, b)``.

    Returns
    -------
    KannistoFit

    Raises
    ------
    InputError
        If the ages from ``fit_from`` are not single years, or ``replace_from`` is not a band
        start at or above ``fit_from``.
    MethodError
        If fewer than two ages can be fitted in a stratum, or the fit does not converge.

    Notes
    -----
    ``mu(x) = a e^{b (x - 80)} / (1 + a e^{b (x - 80)})`` evaluated at ``x + 0.5``, fitted by
    maximising the Poisson log-likelihood ``sum_x D_x ln mu(x + 0.5) - E_x mu(x + 0.5)`` over
    the ages ``x >= 80`` (HMD Methods Protocol v6, section 7, eqs. 53-54). Starting values
    come from a grid as in HMD's code; then Fisher scoring with step halving, all strata at
    once.

    References
    ----------
    Thatcher A.R., Kannisto V., Vaupel J.W. (1998). *The Force of Mortality at Ages 80 to 120*.
    Odense University Press.
    Wilmoth J.R. et al. (2017). *Methods Protocol for the Human Mortality Database*, v6.
    """
    from scipy.special import expit

    starts = validate_age_starts(age)
    d_all = _float_array(deaths, "deaths", starts.size)
    e_all = _float_array(exposure, "exposure", starts.size)
    d_all, e_all = np.broadcast_arrays(d_all, e_all)
    strata = d_all.shape[:-1]
    old = starts >= fit_from
    if not np.any(old) or np.any(np.diff(starts[old]) != 1):
        raise InputError(
            "Kannisto smoothing needs single-year ages from the first fitted age",
            [Problem("argument", None, "age", f"expected single years from {fit_from:g}", None)],
        )
    valid = old & (e_all > 0) & np.isfinite(e_all) & np.isfinite(d_all)
    if np.any(d_all[valid] < 0):
        raise InputError(
            "deaths must be >= 0",
            [Problem("argument", None, "deaths", "expected deaths >= 0", None)],
        )
    d = np.where(valid, d_all, 0.0)
    e = np.where(valid, e_all, 0.0)
    x = starts + 0.5 - fit_from
    few = np.sum(valid, axis=-1) < 2
    if np.any(few):
        index = tuple(int(i) for i in np.argwhere(few)[0])
        raise MethodError(
            f"Kannisto fit needs at least two ages >= {fit_from:g} with exposure "
            f"in {_where_text(index)}"
        )

    # starting values: the best point of a coarse grid (as HMD's code does)
    grid = np.arange(0.001, 0.702, 0.1)
    ga, gb = np.meshgrid(np.log(grid), grid, indexing="ij")
    ga, gb = ga.ravel(), gb.ravel()
    eta = ga[:, None] + gb[:, None] * x[None, :]
    from scipy.special import log_expit

    ll_grid = d @ log_expit(eta).T - e @ expit(eta).T
    best = np.argmax(ll_grid, axis=-1)
    t0, t1 = ga[best], gb[best]
    ll = _kannisto_loglik(t0, t1, x, d, e)
    converged = np.zeros(strata, dtype=bool)
    for _ in range(max_iter):
        eta = t0[..., None] + t1[..., None] * x
        mu = expit(eta)
        score = (d - e * mu) * (1.0 - mu)
        g0, g1 = score.sum(-1), (score * x).sum(-1)
        w = e * mu * (1.0 - mu) ** 2
        i00, i01, i11 = w.sum(-1), (w * x).sum(-1), (w * x * x).sum(-1)
        det = i00 * i11 - i01 * i01
        with np.errstate(divide="ignore", invalid="ignore"):
            s0 = np.where(converged, 0.0, (i11 * g0 - i01 * g1) / det)
            s1 = np.where(converged, 0.0, (i00 * g1 - i01 * g0) / det)
        s0 = np.where(np.isfinite(s0), s0, 0.0)
        s1 = np.where(np.isfinite(s1), s1, 0.0)
        factor = np.ones(strata)
        for _halving in range(60):
            cand0, cand1 = t0 + factor * s0, t1 + factor * s1
            ll_new = _kannisto_loglik(cand0, cand1, x, d, e)
            ok = ll_new >= ll - 1e-12 * np.abs(ll)
            if np.all(ok):
                break
            factor = np.where(ok, factor, factor / 2.0)
        step = np.maximum(np.abs(factor * s0), np.abs(factor * s1))
        t0, t1, ll = cand0, cand1, np.where(ok, ll_new, ll)
        converged = converged | (step < tolerance)
        if np.all(converged):
            break
    if not np.all(converged):
        index = tuple(int(i) for i in np.argwhere(~converged)[0])
        raise MethodError(f"the Kannisto fit did not converge in {_where_text(index)}")

    fitted = expit(t0[..., None] + t1[..., None] * x)
    if replace_from is None:
        eligible = old & (starts <= replace_max) & (d_all <= deaths_threshold)
        first = np.argmax(eligible, axis=-1)
        start_age = np.where(np.any(eligible, axis=-1), starts[first], replace_max)
    else:
        start_age = np.broadcast_to(np.asarray(replace_from, dtype=np.float64), strata)
        if np.any(~np.isin(start_age, starts[old])):
            raise InputError(
                "replace_from must be a band start at or above fit_from",
                [Problem("argument", None, "replace_from", "expected a fitted band start", None)],
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = d_all / e_all
    mx = np.where(starts >= start_age[..., None], fitted, observed)
    return KannistoFit(
        mx=_frozen(mx),
        fitted=_frozen(fitted),
        a=_frozen(np.exp(t0)),
        b=_frozen(t1),
        replace_from=_frozen(start_age),
        fit_from=float(fit_from),
        method="Kannisto model, Poisson maximum likelihood (HMD Methods Protocol v6, section 7)",
    )
