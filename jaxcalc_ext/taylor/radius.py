"""The radius of convergence, estimated from how fast Taylor coefficients decay.

Cauchy-Hadamard: ``1/R = limsup |a_k|^(1/k)``, so on a plot of ``log|a_k|`` against ``k`` the
coefficients eventually lie under a line of slope ``-log R``. With finitely many coefficients
we take the upper envelope (the upper convex hull, so zero and cancelling coefficients of
``1/(1+x^2)`` or ``sin`` do not drag it down) and read its slope over the last third of the
orders. Coefficients that fall faster than any geometric rate (the envelope keeps bending down,
as ``1/k!`` does) mean an entire-looking function: the estimate is then only a lower bound.

>>> import numpy as np, math
>>> tan_like = [2 * (2 / math.pi) ** (k + 1) if k % 2 else 0.0 for k in range(30)]
>>> est = radius_estimate(tan_like)
>>> round(float(est.radius), 3), est.entire, est.singularity.kind
(1.571, False, 'pole')
>>> radius_estimate([1 / math.factorial(k) for k in range(25)]).entire
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_TERMS = 6            # nonzero coefficients needed before an estimate means anything
NOISE = 1e-25            # a coefficient this far below its neighbours counts as zero
BENDING = 0.15           # envelope slope falling by more than this over the last thirds: entire-looking


@dataclass(frozen=True)
class RadiusEstimate:
    """``radius``: the estimate (a lower bound when ``entire``); ``entire``: the coefficients
    decay faster than geometrically, as for sin, exp or a polynomial."""

    radius: float
    entire: bool
    singularity: "object | None" = None   # .singularities.Singularity, when located

    def describe(self) -> str:
        if self.singularity is not None:
            return self.singularity.describe()
        if self.entire:
            return f"R > {self.radius:.3g} (coefficients fall faster than geometrically: no singularity in sight)"
        return f"R \u2248 {self.radius:.3g}"


def upper_hull(k: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper convex hull of the points (k, y), k increasing (Andrew's monotone chain)."""
    hull: list[tuple[float, float]] = []
    for point in zip(k.tolist(), y.tolist()):
        while len(hull) >= 2:
            (k1, y1), (k2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (point[0] - k1) <= (point[1] - y1) * (k2 - k1):
                hull.pop()  # the middle point lies under the chord: not on the upper hull
            else:
                break
        hull.append(point)
    hk, hy = zip(*hull)
    return np.asarray(hk), np.asarray(hy)


def radius_estimate(coefficients, center: float = 0.0) -> RadiusEstimate | None:
    """The radius of convergence from the nearest singularity (:mod:`.singularities`: located
    and typed, with 12 coefficients or more), else from the coefficients' upper envelope."""
    from ..core.errors import JaxCalcError
    from .singularities import nearest_singularity

    c = np.asarray(coefficients, dtype=float).ravel()
    if len(c) >= 12 and np.all(np.isfinite(c)):
        try:
            found = nearest_singularity(c, center=float(center))
        except JaxCalcError:
            found = None
        if found is not None and np.isfinite(found.distance):
            return RadiusEstimate(float(found.distance), found.kind == "none", found)
    return envelope_estimate(c)


def envelope_estimate(coefficients) -> RadiusEstimate | None:
    """Estimate the radius of convergence of ``sum a_k (x - x0)^k`` from ``a_0 .. a_N``;
    None when too few coefficients are nonzero to say (a polynomial of low degree, or N < 8)."""
    a = np.abs(np.asarray(coefficients, dtype=float).reshape(len(coefficients), -1)).max(axis=1)
    finite = np.isfinite(a)
    if not finite.all():
        return None
    # zero, or rounding noise far below its neighbours (the even terms of tan at 0 when the
    # coefficients come from numerical differentiation): not a term of the series
    neighbours = np.array([a[max(i - 2, 0):i + 3].max() for i in range(len(a))])
    k = np.nonzero((a > a.max() * 1e-280) & (a > neighbours * NOISE))[0]
    k = k[k >= 1]
    n = len(a) - 1
    if n < 8:
        return None
    if len(k) and k[-1] < n - max(n // 4, 2):  # the tail is exactly zero: a polynomial, R = inf
        return RadiusEstimate(float("inf"), True)
    if len(k) < MIN_TERMS:
        return None
    hk, hy = upper_hull(k.astype(float), np.log(a[k]))
    last = float(k[-1])
    third = last / 3
    envelope = lambda t: np.interp(t, hk, hy)
    slope = lambda lo, hi: float(envelope(hi) - envelope(lo)) / (hi - lo)
    bending = slope(2 * third, last) < slope(third, 2 * third) - BENDING
    if bending:
        # the coefficients fall faster than geometrically: the last slope gives a lower bound
        return RadiusEstimate(float(np.exp(-slope(2 * third, last))), True)
    # Fit log|a_k| = c - k log R - p log k to the peaks of the last two thirds (coefficients not
    # below the next two, so sign patterns and zeros do not pull the fit down); the power p (1/k for log,
    # k^-3/2 for sqrt) would otherwise bias R upwards at modest orders.
    y = np.log(a[k])
    peaks = np.array([i for i, ki in enumerate(k) if ki >= third  # not below the next two orders
                      and y[i] >= y[(k >= ki) & (k <= ki + 2)].max()])
    if len(peaks) < 4:
        return RadiusEstimate(float(np.exp(-slope(third, last))), False)
    kk, yy = k[peaks].astype(float), y[peaks]
    design = np.stack([np.ones_like(kk), -kk, -np.log(kk)], axis=1)
    (_, log_r, _), *_ = np.linalg.lstsq(design, yy, rcond=None)
    return RadiusEstimate(float(np.exp(log_r)), False)
