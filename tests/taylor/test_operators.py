"""Derivative tensors, multivariate polynomials, derivative operators and the Laplacian,
against sympy, closed forms, and JAX's own jacfwd/hessian; batches and sharded batches."""
import math
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
import sympy as sp

import jaxcalc_ext as jc

X, Y, Z = sp.symbols("x y z")
SYMPY_F = sp.exp(X) * sp.sin(Y) + sp.cos(X * Z) + Y ** 3 * Z
POINT = (0.3, -0.2, 0.5)


def jax_f(x, y, z):
    return jnp.exp(x) * jnp.sin(y) + jnp.cos(x * z) + y ** 3 * z


def sympy_derivative(exponent):
    d = sp.diff(SYMPY_F, X, exponent[0], Y, exponent[1], Z, exponent[2])
    return float(d.subs(dict(zip((X, Y, Z), map(sp.Rational, ("0.3", "-0.2", "0.5"))))).evalf(40))


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_derivative_tensor_matches_sympy(x64, k):
    tensor = jc.derivative_tensor(lambda v: jax_f(*v), jnp.array(POINT), k)
    assert tensor.shape == (3,) * k
    for index in np.ndindex(tensor.shape):
        exponent = tuple(np.bincount(index, minlength=3)) if k else (0, 0, 0)
        want = sympy_derivative(exponent)
        assert abs(tensor[index] - want) <= 1e-12 * max(1.0, abs(want)), index


def test_derivative_tensor_of_a_vector_function_matches_nested_jacfwd(x64):
    f = lambda v: jnp.stack([jnp.sin(v[0] * v[1]), jnp.tanh(v[1]) * v[2] ** 2])
    x0 = jnp.array([0.4, -0.3, 0.8])
    ours = jc.derivative_tensor(f, x0, 3)
    ref = np.moveaxis(np.asarray(jax.jacfwd(jax.jacfwd(jax.jacfwd(f)))(x0)), 0, -1)  # (2,3,3,3) -> (3,3,3,2)
    assert ours.shape == (3, 3, 3, 2)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-13)


def test_degree_8_polynomial_in_3_variables_matches_sympy(x64):
    p = jc.taylor_polynomial(jax_f, POINT, 8)
    assert len(p.exponents) == 165 and p.variables == ("x", "y", "z")
    biggest = max(abs(sympy_derivative(e)) / math.prod(map(math.factorial, e)) for e in p.exponents)
    for exponent, c in p.coefficients.items():
        want = sympy_derivative(exponent) / math.prod(map(math.factorial, exponent))
        # relative 1e-12; coefficients that vanish (exact zeros here) within 1e-14 of the largest
        assert abs(float(c) - want) <= 1e-12 * max(abs(want), 1e-2 * biggest), exponent
    expanded = p.to_latex(form="expanded")
    assert "x^{8}" in expanded and "y^{3} z" in expanded  # expanded in monomials on request
    assert "\\left(x - 0.3\\right)^{8}" in p.to_latex()   # about the centre by default


def test_polynomial_evaluates_batches_under_jit_and_vmap(x64):
    p = jc.taylor_polynomial(jax_f, POINT, 6)
    pts = np.random.default_rng(0).normal(size=(5000, 3)) * 0.05 + np.array(POINT)
    direct = np.array([sum(float(c) * np.prod((q - np.array(POINT)) ** np.array(e)) for e, c in p.coefficients.items())
                       for q in pts[:20]])
    np.testing.assert_allclose(np.asarray(p(pts))[:20], direct, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jax.jit(p)(pts)), np.asarray(p(pts)), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(jax.vmap(p)(pts)), np.asarray(p(pts)), rtol=1e-14)
    exact = np.asarray(jax.vmap(lambda q: jax_f(*q))(pts))
    assert np.max(np.abs(np.asarray(p(pts)) - exact)) < 1e-6  # degree-7 remainder at |dx| ~ 0.2


def test_derivative_operators_of_the_seed_function(x64):
    ops = jc.derivative_operators(lambda x, y: x ** 2 + 2 * x * y + y ** 3, (1.0, 2.0))
    # closed forms: grad = (2x + 2y, 2x + 3y^2), H = [[2, 2], [2, 6y]]
    np.testing.assert_allclose(ops.gradient, [6.0, 14.0], rtol=1e-14)
    np.testing.assert_allclose(ops.hessian, [[2.0, 2.0], [2.0, 12.0]], rtol=1e-14)
    assert ops.laplacian == pytest.approx(14.0, rel=1e-14) and ops.value == pytest.approx(13.0)
    latex = ops.to_latex()
    assert "\\begin{pmatrix}6\\\\ 14\\end{pmatrix}" in latex and "2 & 12" in latex and "= 14\\end{aligned}" in latex


def mlp(dim, key=0, depth=3):
    keys = jax.random.split(jax.random.key(key), depth + 1)
    layers = [(jax.random.normal(k, (dim, dim)) / jnp.sqrt(dim), jnp.full(dim, 0.1)) for k in keys[:depth]]
    readout = jax.random.normal(keys[-1], (dim,)) / jnp.sqrt(dim)

    def f(x):
        for w, b in layers:
            x = jnp.tanh(w @ x + b)
        return readout @ x
    return f


def test_seed_laplacian_of_sum_tanh_squared(x64):
    # d^2/dx^2 tanh(x)^2 = 2 (1 - t^2)(1 - 3 t^2) with t = tanh(x); five equal terms at x = 1
    t = mpmath.tanh(1)
    want = float(5 * 2 * (1 - t ** 2) * (1 - 3 * t ** 2))
    got = float(jc.laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 2), jnp.ones(5)))
    assert got == pytest.approx(want, rel=1e-14)
    assert round(got, 7) == -3.1081334


