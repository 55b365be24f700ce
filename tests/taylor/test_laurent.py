"""Laurent series at poles and Puiseux series at branch points (issue 27 item 4), against
sympy's ``series`` of the same function written symbolically."""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

from jaxcalc_ext import JaxCalcError
from jaxcalc_ext.taylor.laurent import laurent_series

s = sp.Symbol("s", positive=True)
X = sp.Symbol("x")

# name: (jax function, sympy expression in X, x0 (exact), side, order)
CASES = {
    "1/sin x": (lambda x: 1 / jnp.sin(x), 1 / sp.sin(X), 0, None, 7),
    "cot x": (lambda x: jnp.cos(x) / jnp.sin(x), sp.cot(X), 0, None, 7),
    "1/tan x": (lambda x: 1 / jnp.tan(x), sp.cot(X), 0, None, 5),
    "1/(x^2 (1-x))": (lambda x: 1 / (x ** 2 * (1 - x)), 1 / (X ** 2 * (1 - X)), 0, None, 4),
    "1/tanh x": (lambda x: 1 / jnp.tanh(x), 1 / sp.tanh(X), 0, None, 5),
    "1/x^3 + sin x": (lambda x: 1 / x ** 3 + jnp.sin(x), 1 / X ** 3 + sp.sin(X), 0, None, 5),
    "x/(1-cos x)": (lambda x: x / (1 - jnp.cos(x)), X / (1 - sp.cos(X)), 0, None, 5),
    "exp(x)/(x-1)^2 at 1": (lambda x: jnp.exp(x) / (x - 1) ** 2, sp.exp(X) / (X - 1) ** 2, 1, None, 3),
    "sqrt(x) e^x": (lambda x: jnp.sqrt(x) * jnp.exp(x), sp.sqrt(X) * sp.exp(X), 0, "right", 4),
    "sqrt(1 - cos x), right": (lambda x: jnp.sqrt(1 - jnp.cos(x)), sp.sqrt(1 - sp.cos(X)), 0, "right", 7),
    "sqrt(1 - cos x), left": (lambda x: jnp.sqrt(1 - jnp.cos(x)), sp.sqrt(1 - sp.cos(X)), 0, "left", 7),
    "(x - 1)^(3/2) e^x": (lambda x: (x - 1) ** 1.5 * jnp.exp(x), (X - 1) ** sp.Rational(3, 2) * sp.exp(X), 1,
                          "right", 4),
    "(1 - x)^(1/3), left of 1": (lambda x: jnp.cbrt(1 - x) * jnp.cos(x), sp.cbrt(1 - X) * sp.cos(X), 1, "left", 3),
    "x^(1/3) written as a power": (lambda x: x ** (1 / 3) / (1 + x), X ** sp.Rational(1, 3) / (1 + X), 0, "right", 3),
    "sqrt(x + x^2)": (lambda x: jnp.sqrt(x + x ** 2), sp.sqrt(X + X ** 2), 0, "right", 3),
}


def sympy_terms(expr, x0, side, order):
    """{exponent: coefficient} of the series of expr at x0 in s = x - x0 (both sides, or right)
    or s = x0 - x (left), with exponents up to ``order``."""
    t = s if side != "left" else -s
    g = expr.subs(X, x0 + t)
    series = sp.series(g, s, 0, order + 1).removeO()
    out = {}
    for term in sp.Add.make_args(sp.expand(series)):
        c, e = term.as_coeff_exponent(s)
        if e <= order:
            out[sp.Rational(e)] = out.get(sp.Rational(e), 0) + c
    return {e: float(c) for e, c in out.items() if c != 0}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_series_is_sympys(name):
    f, expr, x0, side, order = CASES[name]
    got = laurent_series(f, float(x0), order, side=side)
    want = sympy_terms(expr, x0, side, order)
    mine = {sp.Rational(e.numerator, e.denominator): c for e, c in got.terms()}
    assert set(mine) == set(want), (name, mine, want)
    for e, c in want.items():
        assert abs(mine[e] - c) <= 1e-12 * max(1.0, abs(c)), (name, e, mine[e], c)
    # each coefficient's rounding bound holds the exact value
    for e, c, err in zip(got.exponents, got.coefficients, got.errors):
        exact = want.get(sp.Rational(e.numerator, e.denominator), 0.0)
        assert abs(c - exact) <= err + 1e-15 * max(1.0, abs(exact)), (name, e, c, exact, err)


def test_a_pole_within_rounding_of_x0_is_taken_as_the_pole_and_said():
    got = laurent_series(lambda x: 1 / jnp.sin(x), math.pi, 5)
    want = sympy_terms(1 / sp.sin(X), sp.pi, None, 5)           # at pi itself
    mine = {sp.Rational(e.numerator, e.denominator): c for e, c in got.terms()}
    assert set(mine) == set(want), (mine, want)
    assert all(abs(mine[e] - c) < 1e-12 for e, c in want.items())
    assert any("within rounding of x0" in note for note in got.notes)
    assert got.kind == "a pole of order 1"


@pytest.mark.parametrize("f, x0, side, why", [
    (lambda x: x ** x, 0.0, "right", "log"),
    (lambda x: jnp.exp(1 / x), 0.0, None, "essential singularity"),
    (lambda x: jnp.exp(-1 / x ** 2), 0.0, None, "essential singularity"),
    (lambda x: jnp.log(x) * x, 0.0, "right", "log"),
    (lambda x: jnp.sqrt(x), 0.0, None, "one side at a time"),
    (lambda x: jnp.sqrt(x), 0.0, "left", "not real"),
    (lambda x: jnp.abs(x) / x ** 2, 0.0, None, "one side at a time"),
    (lambda x: x ** math.pi, 0.0, "right", "irrational power"),
])
def test_what_has_no_such_series_is_refused_saying_why(f, x0, side, why):
    with pytest.raises(JaxCalcError, match=why):
        laurent_series(f, x0, 3, side=side)


def test_the_text_and_latex_read_as_written_by_hand():
    got = laurent_series(lambda x: 1 / jnp.sin(x), 0.0, 3)
    assert got.to_text() == "1/x + 0.166667 x + 0.0194444 x^3"
    assert got.to_latex() == "\\frac{1}{x} + 0.166667 x + 0.0194444 x^{3}"
    half = laurent_series(lambda x: jnp.sqrt(x) * jnp.exp(x), 0.0, 2, side="right")
    assert half.to_latex() == "x^{1/2} + x^{3/2}" and half.kind.startswith("a Puiseux series in (x - x0)^(1/2)")
    xs = np.array([0.01, 0.02])
    assert np.allclose(half(xs), np.sqrt(xs) * (1 + xs), rtol=1e-15)
