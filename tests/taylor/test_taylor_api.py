"""The public Taylor API against closed forms, sympy and mpmath (never against our own output)."""
import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import jaxcalc_ext as jc
from oracle import disc_err, mp_taylor, rel_err


def test_mml_figure_5_4_coefficients_are_the_closed_form(x64):
    # sin x + cos x = sum_k c_k x^k with c_k = (1, 1, -1/2, -1/6, 1/24, 1/120, ...) / k!-pattern.
    c = np.asarray(jc.taylor_coefficients(lambda x: jnp.sin(x) + jnp.cos(x), 0.0, 10))
    signs = [1, 1, -1, -1]
    want = [signs[k % 4] / math.factorial(k) for k in range(11)]
    np.testing.assert_allclose(c, want, rtol=1e-15, atol=1e-18)


def test_derivatives_are_factorial_times_coefficients(x64):
    d = np.asarray(jc.derivatives(lambda x: jnp.sin(x) * jnp.exp(x), 2.0, 2))
    # seed 004: f, f' = (cos + sin) e^x, f'' = 2 e^x cos x at 2
    e2 = math.exp(2.0)
    np.testing.assert_allclose(d, [math.sin(2) * e2, (math.cos(2) + math.sin(2)) * e2, 2 * e2 * math.cos(2)],
                               rtol=1e-14)


def test_direction_for_vector_inputs_and_array_outputs(x64):
    f = lambda v: jnp.stack([jnp.sin(v[0] * v[1]), jnp.exp(v[0])])
    c = np.asarray(jc.taylor_coefficients(f, jnp.array([0.5, 2.0]), 6, direction=jnp.array([1.0, -1.0])))
    assert c.shape == (7, 2)
    # along the line, v0 v1 = (0.5 + t)(2 - t) = 1 + 1.5 t - t^2
    np.testing.assert_allclose(c[:, 0], mp_taylor(lambda t: mpmath.sin(1 + 1.5 * t - t * t), 0.0, 6), rtol=1e-13)
    np.testing.assert_allclose(c[:, 1], mp_taylor(lambda t: mpmath.exp(0.5 + t), 0.0, 6), rtol=1e-13)


def test_vector_input_without_direction_is_a_clear_error():
    with pytest.raises(jc.JaxCalcError, match="direction"):
        jc.taylor_coefficients(jnp.sum, jnp.ones(3), 2)


@pytest.mark.parametrize("order", [-1, 1.5, 10**6, True])
def test_bad_orders_are_rejected(order):
    with pytest.raises(jc.JaxCalcError):
        jc.taylor_coefficients(jnp.sin, 0.0, order)


def test_numpy_on_tracers_and_python_if_are_clear_errors():
    import numpy

    with pytest.raises(jc.JaxCalcError, match="NumPy"):
        jc.taylor_coefficients(lambda x: numpy.sin(x), 0.5, 3)

    def branchy(x):
        return x if x > 0 else -x

    with pytest.raises(jc.JaxCalcError, match="control flow"):
        jc.taylor_coefficients(branchy, 0.5, 3)


def test_methods_agree(x64):
    f = lambda x: jnp.sin(x) + jnp.cos(x) * jnp.exp(-x ** 2 / 4) + jnp.tanh(x)
    ours = np.asarray(jc.taylor_coefficients(f, 0.5, 8, method="taylor"))
    for method in ("jet", "nested"):
        np.testing.assert_allclose(ours, np.asarray(jc.taylor_coefficients(f, 0.5, 8, method=method)),
                                   rtol=1e-12, atol=1e-14)


def test_float64_inputs_give_float64_and_float32_stays_float32(x64):
    assert jc.taylor_coefficients(jnp.sin, jnp.float64(0.3), 3).dtype == jnp.float64
    assert jc.taylor_coefficients(jnp.sin, jnp.float32(0.3), 3).dtype == jnp.float32


def test_seed_g_xy_polynomial_latex_and_values(x64):
    p = jc.taylor_polynomial(lambda x, y: x ** 2 + 2 * x * y + y ** 3, (1.0, 2.0), 2)
    x, y = sp.symbols("x y")
    # The expanded coefficients against sympy's closed form, then the LaTeX text itself.
    closed = sp.Poly(x ** 2 + 6 * y ** 2 - 12 * y + 2 * x * y + 8, x, y)
    ours = {k: v for k, v in p.expanded().items() if abs(v) > 1e-12}
    assert {k: float(v) for k, v in ours.items()} == {m: float(c) for m, c in closed.terms()}
    assert p.to_latex(form="expanded") == "8 - 12 y + x^{2} + 2 x y + 6 y^{2}"
    points = np.array([[1.0, 2.0], [2.0, 3.0], [4.2, 3.7], [2.8, 1.3], [10.2, 21], [-5.1, 2.3], [-3.4, -2.5]])
    np.testing.assert_allclose(np.asarray(p(points)), [13, 42, 94.46, 17.66, 2934.44, 14.69, 104.06], rtol=1e-12)


