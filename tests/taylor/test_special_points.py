"""Special points: custom-derivative functions, removable singularities, jumps, kinks and
cancellation. Each answer is checked against mpmath, or must be a one-line refusal."""
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import mpmath
import numpy as np
import pytest

from jaxcalc_ext import JaxCalcError, taylor_polynomial
from oracle import disc_err, mp_taylor

ORDER = 10
RADIUS = 0.2


@pytest.fixture(autouse=True)
def _float64(x64):
    yield


def _ncdf(z):
    return mpmath.erfc(-z / mpmath.sqrt(2)) / 2


# Every jax.numpy / jax.nn / jax.scipy.special function defined with a custom_jvp, at the
# points where its body is special (the custom rule gives one order only), and Bessel
# functions whose bodies take |x| at 0.
CUSTOM_JVP_AT_SPECIAL_POINTS = [
    ("sinc_0", jnp.sinc, lambda z: mpmath.sin(mpmath.pi * z) / (mpmath.pi * z), 0.0),
    ("sinc_1", jnp.sinc, lambda z: mpmath.sin(mpmath.pi * z) / (mpmath.pi * z), 1.0),
    ("i0_0", jnp.i0, lambda z: mpmath.besseli(0, z), 0.0),
    ("i1_0", jss.i1, lambda z: mpmath.besseli(1, z), 0.0),
    ("i0e_2", jss.i0e, lambda z: mpmath.besseli(0, z) * mpmath.exp(-z), 2.0),
    ("xlogy_x_0", lambda x: jss.xlogy(x, 2.0), lambda z: z * mpmath.log(2), 0.0),
    ("xlog1py_x_0", lambda x: jss.xlog1py(x, 0.5), lambda z: z * mpmath.log(1.5), 0.0),
    ("erfcx_0", jss.erfcx, lambda z: mpmath.exp(z ** 2) * mpmath.erfc(z), 0.0),
    ("dawsn_0", jss.dawsn, lambda z: mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(-z ** 2) * mpmath.erfi(z), 0.0),
    ("logit_half", jss.logit, lambda z: mpmath.log(z / (1 - z)), 0.5),
    ("log1mexp_1", jax.nn.log1mexp, lambda z: mpmath.log(1 - mpmath.exp(-z)), 1.0),
    ("log_ndtr_0", jss.log_ndtr, lambda z: mpmath.log(_ncdf(z)), 0.0),
    ("log_ndtr_-3", jss.log_ndtr, lambda z: mpmath.log(_ncdf(z)), -3.0),
    ("entr_1", jss.entr, lambda z: -z * mpmath.log(z), 1.0),
    ("zeta_q", lambda q: jss.zeta(3.0, q), lambda z: mpmath.zeta(3, z), 1.5),
    ("poch", lambda z: jss.poch(z, 2.5), lambda z: mpmath.rf(z, 2.5), 1.5),
    ("relu_1", jax.nn.relu, lambda z: z, 1.0),
    ("softmax_0", lambda x: jax.nn.softmax(jnp.stack([x, 2 * x, jnp.zeros_like(x)]))[0],
     lambda z: mpmath.exp(z) / (mpmath.exp(z) + mpmath.exp(2 * z) + 1), 0.0),
    ("gelu_0", lambda x: jax.nn.gelu(x, approximate=False), lambda z: z * _ncdf(z), 0.0),
    ("silu_0", jax.nn.silu, lambda z: z / (1 + mpmath.exp(-z)), 0.0),
]


@pytest.mark.parametrize("name,f,reference,x0", CUSTOM_JVP_AT_SPECIAL_POINTS,
                         ids=[c[0] for c in CUSTOM_JVP_AT_SPECIAL_POINTS])
def test_custom_jvp_functions_at_their_special_points_match_mpmath(name, f, reference, x0):
    p = taylor_polynomial(f, x0, ORDER)
    want = mp_taylor(reference, x0, ORDER, radius=RADIUS)
    assert disc_err(np.ravel(p.monomial_coefficients), want, RADIUS) < 1e-13


