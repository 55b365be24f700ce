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
  (it does not: the same numbers rounded differently give different answers);
* **significance**: the spread of those passes, and of passes at x0 moved by one ulp, is each
  coefficient's rounding error; one test (:func:`not_significant`, :func:`first_lost_order`)
  decides for every entry point which coefficients are written, which are 0, and from which
  order they are lost.

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
    """Refuse a point where f jumps or has a kink; return each coefficient's rounding error as
    the passes along other scalings of the direction measure it.

    ``along(s)`` gives the coefficients along ``s`` times the direction(s) of ``right``. Where
    the sides agree they differ only by rounding (the opposite pass rounds every operation
    differently), so ``|right - rescaled opposite|`` plus one ulp of each coefficient estimates
    how much of each coefficient is rounding: a coefficient that should be 0 (sin^2 + cos^2 at
    order 3) is of that size, a real one far above it. Where the mirror pass disagrees, a pass
    along ``+s`` tells a kink (``+s`` agrees with ``+1``: refused) from coefficients drowned in
    rounding (it does not: the same numbers rounded differently; their spread is their
    rounding error, which :func:`first_lost_order` judges). The mirror pass can round an odd
    function's odd coefficients the same way (softplus at 0); ``both_scales`` adds the pass along
    ``+s`` to the measure.
    """
    other = along(-SKEW)
    k = first_disagreement(right, other, -SKEW, axis)
    error = rounding_error(right, other, -SKEW, axis)
    if k is None:
        return np.maximum(error, rounding_error(right, along(SKEW), SKEW, axis)) if both_scales else error
    same_side = along(SKEW)
    noisy = first_disagreement(right, same_side, SKEW, axis)
    if noisy is not None and noisy <= k:   # the coefficients are rounding from there on, not a break
        return np.maximum(error, rounding_error(right, same_side, SKEW, axis))
    if k == 0:
        raise JaxCalcError(f"f jumps at {where}: its values just left and just right of it differ "
                           "(a branch, a step function such as floor or an integer cast, or a table "
                           "look-up changes there); choose another point")
    raise JaxCalcError(f"f is not differentiable at {where}: its derivative of order {k} differs "
                       "from the left and from the right (a kink); choose another point")


# ---------------------------------------------------------------- the significance test
# One test for every entry point (univariate and multivariate polynomials, taylor_coefficients,
# derivative tensors, the live view): a coefficient is *written* when it is SIGNIFICANT times
# larger than its measured rounding error; one that is not is *zero* when that error is below
# NEGLIGIBLE_EPS machine epsilons of the expansion's scale (the largest written coefficient), and
# *lost* otherwise: its true value is unknown, and the order is refused, never drawn.
SIGNIFICANT = 100.0
NEGLIGIBLE_EPS = 1e3
# A few passes sample the rounding, not bound it: their largest spread, doubled, is the estimate.
ROUNDING_MARGIN = 2.0


def rounding_estimate(spread: np.ndarray) -> np.ndarray:
    """Each coefficient's rounding error from the spread of the passes that measured it."""
    return ROUNDING_MARGIN * np.asarray(spread)


