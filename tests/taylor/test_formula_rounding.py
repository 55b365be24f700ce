"""Formulas a student will not misread (issue 21 part 4): a term is written when it is told apart
from its own rounding error (measured by the two-sided passes), never rounding noise such as
5.55e-17 (x - 0.4)^3 for sin^2 + cos^2; every significant term is written (mpmath and sympy as
oracles); polynomials of several variables are written about their centre; a point within
rounding of a pole is said."""
import warnings

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
import sympy as sp

import jaxcalc_ext as jc
from jaxcalc_ext.core.errors import JaxCalcWarning
from oracle import mp_taylor

UNIVARIATE = [
    ("sin^2 + cos^2", lambda x: jnp.sin(x) ** 2 + jnp.cos(x) ** 2, lambda x: mpmath.sin(x) ** 2 + mpmath.cos(x) ** 2, 0.4, 8),
    ("softplus", jax.nn.softplus, lambda x: mpmath.log(1 + mpmath.exp(x)), 0.0, 9),
    ("exp", jnp.exp, mpmath.exp, 0.3, 14),
    ("log at 0.1", jnp.log, mpmath.log, 0.1, 10),
    ("x - tanh x", lambda x: x - jnp.tanh(x), lambda x: x - mpmath.tanh(x), 0.0, 11),
    ("1/(1+x^2)", lambda x: 1 / (1 + x ** 2), lambda x: 1 / (1 + x ** 2), 0.0, 10),
    ("tan", jnp.tan, mpmath.tan, 1.2, 8),
    ("cosh - sinh", lambda x: jnp.cosh(x) - jnp.sinh(x), lambda x: mpmath.exp(-x), 0.7, 10),
]


def assert_written_terms_are_the_significant_ones(written: dict, truth: dict):
    largest = max(abs(v) for v in truth.values())
    for key, true in truth.items():
        if abs(true) > 1e-9 * largest:
            assert key in written, (key, true, "a significant term is not written")
            assert abs(written[key] - true) <= 1e-6 * abs(true), (key, written[key], true)
        elif true == 0:
            assert key not in written, (key, written.get(key), "rounding noise is written as a term")


@pytest.mark.parametrize("name,f,mp_f,x0,order", UNIVARIATE, ids=[u[0] for u in UNIVARIATE])
def test_univariate_terms_are_written_when_significant(x64, name, f, mp_f, x0, order):
    p = jc.taylor_polynomial(f, x0, order)
    kept = ~p.below_rounding & (np.asarray(p.monomial_coefficients) != 0)
    written = {k: float(c) for k, (c, keep) in enumerate(zip(p.monomial_coefficients, kept)) if keep}
    radius = 0.05 if name == "log at 0.1" else 0.2       # inside the disc where f is analytic
    truth = dict(enumerate(mp_taylor(mp_f, x0, order, radius=radius)))
    assert_written_terms_are_the_significant_ones(written, truth)
    # the text shows exactly the written terms, and says how many were left out
    assert p.to_text().count(" x") + p.to_text().count("(x") >= len([k for k in written if k > 0])


X, Y = sp.symbols("x y")
BIVARIATE = [
    ("sin x cos y at 0", lambda x, y: jnp.sin(x) * jnp.cos(y), sp.sin(X) * sp.cos(Y), (0.0, 0.0), 5),
    ("seed g at (1, 2)", lambda x, y: x ** 2 + 2 * x * y + y ** 3, X ** 2 + 2 * X * Y + Y ** 3, (1.0, 2.0), 3),
    ("exp x sin y", lambda x, y: jnp.exp(x) * jnp.sin(y), sp.exp(X) * sp.sin(Y), (0.3, 0.2), 4),
    ("(sin x)^2 + (cos x)^2 + y^3", lambda x, y: jnp.sin(x) ** 2 + jnp.cos(x) ** 2 + y ** 3,
     sp.Integer(1) + Y ** 3, (0.4, 0.5), 4),
]


@pytest.mark.parametrize("name,f,expr,x0,order", BIVARIATE, ids=[b[0] for b in BIVARIATE])
def test_bivariate_terms_are_written_when_significant(x64, name, f, expr, x0, order):
    p = jc.taylor_polynomial(f, x0, order)
    kept = ~p.below_rounding & (np.asarray(p.monomial_coefficients) != 0)
    written = {e: float(c) for e, c, keep in zip(p.exponents, p.monomial_coefficients, kept) if keep}
    a, b = sp.Rational(str(x0[0])), sp.Rational(str(x0[1]))
    truth = {}
    for e in p.exponents:
        d = sp.diff(expr, X, e[0], Y, e[1]) if sum(e) else expr
        truth[e] = float(d.subs({X: a, Y: b}) / (sp.factorial(e[0]) * sp.factorial(e[1])))
    assert_written_terms_are_the_significant_ones(written, truth)


def test_noise_is_not_written_and_the_caption_counts_it(x64):
    p = jc.taylor_polynomial(lambda x: jnp.sin(x) ** 2 + jnp.cos(x) ** 2, 0.4, 5)
    assert p.to_text() == "1"
    assert "e-17" not in p.to_latex()
    p = jc.taylor_polynomial(jax.nn.softplus, 0.0, 6)
    assert "e-19" not in p.to_text() and "x^5" not in p.to_text()
    p = jc.taylor_polynomial(lambda x, y: jnp.sin(x) * jnp.cos(y), (0.0, 0.0), 4)
    assert p.to_text() == "x - 0.166667 x^3 - 0.5 x y^2"


def test_two_variables_are_written_about_their_centre(x64):
    p = jc.taylor_polynomial(lambda x, y: jnp.exp(-x ** 2 - y ** 2) * jnp.cos(x * y), (10.0, 10.0), 2)
    text = p.to_text()
    assert "(x - 10)" in text and "(y - 10)" in text and not p.expands_exactly()
    assert "298848" not in text
    seed = jc.taylor_polynomial(lambda x, y: x ** 2 + 2 * x * y + y ** 3, (1.0, 2.0), 2)
    assert seed.expands_exactly() and seed.to_text(form="expanded") == "8 - 12 y + x^2 + 2 x y + 6 y^2"


def test_a_point_within_rounding_of_a_pole_is_said(x64):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jc.taylor_polynomial(jnp.tan, float(np.pi / 2), 2)
        jc.taylor_polynomial(lambda x: 1 / x, 1e-20, 2)        # close to 0, but not within rounding
        jc.taylor_polynomial(jnp.tan, 1.5, 2)
    said = [str(w.message) for w in caught if issubclass(w.category, JaxCalcWarning)]
    assert len(said) == 1 and "within rounding of a pole" in said[0]
