"""Independent reference values: Taylor coefficients from mpmath at high precision.

``mp_taylor`` uses Cauchy's integral formula, ``c_k = (1/2 pi i) \\oint f(z) / (z - x0)^(k+1) dz``,
evaluated by the trapezoid rule on a circle of radius r in 100-digit complex arithmetic.
For f analytic on a disc of radius R > r the error decays like (r/R)^N, so with
N = 256 points it is far below float64 resolution. It only evaluates f; it shares
no code or algorithm with the series arithmetic under test.
"""
from __future__ import annotations

import mpmath
import numpy as np


def mp_taylor(fn, x0, order, radius=0.25, points=256, dps=100):
    """Taylor coefficients ``c_0..c_order`` of the mpmath function ``fn`` at x0."""
    with mpmath.workdps(dps):
        x0 = mpmath.mpf(x0)
        r = mpmath.mpf(radius)
        roots = [mpmath.expjpi(mpmath.mpf(2 * j) / points) for j in range(points)]
        values = [fn(x0 + r * w) for w in roots]
        coeffs = []
        for k in range(order + 1):
            s = mpmath.fsum(v * w ** (-k) for v, w in zip(values, roots))
            coeffs.append(float(mpmath.re(s) / points / r ** k))
        # The quadrature's own noise, about max|f| 10^-dps / r^k, stands for an exact zero.
        size = float(max(abs(v) for v in values))
    return [c if abs(c) > size * 10.0 ** (10 - dps) / radius ** k else 0.0 for k, c in enumerate(coeffs)]


def rel_err(got, want):
    """Largest error of a coefficient relative to its size, or to its neighbours' where it is 0.

    Series of even or odd functions alternate with exact zeros; float64 leaves rounding
    noise there of the size eps * (neighbouring coefficients), so a zero coefficient is
    measured against the larger of its two neighbours.
    """
    got, want = np.asarray(got, float), np.asarray(want, float)
    size = np.abs(want)
    padded = np.pad(size, 1)
    scale = np.maximum(size, np.maximum(padded[:-2], padded[2:]))
    scale = np.where(scale > 0, scale, 1.0)  # all-zero neighbourhood: absolute error
    return float(np.max(np.abs(got - want) / scale))


def disc_err(got, want, radius):
    """Error of the polynomial on the disc |x - x0| <= radius, relative to its size there.

    Compares ``c_k r^k`` (the coefficients of f(x0 + r s)); the measure for compositions,
    whose tiny high-order coefficients come from cancellation between much larger
    intermediate ones and so carry float64 noise far above their own size.
    """
    got, want = np.asarray(got, float), np.asarray(want, float)
    weights = float(radius) ** np.arange(len(want))
    size = np.max(np.abs(want) * weights)
    return float(np.max(np.abs(got - want) * weights) / (size if size > 0 else 1.0))