REMOVABLE = [
    ("sin(x)/x", lambda x: jnp.where(x == 0, 1.0, jnp.sin(x) / x), lambda z: mpmath.sin(z) / z, 16),
    ("(1-cos x)/x^2", lambda x: (1 - jnp.cos(x)) / x ** 2, lambda z: (1 - mpmath.cos(z)) / z ** 2, 12),
    ("sinc^2", lambda x: jnp.sinc(x) ** 2, lambda z: (mpmath.sin(mpmath.pi * z) / (mpmath.pi * z)) ** 2, 12),
    ("sinc(sinc-1)", lambda x: jnp.sinc(jnp.sinc(x) - 1), lambda z: mpmath.sinc(mpmath.pi * (mpmath.sinc(mpmath.pi * z) - 1)), 8),
]


@pytest.mark.parametrize("name,f,reference,order", REMOVABLE, ids=[c[0] for c in REMOVABLE])
def test_removable_singularities_are_expanded_to_the_full_order(name, f, reference, order):
    p = taylor_polynomial(f, 0.0, order)
    assert p.order == order
    want = mp_taylor(reference, 0.0, order, radius=RADIUS)
    assert disc_err(np.ravel(p.monomial_coefficients), want, RADIUS) < 1e-13


def test_two_variable_removable_singularity_matches_the_product_of_series():
    p = taylor_polynomial(lambda x, y: jnp.sinc(x) * jnp.sinc(y), (0.0, 0.0), 4)
    one = mp_taylor(lambda z: mpmath.sin(mpmath.pi * z) / (mpmath.pi * z), 0.0, 4, radius=RADIUS)
    for exponent, c in zip(p.exponents, p.monomial_coefficients):
        i, j = exponent
        assert abs(c - one[i] * one[j]) < 1e-13, exponent


def test_cancellation_near_a_removable_singularity_is_right_or_refused():
    """jnp.sinc at 1e-3: sin(pi x)/(pi x) loses about three digits per order to cancellation."""
    want = mp_taylor(lambda z: mpmath.sin(mpmath.pi * z) / (mpmath.pi * z), 1e-3, 6, radius=RADIUS)
    with pytest.raises(JaxCalcError, match=r"order >= \d+ at x0 = 0.001 are lost to rounding.*order <= \d+ is reliable"):
        taylor_polynomial(jnp.sinc, 1e-3, 6)
    reliable = int(str(pytest.raises(JaxCalcError, taylor_polynomial, jnp.sinc, 1e-3, 6).value).split("order <= ")[1][0])
    p = taylor_polynomial(jnp.sinc, 1e-3, reliable)
    got = np.ravel(p.monomial_coefficients)
    for k in range(reliable + 1):   # each coefficient is right within the rounding error it states
        assert abs(got[k] - float(want[k])) <= p.rounding[k], (k, got[k], want[k], p.rounding[k])
        assert abs(got[k]) > 100 * p.rounding[k]   # and is written: 1% or better
    assert disc_err(got, want[:reliable + 1], RADIUS) < 1e-7


JUMPS = [
    ("where", lambda x: jnp.where(x > 0, x ** 2, 1.0 - x), 0.0),
    ("sign", jnp.sign, 0.0),
    ("floor", jnp.floor, 1.0),
    ("ceil", jnp.ceil, -2.0),
    ("round", jnp.round, 0.5),
    ("cond", lambda x: jax.lax.cond(x > 0, jnp.sin, jnp.cos, x), 0.0),
    ("piecewise", lambda x: jnp.piecewise(x, [x < 1, x >= 1], [lambda x: x, lambda x: x + 1]), 1.0),
    ("heaviside", lambda x: jnp.heaviside(x, 0.5), 0.0),
]