LAPLACIAN_CASES = {
    "mlp": (mlp(8), 8),
    "elementary": (lambda x: jnp.sum(jnp.sin(x) * jnp.exp(-x ** 2) / (1 + x ** 2)) + jnp.log(1 + x @ x)
                   + jnp.sqrt(2 + x[0] ** 2) ** 3 + jax.nn.sigmoid(x[1] * x[2]) + x[0] ** -2, 5),
    "softplus_where_pow": (lambda x: jnp.sum(jax.nn.softplus(x) ** 2.5) + jnp.sum(jnp.where(x > 0, x ** 3, jnp.cos(x))), 6),
    "coupled_products": (lambda x: jnp.cos(x[0]) * jnp.cos(x[1]) * jnp.cos(x[2]) * x[3]
                         + (x @ jnp.arange(1.0, x.size + 1)) ** 4 + jnp.maximum(x[0], 0.5 * x[1]) ** 3, 4),
}


@pytest.mark.parametrize("name", sorted(LAPLACIAN_CASES))
def test_laplacian_equals_trace_of_the_hessian(x64, name):
    f, n = LAPLACIAN_CASES[name]
    x = jax.random.uniform(jax.random.key(1), (n,), minval=0.2, maxval=1.2)
    ours = float(jc.laplacian(f, x, method="collapsed"))
    ref = float(jnp.trace(jax.hessian(f)(x)))
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_batched_laplacian_equals_each_point(x64):
    f = mlp(6, key=3)
    xs = jax.random.normal(jax.random.key(2), (7, 6))
    batch = np.asarray(jc.laplacian(f, xs))
    one_by_one = [float(jnp.trace(jax.hessian(f)(x))) for x in xs]
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(lambda x: jc.laplacian(f, x)))(xs)), batch, rtol=1e-12)


def test_laplacian_auto_falls_back_to_the_hessian_with_a_warning(x64):
    f = lambda x: jnp.arctan2(x[0], 1.0 + x[1] ** 2) * x[2]
    x = jnp.array([0.3, 0.5, 0.7])
    with pytest.raises(jc.JaxCalcError, match="atan2"):
        jc.laplacian(f, x, method="collapsed")
    with pytest.warns(RuntimeWarning, match="atan2"):
        got = float(jc.laplacian(f, x))
    assert got == pytest.approx(float(jnp.trace(jax.hessian(f)(x))), rel=1e-12)


def test_laplacian_rejects_vector_outputs_and_bad_shapes(x64):
    with pytest.raises(jc.JaxCalcError, match="scalar"):
        jc.laplacian(lambda x: x ** 2, jnp.ones(3))
    with pytest.raises(jc.JaxCalcError, match="shape"):
        jc.laplacian(lambda x: jnp.sum(x), jnp.ones((2, 2, 2)))


def test_hutchinson_estimate_is_unbiased_within_its_standard_error(x64):
    a = jnp.array([[2.0, 0.5, 0.0, 0.3], [0.5, -1.0, 0.2, 0.0], [0.0, 0.2, 3.0, 0.1], [0.3, 0.0, 0.1, 0.5]])
    f = lambda x: 0.5 * x @ a @ x + jnp.sum(jnp.sin(x)) * 0  # Hessian exactly a
    samples = 4000
    est = float(jc.hessian_trace_estimate(f, jnp.ones(4), jax.random.key(7), samples))
    off_diagonal = float(jnp.sum(a ** 2) - jnp.sum(jnp.diag(a) ** 2))
    std_error = math.sqrt(2 * off_diagonal / samples)  # Var(v^T A v) = 2 sum_{i != j} a_ij^2 for Rademacher v
    assert abs(est - float(jnp.trace(a))) < 5 * std_error
    diagonal = lambda x: jnp.sum(jnp.cos(x))  # diagonal Hessian: every sample is exact
    est = float(jc.hessian_trace_estimate(diagonal, jnp.full(6, 0.4), jax.random.key(0), 3))
    assert est == pytest.approx(-6 * math.cos(0.4), rel=1e-13)


SHARDED = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    jax.config.update("jax_enable_x64", True)
    import jaxcalc_ext as jc
    assert len(jax.devices()) == 8, jax.devices()
    mesh = Mesh(np.array(jax.devices()), ("points",))
    rows = NamedSharding(mesh, P("points"))
    f = lambda x, y, z: jnp.exp(x) * jnp.sin(y) + jnp.cos(x * z) + y ** 3 * z
    p = jc.taylor_polynomial(f, (0.3, -0.2, 0.5), 8)
    pts = np.random.default_rng(0).normal(size=(8 * 4096, 3)) * 0.1
    sharded = jax.device_put(pts, rows)
    out = jax.jit(p)(sharded)
    assert len(out.sharding.device_set) == 8, out.sharding
    single = jax.jit(p)(jax.device_put(pts, jax.devices()[0]))
    np.testing.assert_allclose(np.asarray(out), np.asarray(single), rtol=1e-14)
    def g(v):
        h = jnp.tanh(v @ jnp.arange(1.0, 13.0).reshape(4, 3) / 10)
        return jnp.sum(h ** 2) + jnp.sin(v[0] * v[3])
    xs = np.random.default_rng(1).normal(size=(8 * 16, 4))
    lap = jc.laplacian(g, jax.device_put(xs, rows))
    assert len(lap.sharding.device_set) == 8, lap.sharding
    ref = jc.laplacian(g, jax.device_put(xs, jax.devices()[0]))
    np.testing.assert_allclose(np.asarray(lap), np.asarray(ref), rtol=1e-13)
    print("sharded ok")
""")


def test_batches_sharded_over_8_devices_equal_single_device_results():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-c", SHARDED], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "sharded ok" in run.stdout
