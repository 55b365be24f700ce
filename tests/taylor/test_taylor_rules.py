"""Every Taylor rule against mpmath (high order) and nested jax.jvp (low order)."""
import functools

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from jaxcalc_ext import taylor_coefficients
from jaxcalc_ext.taylor.engine.coefficients import taylor_mode
from jaxcalc_ext.taylor.engine.series import without_lapack
from oracle import mp_taylor, rel_err

# (name, jax function, mpmath function, point)
ELEMENTARY = [
    ("exp", jnp.exp, mpmath.exp, 0.7),
    ("log", jnp.log, mpmath.log, 1.3),
    ("sin", jnp.sin, mpmath.sin, 0.4),
    ("cos", jnp.cos, mpmath.cos, -1.1),
    ("tan", jnp.tan, mpmath.tan, 0.3),
    ("tanh", jnp.tanh, mpmath.tanh, 0.6),
    ("tanh_negative", jnp.tanh, mpmath.tanh, -2.0),
    ("logistic", jax.nn.sigmoid, lambda x: 1 / (1 + mpmath.exp(-x)), -0.8),
    ("sqrt", jnp.sqrt, mpmath.sqrt, 2.5),
    ("rsqrt", jax.lax.rsqrt, lambda x: 1 / mpmath.sqrt(x), 1.7),
    ("cbrt", jnp.cbrt, mpmath.cbrt, 2.0),
    ("cbrt_negative", jnp.cbrt, lambda x: -mpmath.cbrt(-x), -2.0),
    ("pow", lambda x: x ** 2.5, lambda x: x ** mpmath.mpf(2.5), 1.5),
    ("pow_series", lambda x: x ** x, lambda x: x ** x, 1.2),
    ("div", lambda x: 1 / (1 + x ** 2), lambda x: 1 / (1 + x ** 2), 0.5),
    ("atan", jnp.arctan, mpmath.atan, 0.5),
    ("asin", jnp.arcsin, mpmath.asin, 0.3),
    ("acos", jnp.arccos, mpmath.acos, 0.2),
    ("asinh", jnp.arcsinh, mpmath.asinh, 0.5),
    ("acosh", jnp.arccosh, mpmath.acosh, 1.7),
    ("atanh", jnp.arctanh, mpmath.atanh, 0.3),
    ("sinh", jnp.sinh, mpmath.sinh, 0.9),
    ("cosh", jnp.cosh, mpmath.cosh, 0.9),
    ("erf", jax.scipy.special.erf, mpmath.erf, 0.4),
    ("erfc", jax.scipy.special.erfc, mpmath.erfc, 0.4),
    ("log1p", jnp.log1p, lambda x: mpmath.log(1 + x), 0.5),
    ("expm1", jnp.expm1, lambda x: mpmath.exp(x) - 1, 0.5),
    ("exp2", jnp.exp2, lambda x: 2 ** x, 0.5),
    ("lgamma", jax.lax.lgamma, mpmath.loggamma, 2.5),
    ("digamma", jax.scipy.special.digamma, mpmath.digamma, 2.5),
    ("atan2", lambda x: jnp.arctan2(x, 2.0 - x), lambda x: mpmath.atan(x / (2 - x)), 0.5),
    ("softplus", jax.nn.softplus, lambda x: mpmath.log(1 + mpmath.exp(x)), 0.3),
    ("relu", jax.nn.relu, lambda x: x + 0, 0.7),
    ("abs", jnp.abs, lambda x: -x, -0.7),
    ("integer_pow", lambda x: x ** 7, lambda x: x ** 7, 0.9),
    ("integer_pow_negative", lambda x: x ** -3, lambda x: x ** -3, 0.9),
    ("logsumexp", lambda x: jax.nn.logsumexp(jnp.stack([x, 2 * x, -x])),
     lambda x: mpmath.log(mpmath.exp(x) + mpmath.exp(2 * x) + mpmath.exp(-x)), 0.3),
]


# The two ways a program solves its triangular systems: LAPACK (repeated calls) and forward
# substitution in XLA ops (the quick first calls, see jaxcalc_ext.core.tiered). Both are checked.
SOLVERS = {"lapack": lambda program: program, "forward_substitution": without_lapack}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name,fn,mp_fn,x0", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
def test_rule_matches_mpmath_to_order_40(x64, name, fn, mp_fn, x0, solver):
    order = 40
    program = SOLVERS[solver](functools.partial(taylor_mode, fn, order))
    got = np.asarray(jax.jit(program)(jnp.float64(x0), jnp.float64(1.0)))
    want = np.asarray(mp_taylor(mp_fn, x0, order))
    assert rel_err(got, want) < 1e-11, name


