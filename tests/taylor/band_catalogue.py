"""Functions for the certified band's tests and benchmark: each written twice, with jax.numpy
(what is enclosed) and with mpmath (the oracle), at a point x0, with the largest half-width
``reach`` to try (the radius of convergence at x0, or 2 for entire functions, or the distance
to the edge of the domain).

Every elementwise primitive with an enclosure rule appears at least once; then compositions,
a three-layer tanh MLP of one input, and piecewise functions (away from their kinks: the band
must hold across them, or stop there and say why).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np

_rng = np.random.default_rng(7)
_W1, _B1 = _rng.normal(size=8), _rng.normal(size=8)
_W2, _W3 = _rng.normal(size=(8, 8)) / 3, _rng.normal(size=8)


def _mlp(x):
    h = jnp.tanh(_W1 * x + _B1)
    h = jnp.tanh(_W2 @ h)
    return _W3 @ h


def _mlp_mp(x):
    h = [mp.tanh(mp.mpf(float(a)) * x + mp.mpf(float(b))) for a, b in zip(_W1, _B1)]
    h = [mp.tanh(mp.fsum(mp.mpf(float(_W2[i, j])) * h[j] for j in range(8))) for i in range(8)]
    return mp.fsum(mp.mpf(float(_W3[i])) * h[i] for i in range(8))


def _f(v: float):
    """A float constant of the program, exactly as mpmath must see it."""
    return mp.mpf(v)


# name: (jax function, mpmath function, x0, reach)
FUNCTIONS = {
    # one elementwise primitive each
    "exp": (jnp.exp, mp.exp, 0.3, 2.0),
    "expm1": (jnp.expm1, mp.expm1, 0.3, 2.0),
    "exp2": (jnp.exp2, lambda x: mp.power(2, x), 0.3, 2.0),
    "log": (jnp.log, mp.log, 1.0, 0.9),
    "log1p": (jnp.log1p, mp.log1p, 0.3, 1.2),
    "sin": (jnp.sin, mp.sin, 0.3, 2.0),
    "cos": (jnp.cos, mp.cos, 0.3, 2.0),
    "tan": (jnp.tan, mp.tan, 0.3, math.pi / 2 - 0.3),
    "tanh": (jnp.tanh, mp.tanh, 0.3, math.hypot(0.3, math.pi / 2)),
    "sinh": (jnp.sinh, mp.sinh, 0.3, 2.0),
    "cosh": (jnp.cosh, mp.cosh, 0.3, 2.0),
    "sigmoid": (jax.nn.sigmoid, lambda x: 1 / (1 + mp.exp(-x)), 0.3, math.hypot(0.3, math.pi)),
    "atan": (jnp.arctan, mp.atan, 0.5, math.hypot(0.5, 1.0)),
    "asin": (jnp.arcsin, mp.asin, 0.3, 0.7),
    "acos": (jnp.arccos, mp.acos, 0.3, 0.7),
    "asinh": (jnp.arcsinh, mp.asinh, 0.3, math.hypot(0.3, 1.0)),
    "acosh": (jnp.arccosh, mp.acosh, 2.0, 1.0),
    "atanh": (jnp.arctanh, mp.atanh, 0.3, 0.7),
    "erf": (jax.scipy.special.erf, mp.erf, 0.3, 2.0),
    "erfc": (jax.scipy.special.erfc, mp.erfc, 0.3, 2.0),
    "sqrt": (jnp.sqrt, mp.sqrt, 1.0, 1.0),
    "rsqrt": (jax.lax.rsqrt, lambda x: 1 / mp.sqrt(x), 1.0, 1.0),
    "cbrt": (jnp.cbrt, mp.cbrt, 1.0, 1.0),
    "cube": (lambda x: x ** 3, lambda x: x ** 3, 0.3, 2.0),
    "inverse_square": (lambda x: x ** -2, lambda x: x ** -2, 1.0, 1.0),
    "power_2.5": (lambda x: x ** 2.5, lambda x: x ** _f(2.5), 1.0, 1.0),
    "two_to_x": (lambda x: 2.0 ** x, lambda x: mp.power(2, x), 0.3, 2.0),
    "square": (jnp.square, lambda x: x * x, 0.3, 2.0),
    "abs_away": (lambda x: jnp.abs(x - 3.0), lambda x: abs(x - 3), 0.3, 2.0),
    "atan2": (lambda x: jnp.arctan2(jnp.sin(x), 1.5 + x), lambda x: mp.atan2(mp.sin(x), _f(1.5) + x), 0.3, 1.5),
    # compositions
    "runge": (lambda x: 1 / (1 + 25 * x ** 2), lambda x: 1 / (1 + 25 * x ** 2), 0.0, 0.2),
    "lorentz": (lambda x: 1 / (1 + x ** 2), lambda x: 1 / (1 + x ** 2), 0.3, math.hypot(0.3, 1.0)),
    "exp_over_1mx": (lambda x: jnp.exp(x) / (1 - x), lambda x: mp.exp(x) / (1 - x), 0.0, 1.0),
    "sin_exp": (lambda x: jnp.sin(jnp.exp(x)), lambda x: mp.sin(mp.exp(x)), 0.3, 1.5),
    "exp_sin": (lambda x: jnp.exp(jnp.sin(x)), lambda x: mp.exp(mp.sin(x)), 0.3, 2.0),
    "gaussian": (lambda x: x * jnp.exp(-x ** 2), lambda x: x * mp.exp(-x ** 2), 0.3, 2.0),
    "log_1px2": (lambda x: jnp.log(1 + x ** 2), lambda x: mp.log(1 + x ** 2), 0.3, math.hypot(0.3, 1.0)),
    "hypot_like": (lambda x: jnp.sqrt(1 + x ** 2), lambda x: mp.sqrt(1 + x ** 2), 0.3, math.hypot(0.3, 1.0)),
    "tanh_sq_cos": (lambda x: jnp.tanh(x) ** 2 + jnp.cos(3 * x), lambda x: mp.tanh(x) ** 2 + mp.cos(3 * x),
                    0.3, math.hypot(0.3, math.pi / 2)),
    "softplus": (jax.nn.softplus, lambda x: mp.log(1 + mp.exp(x)), 0.3, math.hypot(0.3, math.pi)),
    "silu": (jax.nn.silu, lambda x: x / (1 + mp.exp(-x)), 0.3, math.hypot(0.3, math.pi)),
    "gelu_tanh": (lambda x: jax.nn.gelu(x, approximate=True),
                  lambda x: x / 2 * (1 + mp.tanh(_f(float(np.sqrt(2 / np.pi))) * (x + _f(0.044715) * x ** 3))),
                  0.3, 1.0),
    "logsumexp": (lambda x: jax.nn.logsumexp(jnp.stack([x, 2 * x, -x])),
                  lambda x: mp.log(mp.exp(x) + mp.exp(2 * x) + mp.exp(-x)), 0.3, 1.0),
    "mlp_tanh_3": (_mlp, _mlp_mp, 0.3, 1.0),
    # piecewise, away from their kinks
    "relu_sq_sin": (lambda x: jnp.maximum(x, 0.0) ** 2 + jnp.sin(x),
                    lambda x: max(x, 0) ** 2 + mp.sin(x), 0.3, 1.0),
    "where_branches": (lambda x: jnp.where(x > 0, x ** 2, jnp.sin(x)),
                       lambda x: x ** 2 if x > 0 else mp.sin(x), 0.4, 1.0),
    "clip": (lambda x: jnp.clip(jnp.sin(x), -0.5, 0.5), lambda x: min(max(mp.sin(x), -_f(0.5)), _f(0.5)), 0.3, 1.0),
}


# ---------------------------------------------------------------- the oracle
def exact_taylor(fm, x0: float, n: int, dps: int = 200) -> list:
    with mp.workdps(dps):
        return [+c for c in mp.taylor(fm, mp.mpf(x0), n)]


def _digits_needed(x: float, x0: float, n: int) -> int:
    """f - T_n at x is about (x - x0)^(n+1) times f's scale: resolving it (and the ratio to 60
    digits) takes 60 + (n + 1) log10(1 / |x - x0|) digits, in f and in every coefficient."""
    return int(60 + (n + 1) * max(0.0, -math.log10(abs(x - x0))))


def true_ratios(fm, x0: float, n: int, xs) -> list[tuple[float, object, object]]:
    """(x, r(x), f(x) - T_n(x)) for x != x0, each at a precision that resolves it: the exact
    coefficients are computed at the precision the point nearest x0 needs (a point one ulp from
    x0 needs about 16 (n + 1) more digits than a point at distance 1)."""
    xs = [float(x) for x in xs if float(x) != x0]
    if not xs:
        return []
    c = exact_taylor(fm, x0, n, dps=20 + max(_digits_needed(x, x0, n) for x in xs))
    out = []
    for x in xs:
        with mp.workdps(_digits_needed(x, x0, n)):
            t = mp.mpf(x) - mp.mpf(x0)
            d = fm(mp.mpf(x)) - mp.fsum(ck * t ** k for k, ck in enumerate(c))
            out.append((x, d / t ** (n + 1), d))
    return out


def true_range(fm, x0: float, n: int, interval: tuple[float, float], points: int = 2001) -> tuple[float, float]:
    """The range of r = (f - T_n) / (x - x0)^(n+1) on a dense grid of the interval (an inner
    estimate of the true range: every band must contain it)."""
    rs = [float(r) for _, r, _ in true_ratios(fm, x0, n, np.linspace(*interval, points))]
    return min(rs), max(rs)


def tightness(band, fm, points: int = 2001) -> float:
    """Width of the band's [lo, hi] over the true range of r on where it holds."""
    lo, hi = true_range(fm, band.x0, band.degree, band.holds_on, points)
    return (band.hi - band.lo) / (hi - lo) if hi > lo else math.inf