@pytest.mark.parametrize("name,f,x0", JUMPS, ids=[c[0] for c in JUMPS])
def test_jumps_are_refused_naming_the_point(name, f, x0):
    with pytest.raises(JaxCalcError, match=rf"f jumps at x0 = {x0:g}:"):
        taylor_polynomial(f, x0, 3)


KINKS = [
    ("where_kink", lambda x: jnp.where(x > 0, x ** 2, -x), 0.0, 1),
    ("relu_cubed", lambda x: jax.nn.relu(x) ** 3, 0.0, 3),
    ("where_order_4", lambda x: jnp.where(x >= 0, jnp.exp(x), 1 + x + x ** 2 / 2 + x ** 3 / 6), 0.0, 4),
    ("relu6_at_6", jax.nn.relu6, 6.0, 1),
    ("i0e_0", jss.i0e, 0.0, 1),
]


@pytest.mark.parametrize("name,f,x0,k", KINKS, ids=[c[0] for c in KINKS])
def test_kinks_are_refused_at_the_order_where_the_sides_differ(name, f, x0, k):
    with pytest.raises(JaxCalcError, match=rf"not differentiable at x0 = {x0:g}: its derivative of order {k} "):
        taylor_polynomial(f, x0, 6)
    if k > 1:   # below the kink's order the polynomial exists and is right
        assert taylor_polynomial(f, x0, k - 1).order == k - 1


def test_smooth_joins_and_points_away_from_a_branch_are_not_refused():
    p = taylor_polynomial(lambda x: jnp.where(x > 0, jnp.sin(x), jnp.sin(x)), 0.0, 5)
    np.testing.assert_allclose(np.ravel(p.monomial_coefficients), [0, 1, 0, -1 / 6, 0, 1 / 120], atol=1e-15)
    q = taylor_polynomial(lambda x: jnp.where(x > 0, x ** 2, -x), 0.5, 3)
    np.testing.assert_allclose(np.ravel(q.monomial_coefficients), [0.25, 1, 1, 0], atol=1e-15)
    s = taylor_polynomial(jax.nn.softplus, 0.0, 6)   # logaddexp's kinks cancel
    want = mp_taylor(lambda z: mpmath.log(1 + mpmath.exp(z)), 0.0, 6, radius=RADIUS)
    assert disc_err(np.ravel(s.monomial_coefficients), want, RADIUS) < 1e-14


def test_a_jump_in_two_variables_is_refused():
    with pytest.raises(JaxCalcError, match=r"f jumps at x0 = \(0, 0.5\)"):
        taylor_polynomial(lambda x, y: jnp.where(x > 0, x * y, y), (0.0, 0.5), 2)
    with pytest.raises(JaxCalcError, match=r"not differentiable at x0 = \(0, 0\)"):
        taylor_polynomial(lambda x, y: jnp.abs(x - y), (0.0, 0.0), 2)


def test_flat_functions_and_domain_edges_say_what_happened():
    with pytest.raises(JaxCalcError, match="essential singularity such as exp"):
        taylor_polynomial(lambda x: jnp.exp(-1 / x ** 2), 0.0, 4)
    with pytest.raises(JaxCalcError, match=r"f\(x0\) = 0 at x0 = 0.0, but no Taylor series exists there"):
        taylor_polynomial(jss.entr, 0.0, 4)
    with pytest.raises(JaxCalcError, match="f is -inf at x0 = 0.0"):
        taylor_polynomial(jnp.log, 0.0, 4)


def test_every_nonzero_coefficient_is_written():
    log_text = taylor_polynomial(jnp.log, 0.1, 20).to_text()
    assert log_text.startswith("-2.30259 + 10 (x - 0.1) - 50 (x - 0.1)^2")
    assert "(x - 0.1)^20" in log_text
    exp_text = taylor_polynomial(jnp.exp, 0.0, 30).to_text()
    assert exp_text.count(" x^") == 29 and f"{1 / math.factorial(30):g} x^30" in exp_text
