"""Robust Padé approximants from Taylor coefficients (Gonnet, Güttel and Trefethen, "Robust
Padé approximation via SVD", SIAM Review 2013; Chebfun's ``padeapprox``).

The plain Padé system is solved through an SVD of its Toeplitz block with a tolerance: the
degrees are lowered until the block has full rank, so the spurious pole-zero pairs (Froissart
doublets) that rounding makes in the plain approximant never appear, and the degrees actually
kept are returned. The variable is scaled by a radius so that the coefficients are of one
size, which the tolerance needs.

>>> import numpy as np, math
>>> c = np.array([1 / math.factorial(k) for k in range(11)])          # exp
>>> p = pade_from_coefficients(c, 5, 5)
>>> bool(abs(p(1.0) - math.e) < 1e-9), (p.numerator_degree, p.denominator_degree)   # [5/5] of e^x at 1
(True, (5, 5))
>>> q = pade_from_coefficients(np.array([1.0, 1.0, 1.0, 1.0, 1.0]), 2, 2)   # 1/(1 - x)
>>> q.poles.round(12).tolist(), (q.numerator_degree, q.denominator_degree)
([(1+0j)], (0, 1))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..core.errors import JaxCalcError


@dataclass(frozen=True)
class PadeApproximant:
    """``r(x) = p(x - x0) / q(x - x0)``, coefficients lowest degree first (``q[0] = 1``)."""

    center: float
    numerator: np.ndarray
    denominator: np.ndarray
    scale: float = 1.0            # the radius the degrees were judged in
    asked: tuple[int, int] = (0, 0)

    @property
    def numerator_degree(self) -> int:
        return len(self.numerator) - 1

    @property
    def denominator_degree(self) -> int:
        return len(self.denominator) - 1

    @property
    def poles(self) -> np.ndarray:
        """The roots of the denominator, as points x (complex), nearest first."""
        if self.denominator_degree == 0:
            return np.zeros(0, complex)
        roots = np.roots(self.denominator[::-1]) + self.center
        return roots[np.argsort(np.abs(roots - self.center))].astype(complex)

    def __call__(self, x):
        t = np.asarray(x, dtype=float) - self.center
        with np.errstate(all="ignore"):
            return np.polyval(self.numerator[::-1], t) / np.polyval(self.denominator[::-1], t)

    def __repr__(self) -> str:
        return (f"PadeApproximant([{self.numerator_degree}/{self.denominator_degree}] at {self.center:g}"
                f" (asked [{self.asked[0]}/{self.asked[1]}]), poles {np.round(self.poles, 6).tolist()})")


def pade_from_coefficients(coefficients, numerator_degree: int, denominator_degree: int, *,
                           tolerance: float = 1e-14, scale: float | None = None, center: float = 0.0
                           ) -> PadeApproximant:
    """The robust ``[L/M]`` Padé approximant of the series with these coefficients (at least
    L + M + 1 of them), its degrees lowered where the data does not support them."""
    c = np.asarray(coefficients, dtype=float).ravel()
    m, n = int(numerator_degree), int(denominator_degree)
    if m < 0 or n < 0 or len(c) < m + n + 1:
        raise JaxCalcError(f"a [{m}/{n}] Padé approximant needs {m + n + 1} coefficients, got {len(c)}")
    c = c[:m + n + 1]
    if scale is None:
        scale = coefficient_scale(c)
    k = np.arange(len(c))
    cs = c * scale ** k                          # the series in z = t / scale
    norm = np.linalg.norm(cs)
    if norm == 0 or np.max(np.abs(cs[:m + 1])) <= tolerance * np.max(np.abs(cs)):
        return PadeApproximant(center, np.zeros(1), np.ones(1), scale, (m, n))
    absolute = tolerance * norm
    while True:
        if n == 0:
            a, b = cs[:m + 1].copy(), np.ones(1)
            break
        column = np.concatenate([cs, np.zeros(n)])
        toeplitz = np.array([[column[i - j] if i - j >= 0 else 0.0 for j in range(n + 1)]
                             for i in range(m + n + 1)])
        block = toeplitz[m + 1:m + n + 1]                      # n x (n + 1)
        singular = np.linalg.svd(block, compute_uv=False)
        rank = int(np.sum(singular > absolute))
        if rank == n:
            break
        m, n = m - (n - rank), rank
        if m < 0:
            m, n = 0, 0
    if n > 0:
        _, _, vt = np.linalg.svd(block)
        b = vt[-1]
        weights = np.abs(b) + np.sqrt(np.finfo(float).eps)       # reweighted, as Chebfun does
        q, _ = np.linalg.qr((block * weights).T, mode="complete")
        b = weights * q[:, -1]
        b = b / np.linalg.norm(b)
        a = toeplitz[:m + 1] @ b
        lead = int(np.argmax(np.abs(b) > tolerance))            # a common factor z^lam cancels
        b, a = b[lead:], a[lead:]
        last = len(b) - 1 - int(np.argmax(np.abs(b[::-1]) > tolerance))
        b = b[:last + 1]
    keep = np.nonzero(np.abs(a) > absolute)[0]
    a = a[:keep[-1] + 1] if keep.size else np.zeros(1)
    a, b = a / b[0], b / b[0]
    unscale = lambda v: v / scale ** np.arange(len(v))          # back to powers of t
    return PadeApproximant(center, unscale(a), unscale(b), scale, (int(numerator_degree), int(denominator_degree)))


def coefficient_scale(c: np.ndarray) -> float:
    """A radius making the coefficients of one size: the root test's estimate over the upper
    half of the orders (1 when the coefficients do not say)."""
    c = np.abs(np.asarray(c, dtype=float))
    n = np.arange(len(c))
    upper = (n >= max(1, len(c) // 2)) & (c > 0) & np.isfinite(c)
    if not upper.any():
        return 1.0
    with np.errstate(divide="ignore"):
        roots = (c[upper] / max(c[0], np.max(c))) ** (-1.0 / n[upper])
    roots = roots[np.isfinite(roots) & (roots > 0)]
    return float(np.median(roots)) if roots.size else 1.0


def pade(f: Callable, x0: Any, numerator_degree: int, denominator_degree: int, *, method: str = "auto"
         ) -> PadeApproximant:
    """The robust ``[L/M]`` Padé approximant of ``f`` at ``x0`` (one variable), from its Taylor
    coefficients of order L + M computed in float64 (coefficients within their rounding error
    are taken as 0).

    >>> import jax.numpy as jnp
    >>> r = pade(jnp.tan, 0.0, 7, 8)
    >>> float(abs(r.poles[0])) - 1.5707963267948966 < 1e-10
    True
    """
    from ..core.precision import float64_scope
    from .polynomial import taylor_polynomial

    if np.ndim(x0) != 0:
        raise JaxCalcError("a Padé approximant is of a function of one variable: give a number x0")
    with float64_scope():
        p = taylor_polynomial(f, float(x0), int(numerator_degree) + int(denominator_degree), method=method)
    c = np.where(p.below_rounding, 0.0, np.asarray(p.monomial_coefficients, dtype=float))
    return pade_from_coefficients(c, numerator_degree, denominator_degree, center=float(x0))
