"""Is an expansion trustworthy? Lost orders, both sides of the point, and rounding noise; how much
of each coefficient is rounding.

Three checks on concrete coefficients, all reusing the compiled program (a direction
is an argument, so none of them compiles anything new):

* **lost orders**: a removable singularity (``sin(t)/t`` at 0) cancels a factor t^m,
  and the m highest coefficients come back NaN (:func:`.series.divide_removable`):
  recompute with m more orders and keep the first ``order + 1``;
* **two sides**: the expansion along ``-s`` (s slightly above 1), rescaled, must equal
  the one along ``+1``; where they differ f has a jump (order 0) or a kink (order k);
* **rounding**: if they differ, a third pass along ``+s`` tells a kink (the ``+s`` pass
  agrees with ``+1``) from coefficients drowned in rounding error by a cancellation
  (it does not: the same numbers rounded differently give different answers).

>>> import numpy as np
>>> lost_orders(np.array([1.0, 0.0, -0.5, np.nan]))
1
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ...core.errors import JaxCalcError

SKEW = 1.0 + 2.0 ** -7 + 2.0 ** -29    # scales the direction so that every rounding changes
AGREEMENT = 1e-6                       # relative to a coefficient's neighbourhood


def lost_orders(coeffs: np.ndarray, axis: int = 0) -> int:
    """How many highest orders are NaN while the lower ones are finite (0 if none, or if
    the value itself is not finite)."""
    bad = np.moveaxis(~np.isfinite(coeffs), axis, 0).reshape(coeffs.shape[axis], -1).any(axis=1)
    if bad[0] or not bad.any():
        return 0
    first = int(np.argmax(bad))
    return len(bad) - first if bad[first:].all() else 0


def recovering_lost_orders(compute: Callable[[int], np.ndarray], order: int, axis: int = 0) -> np.ndarray:
    """``compute(order)``, recomputed with more orders when a cancellation lost the top ones."""
    coeffs = np.asarray(compute(order))
    lost = lost_orders(coeffs, axis)
    if lost:
        more = np.take(np.asarray(compute(order + lost)), np.arange(order + 1), axis=axis)
        if np.all(np.isfinite(more)):
            return more
    return coeffs


def rounding_error(right: np.ndarray, other: np.ndarray, factor: float, axis: int = 0) -> np.ndarray:
    """Per coefficient: ``|right_k - other_k / factor^k|`` plus one ulp of ``right_k``."""
    k = np.arange(right.shape[axis]).reshape((-1,) + (1,) * (right.ndim - axis - 1))
    with np.errstate(over="ignore", invalid="ignore"):
        spread = np.abs(right - other / factor ** k)
    return np.where(np.isfinite(spread), spread, np.inf) + np.finfo(right.dtype).eps * np.abs(right)


def first_disagreement(right: np.ndarray, other: np.ndarray, factor: float, axis: int = 0) -> int | None:
    """The lowest order k where ``other_k / factor^k`` differs from ``right_k``, or None."""
    right = np.moveaxis(right, axis, 0).reshape(right.shape[axis], -1)
    other = np.moveaxis(other, axis, 0).reshape(other.shape[axis], -1)
    other = other / factor ** np.arange(right.shape[0]).reshape(-1, 1)
    # A coefficient that should be 0 carries rounding of its neighbours' size: measure each
    # against its neighbourhood (and the largest coefficient's 1e-9).
    size = np.abs(right)
    padded = np.pad(size, ((1, 1), (0, 0)))
    near = np.maximum(size, np.maximum(padded[:-2], padded[2:]))
    scale = np.maximum(near, size.max(initial=0.0) * 1e-9) + np.finfo(right.dtype).tiny
    differs = (np.abs(right - other) > AGREEMENT * scale).any(axis=1)
    return int(np.argmax(differs)) if differs.any() else None


def check_sides(right: np.ndarray, along: Callable[[float], np.ndarray], where: str, axis: int = 0,
                both_scales: bool = False) -> np.ndarray:
    """Refuse a point where f jumps, has a kink, or loses its coefficients to rounding; return
    each coefficient's rounding error as the two sides measure it.

    ``along(s)`` gives the coefficients along ``s`` times the direction(s) of ``right``. Where
    the sides agree they differ only by rounding (the opposite pass rounds every operation
    differently), so ``|right - rescaled opposite|`` plus one ulp of each coefficient estimates
    how much of each coefficient is rounding: a coefficient that should be 0 (sin^2 + cos^2 at
    order 3) is of that size, a real one far above it. The mirror pass can round an odd
    function's odd coefficients the same way (softplus at 0); ``both_scales`` adds the pass along
    ``+s`` to the measure (one more run of the compiled program).
    """
    other = along(-SKEW)
    k = first_disagreement(right, other, -SKEW, axis)
    if k is None:
        error = rounding_error(right, other, -SKEW, axis)
        return np.maximum(error, rounding_error(right, along(SKEW), SKEW, axis)) if both_scales else error
    noisy = first_disagreement(right, along(SKEW), SKEW, axis)
    if noisy is not None:
        raise JaxCalcError(
            f"the Taylor coefficients of order >= {noisy} at {where} are lost to rounding "
            f"(f cancels almost exactly near there, as sin(x)/x does close to 0): "
            + (f"order <= {noisy - 1} is reliable" if noisy > 0 else "choose another point"))
    if k == 0:
        raise JaxCalcError(f"f jumps at {where}: its values just left and just right of it differ "
                           "(a branch, a step function such as floor or an integer cast, or a table look-up changes "
                           "there); "
                           "choose another point")
    raise JaxCalcError(f"f is not differentiable at {where}: its derivative of order {k} differs "
                       "from the left and from the right (a kink); choose another point")
