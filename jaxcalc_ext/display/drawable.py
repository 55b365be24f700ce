"""Numbers made safe to draw: finite, clipped to the view, with limits matplotlib accepts.

Every array a figure draws goes through :func:`clipped`, and every axis limit through
:func:`axis_limits`, so no range, order or overflow can make matplotlib raise or warn while it
lays out ticks (a log formatter given 1e309 raises ``OverflowError``; equal limits warn). What
could not be drawn is said in the figure by :func:`where_not_finite`.

>>> axis_limits(-1e308, 1e308)
(-1e+300, 1e+300)
>>> axis_limits(5.0, 5.0)
(4.0, 6.0)
>>> clipped([1.0, float("inf"), 2e300], (0.0, 10.0)).tolist()
[1.0, nan, 20.0]
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Iterator

import numpy as np

# The largest magnitude drawn: far inside float64, so transforms and tick arithmetic on the
# limits (span * 1.05, log10 * 1.1) stay finite.
LARGEST = 1e300
# A log axis's ticks may step tens of decades past its limits: keep them well inside float64.
LARGEST_LOG, SMALLEST_LOG = 1e200, 1e-200


def finite_values(values) -> np.ndarray:
    """The finite entries of ``values`` as a flat float64 array."""
    a = np.asarray(values, dtype=np.float64).ravel()
    return a[np.isfinite(a)]


def axis_limits(lo: float, hi: float, log: bool = False) -> tuple[float, float]:
    """Finite, increasing limits within ``+-LARGEST`` (``[SMALLEST_LOG, LARGEST_LOG]`` on a log
    axis); equal or reversed limits are widened around ``lo``."""
    lo, hi = float(np.nan_to_num(lo, nan=0.0)), float(np.nan_to_num(hi, nan=0.0))
    if log:
        lo, hi = (float(np.clip(v, SMALLEST_LOG, LARGEST_LOG)) for v in (lo, hi))
        return (lo, hi) if hi > lo * 1.01 else (lo / 10, lo * 10) if lo * 10 <= LARGEST_LOG else (lo / 100, LARGEST_LOG)
    lo, hi = (float(np.clip(v, -LARGEST, LARGEST)) for v in (lo, hi))
    if hi > lo and (hi - lo) > 1e-12 * max(abs(lo), abs(hi)):
        return lo, hi
    pad = max(abs(lo) * 0.1, 1.0)
    return float(np.clip(lo - pad, -LARGEST, LARGEST)), float(np.clip(lo + pad, -LARGEST, LARGEST))


def padded_limits(values, pad: float = 0.25) -> tuple[float, float] | None:
    """Limits around the finite ``values`` with a margin, or None when none is finite."""
    finite = np.clip(finite_values(values), -LARGEST, LARGEST)
    if not finite.size:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    margin = pad * (hi - lo) if hi > lo else max(abs(lo) * pad, 1.0)
    return axis_limits(lo - margin, hi + margin)


def clipped(values, limits: tuple[float, float], log: bool = False) -> np.ndarray:
    """``values`` with non-finite entries as NaN (not drawn) and the rest clipped to the limits
    widened by one span on each side (drawn off the axis, never overflowing a transform)."""
    lo, hi = limits
    a = np.array(values, dtype=np.float64)
    a[~np.isfinite(a)] = np.nan
    if log:
        with np.errstate(invalid="ignore"):
            a[a <= 0] = np.nan
        return np.clip(a, lo / 10, min(hi * 10, LARGEST_LOG))
    span = hi - lo
    return np.clip(a, max(lo - span, -LARGEST), min(hi + span, LARGEST))


def where_not_finite(x, values) -> str | None:
    """Where along the axis ``x`` the values overflow or are undefined, as text, or None."""
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if not bad.any():
        return None
    if bad.all():
        return "every x"
    lo, hi = float(np.asarray(x)[bad].min()), float(np.asarray(x)[bad].max())
    return f"x = {lo:g}" if lo == hi else f"x in [{lo:g}, {hi:g}]"



@contextlib.contextmanager
def quiet_layout() -> Iterator[None]:
    """Lay out and draw without matplotlib's warning about a constant curve on a log axis: its
    autoscaling collapses its own data limits to one value, then widens them itself."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Attempting to set identical", category=UserWarning)
        yield