@pytest.mark.parametrize("name,fn,mp_fn,x0", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
def test_rule_matches_nested_jvp_at_low_order(x64, name, fn, mp_fn, x0):
    ours = np.asarray(taylor_coefficients(fn, x0, 4, method="taylor"))
    nested = np.asarray(taylor_coefficients(fn, x0, 4, method="nested"))
    np.testing.assert_allclose(ours, nested, rtol=1e-12, atol=1e-13)


def test_integer_pow_at_zero_is_exact_not_nan(x64):
    c = np.asarray(taylor_coefficients(lambda x: x ** 3 + x ** 2, 0.0, 5, method="taylor"))
    np.testing.assert_array_equal(c, [0, 0, 1, 1, 0, 0])


def test_kinks_follow_the_branch_taken_for_small_positive_t(x64):
    np.testing.assert_array_equal(np.asarray(taylor_coefficients(jnp.abs, 0.0, 3)), [0, 1, 0, 0])
    np.testing.assert_array_equal(np.asarray(taylor_coefficients(jnp.abs, 0.0, 3, direction=-1.0)), [0, 1, 0, 0])
    np.testing.assert_array_equal(np.asarray(taylor_coefficients(jax.nn.relu, 0.0, 2)), [0, 1, 0])


def test_cancelling_kinks_give_the_analytic_series(x64):
    # softplus = logaddexp(x, 0) has max() and abs() kinks at 0 that cancel.
    got = np.asarray(taylor_coefficients(jax.nn.softplus, 0.0, 20))
    want = mp_taylor(lambda x: mpmath.log(1 + mpmath.exp(x)), 0.0, 20)
    assert rel_err(got, want) < 1e-12


# Every elementwise rule's value row is the primitive's own value: c0 within 2 ulp of
# jax.numpy at tiny, ordinary and large arguments (tanh as (1 - e)/(1 + e) was 7e-9 off at 3e-9).
# The table is derived from the rule registry, so a new rule without an entry here fails.
from jaxcalc_ext.taylor.engine.rules import UNARY_SERIES

VALUE_ROW_FUNCTIONS = {
    "abs": jnp.abs, "acos": jnp.arccos, "acosh": jnp.arccosh, "asin": jnp.arcsin, "asinh": jnp.arcsinh,
    "atan": jnp.arctan, "atanh": jnp.arctanh, "bessel_i0e": jax.scipy.special.i0e,
    "bessel_i1e": jax.scipy.special.i1e, "cbrt": jnp.cbrt, "cos": jnp.cos, "cosh": jnp.cosh,
    "digamma": jax.scipy.special.digamma, "erf": jax.scipy.special.erf, "erfc": jax.scipy.special.erfc,
    "exp": jnp.exp, "exp2": jnp.exp2, "expm1": jnp.expm1, "integer_pow": lambda x: x ** 3,
    "lgamma": jax.lax.lgamma, "log": jnp.log, "log1p": jnp.log1p, "logistic": jax.lax.logistic,
    "rsqrt": jax.lax.rsqrt, "sin": jnp.sin, "sinh": jnp.sinh, "sqrt": jnp.sqrt, "square": jnp.square,
    "tan": jnp.tan, "tanh": jnp.tanh,
}
# Points inside each domain: tiny, ordinary and large (clipped to where the function is defined).
DOMAINS = {"acos": (-1, 1), "asin": (-1, 1), "atanh": (-1, 1), "acosh": (1, np.inf), "log": (0, np.inf),
           "sqrt": (0, np.inf), "rsqrt": (0, np.inf), "lgamma": (0, np.inf), "digamma": (0, np.inf),
           "log1p": (-1, np.inf)}
VALUE_ROW_POINTS = [3e-9, 1.5e-4, 0.37, 1.7, 25.0, -3e-9, -0.6, -7.5]


def test_every_unary_rule_has_a_value_row_check():
    assert set(UNARY_SERIES) == set(VALUE_ROW_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(VALUE_ROW_FUNCTIONS))
def test_value_row_is_the_primitives_own_value(x64, name):
    fn = VALUE_ROW_FUNCTIONS[name]
    lo, hi = DOMAINS.get(name, (-np.inf, np.inf))
    points = [x for x in VALUE_ROW_POINTS if lo < x < hi] + ([1 + 1e-7, 1.0 + 2e-3] if name == "acosh" else [])
    for x in points:
        want = np.float64(fn(jnp.float64(x)))
        if not np.isfinite(want):
            continue
        # The optimised program, as jax.numpy's own is compiled (the quick first tier's XLA
        # flags change some library functions' last bits: lgamma near its zeros, cbrt).
        got = np.float64(jax.jit(functools.partial(taylor_mode, fn, 6))(jnp.float64(x), jnp.float64(1.0))[0])
        ulps = abs(got - want) / np.spacing(abs(want)) if want != 0 else abs(got) / np.finfo(float).tiny
        assert ulps <= 2, f"{name}({x}): c0 = {got!r}, jax.numpy {want!r} ({ulps:.0f} ulp)"


BINARY = [jnp.add, jnp.subtract, jnp.multiply, jnp.divide, jnp.maximum, jnp.minimum, jnp.power,
          jnp.arctan2, jnp.remainder, jnp.logaddexp, jnp.hypot]


@pytest.mark.parametrize("op", BINARY, ids=[op.__name__ for op in BINARY])
def test_binary_rules_broadcast_a_scalar_series_as_jax_does(x64, op):
    """x op v, v op x, (x v) op x, x op (x v) with a scalar x and a vector v: JAX broadcasts the
    rank-0 operand; every rule sees operands of the output's shape (checked against jax.grad)."""
    v = jnp.array([0.5, 1.5, 2.5])
    weights = jnp.array([1.0, 2.0, 3.0])
    for form in (lambda x: op(x, v), lambda x: op(v, x), lambda x: op(x * v, x), lambda x: op(x, x * v)):
        f = lambda x, form=form: jnp.sum(form(x) * weights)   # noqa: E731
        c = np.asarray(taylor_coefficients(f, 0.7, 3))
        want = [f(0.7), jax.grad(f)(0.7), jax.grad(jax.grad(f))(0.7) / 2]
        np.testing.assert_allclose(c[:3], np.asarray(want, dtype=float), rtol=1e-9, atol=1e-12 * max(1.0, abs(c[0])),
                                   err_msg=op.__name__)   # (x v) / x is v: rounding either side of 0