def test_vector_argument_form_matches_scalar_arguments(x64):
    a = jc.taylor_polynomial(lambda v: v[0] ** 2 + 2 * v[0] * v[1] + v[1] ** 3, jnp.array([1.0, 2.0]), 3)
    b = jc.taylor_polynomial(lambda x, y: x ** 2 + 2 * x * y + y ** 3, (1.0, 2.0), 3)
    assert a.exponents == b.exponents
    np.testing.assert_allclose(a.monomial_coefficients, b.monomial_coefficients, rtol=1e-13)


def test_multivariate_polynomial_matches_sympy_series(x64):
    x, y, z = sp.symbols("x y z")
    expr = sp.exp(x) * sp.sin(y + z ** 2) / (1 + x ** 2)
    x0 = (0.1, 0.2, 0.3)
    f = lambda v: jnp.exp(v[0]) * jnp.sin(v[1] + v[2] ** 2) / (1 + v[0] ** 2)
    p = jc.taylor_polynomial(f, jnp.array(x0), 5)
    for exponent, c in p.coefficients.items():
        d = sp.diff(expr, x, exponent[0], y, exponent[1], z, exponent[2])
        want = float(d.subs({x: x0[0], y: x0[1], z: x0[2]}).evalf(30)) / math.prod(map(math.factorial, exponent))
        assert abs(float(c) - want) <= 1e-11 * max(1.0, abs(want)), exponent


def test_ackley_quadratic_converges_at_third_order(x64):
    def ackley(x):
        d = x.size
        return (-20 * jnp.exp(-0.2 * jnp.sqrt(jnp.sum(x ** 2) / d))
                - jnp.exp(jnp.sum(jnp.cos(2 * jnp.pi * x)) / d) + 20 + jnp.e)

    x0, u = jax.random.normal(jax.random.key(0), (2, 3))
    r = jc.convergence_order(ackley, x0, 2, direction=u)
    assert abs(r.order - 3) < 0.05
    ratios = r.errors[:-2] / r.errors[1:-1]
    assert np.all((ratios > 800) & (ratios < 1200))


def test_polynomial_of_nondifferentiable_point_is_a_clear_error(x64):
    with pytest.raises(jc.JaxCalcError, match="not differentiable"):
        jc.taylor_polynomial(jnp.abs, 0.0, 2)
    with pytest.raises(jc.JaxCalcError, match="not differentiable"):
        jc.taylor_polynomial(lambda x: jax.nn.relu(x - 1.0), 1.0, 3)
    assert jc.taylor_polynomial(jax.nn.softplus, 0.0, 4).order == 4  # kinks that cancel are fine
    with pytest.raises(jc.JaxCalcError, match="domain"):
        jc.taylor_polynomial(jnp.log, -1.0, 2)


def test_user_config_is_untouched_by_float64_scope():
    before = jax.config.jax_enable_x64
    with jc.float64_scope():
        assert jnp.ones(1).dtype == jnp.float64
    assert jax.config.jax_enable_x64 == before


# ---------------------------------------------------------------- property test
UNARY = {
    "sin": (jnp.sin, mpmath.sin), "cos": (jnp.cos, mpmath.cos), "exp": (jnp.exp, mpmath.exp),
    "tanh": (jnp.tanh, mpmath.tanh), "atan": (jnp.arctan, mpmath.atan),
    "softplus": (jax.nn.softplus, lambda z: mpmath.log(1 + mpmath.exp(z))),
    "sq": (lambda u: u * u, lambda z: z * z),
    "recip1p2": (lambda u: 1 / (1 + u * u), lambda z: 1 / (1 + z * z)),
}
BINARY = {"add": (jnp.add, lambda a, b: a + b), "mul": (jnp.multiply, lambda a, b: a * b),
          "sub": (jnp.subtract, lambda a, b: a - b)}


def expressions():
    leaf = st.just(("x",))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(sorted(UNARY)), inner),
            st.tuples(st.sampled_from(sorted(BINARY)), inner, inner)),
        max_leaves=6)


def build(tree, table):
    if tree == ("x",):
        return lambda v: v
    if len(tree) == 2:
        g, inner = table[0][tree[0]], build(tree[1], table)
        return lambda v: g(inner(v))
    g, a, b = table[1][tree[0]], build(tree[1], table), build(tree[2], table)
    return lambda v: g(a(v), b(v))


@settings(max_examples=25, deadline=None)
@given(expressions(), st.floats(-1.0, 1.0))
def test_random_compositions_match_mpmath(tree, x0):
    jax_table = ({k: v[0] for k, v in UNARY.items()}, {k: v[0] for k, v in BINARY.items()})
    mp_table = ({k: v[1] for k, v in UNARY.items()}, {k: v[1] for k, v in BINARY.items()})
    with jax.enable_x64(True):
        got = np.asarray(jc.taylor_coefficients(build(tree, jax_table), x0, 30, method="taylor"))
    # radius 0.2 keeps the oracle's circle inside the analytic disc of every composition here
    want = mp_taylor(build(tree, mp_table), x0, 30, radius=0.2)
    # per coefficient where float64 can resolve it (low orders), on the disc for all 31
    assert rel_err(got[:13], want[:13]) < 1e-10, tree
    assert disc_err(got, want, radius=0.5) < 1e-13, tree