def not_significant(coeffs: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Which coefficients are not told apart from their rounding error (not written)."""
    c = np.asarray(coeffs)
    with np.errstate(invalid="ignore"):
        return np.isfinite(c) & (np.abs(c) <= SIGNIFICANT * np.asarray(noise))


def to_known_digits(coeffs: np.ndarray, noise: np.ndarray | None, most: int = 6) -> np.ndarray:
    """Each coefficient rounded to the significant digits its rounding error leaves right (at
    most ``most``): a coefficient known to 4e-5 relative is written 0.8118, not 0.811773.

    >>> to_known_digits(np.array([0.81177303, 1.0]), np.array([3e-5, 1e-16])).tolist()
    [0.8118, 1.0]
    """
    c = np.asarray(coeffs, dtype=float)
    if noise is None:
        return c
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        digits = np.floor(np.log10(np.abs(c) / np.asarray(noise, dtype=float)))
    digits = np.clip(np.nan_to_num(digits, nan=most, posinf=most, neginf=1), 1, most).astype(int)
    return np.array([float(f"{v:.{d}g}") if np.isfinite(v) and v != 0 else v
                     for v, d in zip(c.ravel(), np.broadcast_to(digits, c.shape).ravel())]).reshape(c.shape)


def lost(coeffs: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Which coefficients are lost: not significant, and with a rounding error that matters at
    the scale of the expansion: its largest written coefficient, or 1 when none is (a function
    whose every coefficient is rounding of unit-sized terms, cos^2 - sin^2 - cos 2x, is 0 to
    within rounding; cosh^2 - sinh^2 at 30, rounding of 1e25-sized terms, is lost)."""
    c, noise = np.abs(np.asarray(coeffs, dtype=float)), np.broadcast_to(np.asarray(noise, dtype=float), np.shape(coeffs))
    eps = np.finfo(np.asarray(coeffs).dtype if np.issubdtype(np.asarray(coeffs).dtype, np.floating)
                   else np.float64).eps
    weak = not_significant(coeffs, noise)
    strong = np.isfinite(c) & ~weak
    scale = c[strong].max() if strong.any() else 1.0
    return weak & (noise > NEGLIGIBLE_EPS * eps * scale)


def first_lost_order(coeffs: np.ndarray, noise: np.ndarray, degrees: np.ndarray | None = None,
                     axis: int = 0) -> int | None:
    """The lowest order (total degree, for monomials with ``degrees``) holding a lost coefficient."""
    gone = np.moveaxis(lost(coeffs, noise), axis, 0)
    gone = gone.reshape(gone.shape[0], -1).any(axis=1)
    if not gone.any():
        return None
    orders = np.arange(gone.shape[0]) if degrees is None else np.asarray(degrees)
    return int(orders[gone].min())


def lost_message(order: int, where: str, dtype) -> str:
    """The one line that refuses (or warns about) orders lost to rounding."""
    wider = "; compute in float64" if np.dtype(dtype) == np.float32 else ""
    return (f"the Taylor coefficients of order >= {order} at {where} are lost to rounding in "
            f"{np.dtype(dtype).name} (their rounding error is larger than they are: f cancels, or "
            f"divides by a small number, near there): "
            + (f"order <= {order - 1} is reliable" if order > 0 else "choose another point") + wider)


def shifted_points(x0: np.ndarray, coeffs: np.ndarray) -> list[np.ndarray]:
    """x0 moved by one ulp up and down (each coordinate): the primal values computed there round
    differently, which no rescaling of the direction does. None for a float x0 of 0, or where a
    ulp of x0 moves the coefficients at their own scale (sin at 1e308, where it spans 2e292)."""
    x0 = np.asarray(x0)
    up = np.nextafter(x0, np.asarray(np.inf, x0.dtype))
    step = float(np.max(np.abs(up - x0)))
    c = np.abs(np.asarray(coeffs, dtype=float)).reshape(np.shape(coeffs)[0], -1).max(axis=1)
    k = np.arange(1, c.shape[0])
    moves = step * np.max(k * c[1:], initial=0.0)      # a ulp moves c_(k-1) by about step k c_k
    if not np.any(x0) or not np.isfinite(moves) or moves > 1e-8 * np.max(c, initial=0.0):
        return []
    return [up, np.nextafter(x0, np.asarray(-np.inf, x0.dtype))]


def shift_noise(coeffs: np.ndarray, nearby: np.ndarray) -> np.ndarray:
    """How far the coefficients at a neighbouring float differ from those at x0. It holds what
    rounding changed there, and what the coefficient changes between neighbouring floats: a
    coefficient smaller than that (cos x0 - sin x0 at the float nearest pi/4, whose rounding
    repeats at the neighbours) is not told apart from 0 at this point's precision."""
    with np.errstate(invalid="ignore", over="ignore"):
        spread = np.abs(nearby - coeffs)
    return np.where(np.isfinite(spread), spread, np.inf)


