"""The Taylor engine through control flow, custom derivatives and calls, against mpmath;
float32 stability at order 100; the nested-jvp fallback for a primitive without a rule."""
import functools

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from jax import lax

import jaxcalc_ext as jc
from oracle import mp_taylor, rel_err


@jax.custom_jvp
def smooth_square(x):
    return x * x


smooth_square.defjvp(lambda primals, tangents: (primals[0] ** 2, 2 * primals[0] * tangents[0]))


@jax.custom_vjp
def scaled_sin(x):
    return 2 * jnp.sin(x)


scaled_sin.defvjp(lambda x: (2 * jnp.sin(x), x), lambda x, g: (2 * jnp.cos(x) * g,))


def while_three_times(x):
    def body(state):
        i, y = state
        return i + 1, jnp.sin(y) + x
    return lax.while_loop(lambda s: s[0] < 3, body, (0, x))[1]


def solve_2x2(x):
    a = jnp.array([[2.0 + x, 1.0], [1.0, 3.0]])
    return jnp.linalg.solve(a, jnp.array([1.0, x]))[0]


def mp_iterate(x, n=3):
    y = x
    for _ in range(n):
        y = mpmath.sin(y) + x
    return y


CASES = [  # (name, jax function, mpmath function, point)
    ("fori_loop", lambda x: lax.fori_loop(0, 4, lambda i, y: y * jnp.cos(x) + 1, x),
     lambda x: functools.reduce(lambda y, _: y * mpmath.cos(x) + 1, range(4), x), 0.3),
    ("scan", lambda x: lax.scan(lambda c, w: (jnp.tanh(c * w), c), x, jnp.array([1.0, 2.0, 0.5]))[0],
     lambda x: mpmath.tanh(0.5 * mpmath.tanh(2 * mpmath.tanh(x))), 0.4),
    ("while_loop", while_three_times, mp_iterate, 0.2),
    ("cond_true", lambda x: lax.cond(x > 0, jnp.exp, jnp.sin, x), mpmath.exp, 0.5),
    ("cond_false", lambda x: lax.cond(x > 0, jnp.exp, jnp.sin, x), mpmath.sin, -0.5),
    ("where", lambda x: jnp.where(x > 1, jnp.log(x), jnp.cos(x)), mpmath.cos, 0.4),
    ("custom_jvp", lambda x: smooth_square(jnp.sin(x)), lambda x: mpmath.sin(x) ** 2, 0.7),
    ("custom_vjp", lambda x: scaled_sin(x) * x, lambda x: 2 * mpmath.sin(x) * x, 0.7),
    ("jit", jax.jit(lambda x: jnp.exp(jnp.sin(x))), lambda x: mpmath.exp(mpmath.sin(x)), 0.3),
    ("remat", jax.checkpoint(lambda x: jnp.tanh(x) ** 3), lambda x: mpmath.tanh(x) ** 3, 0.3),
    ("linear_solve", solve_2x2, lambda x: (3 - x) / (3 * (2 + x) - 1), 0.3),
    ("gelu", jax.nn.gelu, lambda x: 0.5 * x * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (x + 0.044715 * x ** 3))), 0.3),
]


@pytest.mark.parametrize("name,fn,mp_fn,x0", CASES, ids=[c[0] for c in CASES])
def test_control_flow_and_custom_rules_match_mpmath(x64, name, fn, mp_fn, x0):
    got = np.asarray(jc.taylor_coefficients(fn, x0, 20, method="taylor"))
    want = mp_taylor(mp_fn, x0, 20, radius=0.15)
    assert rel_err(got[:12], want[:12]) < 1e-10, name


def test_float32_order_100_is_finite_and_accurate_where_float32_can_be():
    # 1/(1 - x/2) has c_k = 2^-k: over a hundred orders nothing overflows or turns NaN.
    c = np.asarray(jc.taylor_coefficients(lambda x: 1 / (1 - x / 2) + jnp.tanh(x) + jnp.sin(x) * jnp.exp(x),
                                          jnp.float32(0.0), 100, method="taylor"))
    assert c.dtype == np.float32 and np.all(np.isfinite(c))
    want = mp_taylor(lambda x: 1 / (1 - x / 2) + mpmath.tanh(x) + mpmath.sin(x) * mpmath.exp(x), 0.0, 100, radius=0.5)
    scale = np.abs(np.asarray(want)).max()
    assert np.max(np.abs(c - want)) < 1e-5 * scale
    geometric = np.asarray(jc.taylor_coefficients(lambda x: 1 / (1 - x / 2), jnp.float32(0.0), 100))
    np.testing.assert_allclose(geometric, 2.0 ** -np.arange(101), rtol=1e-5, atol=0)


def test_auto_falls_back_to_nested_jvp_with_a_warning(x64, monkeypatch):
    from jaxcalc_ext.taylor.engine import rules

    monkeypatch.delitem(rules.TAYLOR_RULES, "sinh")  # pretend sinh had no rule
    with pytest.raises(jc.JaxCalcError, match="sinh"):
        jc.taylor_coefficients(lambda x: jnp.sinh(x) * 1.5, 0.4, 5, method="taylor")
    with pytest.warns(RuntimeWarning, match="sinh"):
        got = np.asarray(jc.taylor_coefficients(lambda x: jnp.sinh(x) * 2.5, 0.4, 5))
    want = mp_taylor(lambda x: 2.5 * mpmath.sinh(x), 0.4, 5)
    assert rel_err(got, want) < 1e-12


def test_order_50_agrees_with_mpmath_on_the_benchmark_function(x64):
    f = lambda x: jnp.sin(x) + jnp.cos(x) * jnp.exp(-x ** 2 / 4) + jnp.tanh(x)
    mp_f = lambda x: mpmath.sin(x) + mpmath.cos(x) * mpmath.exp(-x ** 2 / 4) + mpmath.tanh(x)
    got = np.asarray(jc.taylor_coefficients(f, 0.5, 50))
    want = mp_taylor(mp_f, 0.5, 50, radius=0.5)
    assert rel_err(got[:25], want[:25]) < 1e-12
