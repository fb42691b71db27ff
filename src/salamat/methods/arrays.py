"""Small array helpers shared by the method modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, Problem
from salamat.methods.ages import FloatArray

__all__ = ["float_array", "frozen", "where_text"]


def frozen(a: npt.ArrayLike) -> FloatArray:
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def where_text(index: tuple[int, ...]) -> str:
    return "the table" if not index else f"stratum {index}"


def float_array(values: npt.ArrayLike, name: str, n_ages: int) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} must be numbers",
            [Problem("argument", None, name, "expected numbers", None)],
        ) from exc
    if arr.ndim == 0 or arr.shape[-1] != n_ages:
        raise InputError(
            f"{name} must be shaped (..., ages) with {n_ages} ages",
            [Problem("argument", None, name, f"expected last axis of length {n_ages}", None)],
        )
    return arr
