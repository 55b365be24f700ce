"""What limits a Taylor series: the nearest singularity, located in the complex plane and typed,
from the coefficients the engine computes, each estimate with its uncertainty.

* **ratio fits** (Domb and Sykes): for a dominant real singularity at xi with
  f ~ (1 - t/xi)^alpha, c_n / c_(n-1) = (1/xi)(1 - (1 + alpha)/n) + O(1/n^2): a line in 1/n
  whose intercept is 1/xi and whose slope gives the exponent alpha (a pole of order m:
  alpha = -m; log: alpha = 0 with a log term; sqrt: 1/2);
* **complex pairs** (Mercer and Roberts): for a pair at |xi| e^(+-i theta) the same quantities
  come from three consecutive coefficients;
* **poles** are then placed to full precision by a robust Padé approximant (:mod:`.pade`),
  whose nearest pole agrees with the one from fewer coefficients to the stated uncertainty.

Each estimate is made twice (from all the coefficients, and from the lower ones) and their
difference is its uncertainty. Coefficients that decay faster than any geometric rate (an entire
function) give "no singularity within r", with r the radius the coefficients support.

>>> import numpy as np
>>> c = np.array([(-1.0) ** (n + 1) / n if n else 0.0 for n in range(31)])   # log(1 + t)
>>> s = nearest_singularity(c, center=1.0)
>>> s.kind, round(s.position.real, 6), round(s.exponent, 3)
('branch point', 0.0, 0.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..core.errors import JaxCalcError

INTEGER_TOLERANCE = 2e-2     # an exponent this close to -m is a pole of order m


@dataclass(frozen=True)
class Singularity:
    """The nearest singularity of a series: where (in the complex plane), what, and how sure."""

    kind: str                    # "pole" | "branch point" | "none" | "unknown" (only its distance)
    position: complex            # a point x (the upper one of a conjugate pair)
    distance: float              # the radius of convergence it sets
    uncertainty: float           # relative, from two estimates
    order: int = 0               # a pole's order
    exponent: float = float("nan")   # f ~ (x - position)^exponent near it (a pole: -order)
    pair: bool = False           # one of a complex-conjugate pair
    method: str = ""

    def __post_init__(self):
        for name in ("distance", "uncertainty", "exponent"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "position", complex(self.position))
        object.__setattr__(self, "pair", bool(self.pair))

    def describe(self) -> str:
        """One line: "pole of order 1 at 1.5708 (R = 1.5708 ± 2e-15)"."""
        where = _complex_text(self.position) + (" and its conjugate" if self.pair else "")
        error = f"± {self.uncertainty * self.distance:.1g}"
        if self.kind == "none":
            return f"no singularity within r = {self.distance:.4g} (the coefficients decay faster than r^-n)"
        if self.kind == "unknown":
            return (f"a singularity at distance about {self.distance:.3g} (R; its place and kind are not "
                    f"determined by these coefficients)")
        if self.kind == "pole":
            what = f"pole of order {self.order}"
        elif abs(self.exponent) < INTEGER_TOLERANCE:
            what = "logarithmic branch point"
        else:
            what = f"branch point with exponent {self.exponent:.4g}"
        return f"{what} at {where} (R = {self.distance:.6g} {error}; {self.method})"


def _complex_text(z: complex) -> str:
    if abs(z.imag) <= 1e-12 * max(1.0, abs(z)):
        return f"{z.real:.10g}"
    sign = "+" if z.imag >= 0 else "-"
    return f"{z.real:.6g} {sign} {abs(z.imag):.6g}i"


def _ratio_fit(c: np.ndarray, start: int, stop: int) -> tuple[float, float, float]:
    """(intercept, slope, residual) of c_n / c_(n-1) against 1/n, n in [start, stop)."""
    n = np.arange(start, stop)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = c[n] / c[n - 1]
    ok = np.isfinite(ratio)
    if ok.sum() < 3:
        return float("nan"), float("nan"), float("inf")
    x, y = 1.0 / n[ok], ratio[ok]
    design = np.stack([np.ones_like(x), x, x * x], axis=1)     # the O(1/n^2) term is fitted away
    coeffs, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = float(np.max(np.abs(design @ coeffs - y)) / max(np.max(np.abs(y)), 1e-300))
    return float(coeffs[0]), float(coeffs[1]), residual


def _mercer_roberts(c: np.ndarray, start: int, stop: int) -> tuple[float, float]:
    """(|xi|, cos theta) of a complex pair, from B_n^2 = (c_(n+1) c_(n-1) - c_n^2) /
    (c_n c_(n-2) - c_(n-1)^2) against 1/n (its intercept is 1/|xi|^2)."""
    n = np.arange(max(start, 3), stop - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        b2 = (c[n + 1] * c[n - 1] - c[n] ** 2) / (c[n] * c[n - 2] - c[n - 1] ** 2)
        b = np.sqrt(b2)
        cos = 0.5 * (c[n - 1] * b / c[n] + c[n + 1] / (b * c[n]))
    ok = np.isfinite(b) & np.isfinite(cos) & (b2 > 0)
    if ok.sum() < 3:
        return float("nan"), float("nan")
    x = 1.0 / n[ok]
    fit = np.polyfit(x, b[ok], 1)
    fit_cos = np.polyfit(x, cos[ok], 1)
    return float(1.0 / fit[-1]), float(np.clip(fit_cos[-1], -1.0, 1.0))


def _envelope_radius(c: np.ndarray, start: int, stop: int) -> float:
    """The radius the coefficients c_start..c_stop support: 1 / max |c_n / c_max|^(1/n) (the
    envelope, which a complex pair's oscillation does not fool)."""
    n = np.arange(max(start, 1), stop)
    scale = np.max(np.abs(c))
    with np.errstate(divide="ignore"):
        roots = (np.abs(c[n]) / scale) ** (1.0 / n)
    return 1.0 / float(np.max(roots)) if np.any(roots > 0) else math.inf


def _looks_entire(c: np.ndarray) -> bool:
    """Coefficients decaying faster than any geometric rate: log|c_n| bends down like -n log n
    (exp: 1/n!; a Gaussian: 1/(n/2)!), where a singularity at finite distance makes it a line plus
    a multiple of log n (a pole of order m: (m - 1) log n). Fitted on the envelope of the upper
    three quarters of the orders."""
    from .radius import upper_hull

    K = len(c) - 1
    n = np.arange(max(2, K // 4), K + 1)
    magnitude = np.abs(c[n])
    keep = magnitude > 0
    if keep.sum() < 6:
        return False
    n, y = upper_hull(n[keep].astype(float), np.log(magnitude[keep]))   # dips (a complex pair's) left out
    if len(n) < 5:
        return False
    design = np.stack([np.ones_like(n, dtype=float), n, np.log(n), n * np.log(n)], axis=1)
    fit, *_ = np.linalg.lstsq(design, y, rcond=None)
    # ...and the radius the coefficients support keeps growing, from the second quarter of the
    # orders to the last (a pole of order 3 grows too, but its log|c_n| does not bend)
    growing = _envelope_radius(c, 3 * K // 4, K + 1) > 1.15 * _envelope_radius(c, K // 4, K // 2 + 1)
    return bool(fit[3] < -0.2 and growing)


def nearest_singularity(coefficients, center: float = 0.0) -> Singularity:
    """The nearest singularity of ``sum c_n (x - center)^n`` (real coefficients, at least 12)."""
    from .pade import pade_from_coefficients

    c = np.asarray(coefficients, dtype=float).ravel()
    K = len(c) - 1
    if K < 11:
        raise JaxCalcError(f"locating a singularity needs at least 12 coefficients, got {K + 1}")
    nonzero = np.nonzero(c)[0]
    if nonzero.size < 4:
        return Singularity("none", complex(math.inf), math.inf, 0.0, method="a polynomial")
    # A series in t^q (tanh: odd powers only) is a series in s = t^q: its ratios come q apart.
    q = _period(c)
    cq = c
    if q > 1:
        first = int(np.argmax(np.abs(c) > 1e-12 * np.max(np.abs(c))))
        cq = c[first % q::q]
    half = len(cq) // 2
    top = len(cq)
    if _looks_entire(cq):
        r = _envelope_radius(c, K - 2, K + 1)   # what the highest orders support
        return Singularity("none", complex(math.inf), r, 0.0, method="coefficient decay")
    one = _ratio_fit(cq, half, top)
    two = _ratio_fit(cq, max(3, half - 3), top - 3)
    if np.isfinite(one[0]) and one[2] < 1e-3 and abs(one[0]) > 1e-14:
        inverse, slope = one[0], one[1]
        xi_q = 1.0 / inverse                       # in s = t^q
        alpha = -slope * xi_q - 1.0
        uncertainty = abs(1.0 / two[0] - xi_q) / abs(xi_q) if np.isfinite(two[0]) and two[0] else 1.0
        roots = _roots_of(xi_q, q)                 # the q points t with t^q = xi_q
        nearest = roots[0]
        pole_order = _pole_order(alpha)
        if pole_order:
            return _refined_pole(c, center, nearest, pole_order, uncertainty, q)
        return Singularity("branch point", complex(center + nearest), abs(nearest), uncertainty,
                           exponent=alpha, pair=abs(nearest.imag) > 1e-12 * abs(nearest),
                           method="ratio fit (Domb-Sykes)")
    radius, cos = _mercer_roberts(cq, half, top)
    if np.isfinite(radius) and radius > 0:
        other, _ = _mercer_roberts(cq, max(3, half - 3), top - 3)
        uncertainty = abs(other - radius) / radius if np.isfinite(other) else 1.0
        r_t = radius ** (1.0 / q)
        angle = math.acos(cos) / q
        z = complex(r_t * math.cos(angle), r_t * math.sin(angle))
        # A pole pair is placed exactly by Padé; a logarithmic pair (atan) is a pole pair of the
        # derivative's series, which Padé places exactly too.
        for derivative in (0, 1):
            cd = c if derivative == 0 else c[1:] * np.arange(1, K + 1)
            stable = _stable_pole(cd, z)
            if stable is not None:
                position, spread = stable
                if derivative == 0:
                    return _refined_pole(c, center, position, 1, spread, 1)
                return Singularity("branch point", complex(center + position), abs(position), spread,
                                   exponent=0.0, pair=True, method="robust Padé of f' (SVD)")
        return Singularity("branch point", complex(center + z), r_t, uncertainty, exponent=float("nan"),
                           pair=True, method="complex pair (Mercer-Roberts)")
    # Neither fit is clean (two singularities near the same distance, tan at 0.5): the nearest
    # pole Padé agrees on from two sets of coefficients, else the distance the envelope gives.
    radius = _envelope_radius(c, K // 2, K + 1)
    for estimate in (complex(radius), complex(-radius), complex(0.0, radius)):
        for derivative in (0, 1):
            cd = c if derivative == 0 else c[1:] * np.arange(1, K + 1)
            stable = _stable_pole(cd, estimate)
            if stable is not None:
                position, spread = stable
                if derivative == 0:
                    return _refined_pole(c, center, position, 1, spread, 1)
                return Singularity("branch point", complex(center + position), abs(position), spread,
                                   exponent=0.0, pair=abs(position.imag) > 1e-12, method="robust Padé of f' (SVD)")
    return Singularity("unknown", complex(math.nan, math.nan), radius, 0.5, method="coefficient envelope")


def _stable_pole(c: np.ndarray, estimate: complex) -> tuple[complex, float] | None:
    """The Padé pole nearest ``estimate`` when the approximants from all the coefficients and from
    two fewer agree on it to 1e-6 (relative), with their relative difference; else None."""
    from .pade import pade_from_coefficients

    K = len(c) - 1
    found = []
    for k in (K, K - 2):
        poles = pade_from_coefficients(c[:k + 1], k // 2, k - k // 2).poles
        if not poles.size:
            return None
        found.append(min(poles, key=lambda p: abs(p - estimate)))
    spread = abs(found[0] - found[1]) / abs(found[0])
    if spread > 1e-6 or abs(abs(found[0]) - abs(estimate)) > 0.05 * abs(estimate):
        return None
    position = found[0] if found[0].imag >= 0 else np.conj(found[0])
    return complex(position), float(spread)


def _period(c: np.ndarray) -> int:
    """q when only every q-th coefficient (from the first non-zero one) is non-zero; a
    coefficient 1e-12 times smaller than the largest of its neighbours counts as zero (rounding,
    or an oracle's numerical derivative)."""
    size = np.abs(np.asarray(c, dtype=float))
    padded = np.pad(size, 1)
    near = np.maximum(padded[:-2], padded[2:])
    nonzero = np.nonzero(size > 1e-12 * near)[0]
    for q in (2, 3, 4):
        if nonzero.size >= 4 and np.all((nonzero - nonzero[0]) % q == 0):
            return q
    return 1


def _roots_of(value: float, q: int) -> list[complex]:
    """The q-th roots of a real number, real ones first, then the upper half plane."""
    magnitude = abs(value) ** (1.0 / q)
    base = 0.0 if value > 0 else math.pi
    roots = [magnitude * complex(math.cos((base + 2 * math.pi * k) / q), math.sin((base + 2 * math.pi * k) / q))
             for k in range(q)]
    return sorted(roots, key=lambda z: (abs(z.imag) > 1e-12 * magnitude, z.imag < 0, -z.real))


def _pole_order(alpha: float) -> int:
    m = -alpha
    return int(round(m)) if m > 0.5 and abs(m - round(m)) < INTEGER_TOLERANCE else 0


def _refined_pole(c: np.ndarray, center: float, estimate: complex, order: int, uncertainty: float, q: int
                  ) -> Singularity:
    """A pole's position to full precision: the nearest pole of robust Padé approximants from
    all the coefficients and from two fewer, whose difference is the uncertainty."""
    from .pade import pade_from_coefficients

    K = len(c) - 1
    best = []
    for k in (K, K - 2):
        poles = pade_from_coefficients(c[:k + 1], k // 2, k - k // 2).poles
        if poles.size >= order:   # a pole of order m is m nearby poles (split by rounding): their mean
            nearest = sorted(poles, key=lambda p: abs(p - estimate))[:order]
            best.append(complex(np.mean(nearest)))
    if len(best) == 2 and abs(best[0] - estimate) < 0.1 * abs(estimate):
        position = best[0]
        uncertainty = abs(best[0] - best[1]) / abs(best[0])
        method = "robust Padé (SVD)"
    else:
        position, method = estimate, "ratio fit (Domb-Sykes)"
    if position.imag < 0:
        position = np.conj(position)
    return Singularity("pole", complex(center + position), abs(position), uncertainty, order=order,
                       exponent=-float(order), pair=abs(position.imag) > 1e-9 * abs(position), method=method)


def singularities(f: Callable, x0: Any, order: int = 30, *, method: str = "auto") -> Singularity:
    """The nearest singularity of ``f`` (one variable) seen from ``x0``, from its Taylor
    coefficients of order ``order`` in float64 (those within their rounding error taken as 0).

    >>> import jax.numpy as jnp
    >>> s = singularities(jnp.tan, 0.0)
    >>> s.kind, s.order, round(s.distance, 12)
    ('pole', 1, 1.570796326795)
    """
    from ..core.precision import float64_scope
    from .polynomial import taylor_polynomial

    with float64_scope():
        p = taylor_polynomial(f, float(x0), order, method=method)
    c = np.where(p.below_rounding, 0.0, np.asarray(p.monomial_coefficients, dtype=float))
    return nearest_singularity(c, center=float(x0))
