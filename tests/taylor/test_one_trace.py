"""One request, one trace (issue 22): the user's Python runs once per request, in every magic
and every library function; the passes after the first run the traced program."""
import jax
import jax.numpy as jnp
import pytest
import numpy as np

import jaxcalc_ext as jc
from ipython_shell import make_shell, run_cell_ok

CALLS: list = []


def f(x):
    CALLS.append("f")
    return jnp.sin(x) * jnp.exp(x)


def u(v):
    CALLS.append("u")
    return jnp.sum(jnp.tanh(v) ** 2) + v[0] * v[1]


V0 = jnp.array([0.5, -1.0, 2.0])
LIBRARY = {
    "taylor_coefficients": lambda: jc.taylor_coefficients(f, 0.5, 4),
    "derivatives": lambda: jc.derivatives(f, 0.5, 3),
    "taylor_polynomial": lambda: jc.taylor_polynomial(f, 0.5, 3),
    "taylor_polynomial of a vector": lambda: jc.taylor_polynomial(u, V0, 3),
    "convergence_order": lambda: jc.convergence_order(f, 0.5, 3),
    "derivative_tensor": lambda: jc.derivative_tensor(u, V0, 2),
    "derivative_operators": lambda: jc.derivative_operators(u, V0),
    "laplacian": lambda: jc.laplacian(u, V0),
    "laplacian of a batch": lambda: jc.laplacian(u, jnp.ones((4, 3))),
    "hessian_trace_estimate": lambda: jc.hessian_trace_estimate(u, V0, jax.random.key(0), 8),
    "computation_graph": lambda: jc.computation_graph(f, 1.5, values=True, adjoints=True),
    "describe_jaxpr": lambda: jc.describe_jaxpr(f, 1.5, transform="grad"),
}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_each_library_function_runs_the_users_python_once(x64, name):
    CALLS.clear()
    LIBRARY[name]()
    assert len(CALLS) == 1, (name, CALLS)


@pytest.fixture(scope="module")
def shell():
    sh = make_shell()
    run_cell_ok(sh, """
import jax.numpy as jnp
calls = []
def f(x):
    calls.append(1)
    return jnp.sin(x) * jnp.exp(x)
def g(x, y):
    calls.append(1)
    return jnp.sin(x) * y + x ** 2
""")
    return sh


@pytest.mark.parametrize("line", [
    "%taylor f --at 0.5 --order 1,3,5",
    "%taylor g --at 0.5,1 --order 3",
    "%taylor f --at 0.5 --order 4 --live",
    "%taylor g --at 0.5,1 --laplacian",
    "%graddag f 0.5 --values --grads",
    "%jaxpr f 0.5 --grad",
])
def test_each_magic_runs_the_users_python_once(shell, line):
    shell.user_ns["calls"].clear()
    run_cell_ok(shell, line)
    assert len(shell.user_ns["calls"]) == 1, line


COMPOSING = {
    "taylor_coefficients": (lambda x: jc.taylor_coefficients(f, x, 4), np.array([0.1, 0.2])),
    "derivatives": (lambda x: jc.derivatives(f, x, 3), np.array([0.1, 0.2])),
    "laplacian": (lambda x: jc.laplacian(u, x), np.ones((2, 3)) * np.array([[0.5], [1.5]])),
    "hessian_trace_estimate": (lambda x: jc.hessian_trace_estimate(u, x, jax.random.key(0), 8), np.ones((2, 3))),
}


@pytest.mark.parametrize("name", sorted(COMPOSING))
def test_library_functions_compose_with_jit_and_vmap(x64, name):
    fn, xs = COMPOSING[name]
    xs = jnp.asarray(xs)                      # float64: the x64 fixture is on
    eager = [np.asarray(fn(x)) for x in xs]
    np.testing.assert_allclose(np.asarray(jax.jit(fn)(xs[0])), eager[0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jax.vmap(fn)(xs)), np.stack(eager), rtol=1e-12)


@pytest.mark.parametrize("name,call", [
    ("taylor_polynomial", lambda x: jc.taylor_polynomial(f, x, 3).monomial_coefficients),
    ("convergence_order", lambda x: jc.convergence_order(f, x, 2).order),
    ("derivative_tensor", lambda x: jc.derivative_tensor(u, jnp.stack([x, x, x]), 2)),
    ("derivative_operators", lambda x: jc.derivative_operators(u, jnp.stack([x, x, x])).laplacian),
])
def test_functions_that_check_concrete_numbers_say_so_under_jit(x64, name, call):
    for transform in (jax.jit, jax.vmap):
        with pytest.raises(jc.JaxCalcError, match=f"{name} checks its answer on concrete numbers"):
            transform(call)(jnp.array([0.1, 0.2]) if transform is jax.vmap else 0.1)


def test_a_result_reports_the_dtype_it_was_computed_in():
    # float32 inputs (x64 off): float32 tensors, not float64 numbers computed in float32
    T = jc.derivative_tensor(lambda v: v[0] * v[1] * v[2], jnp.ones(3, dtype=jnp.float32), 3)
    assert T.dtype == np.float32 and abs(float(T[0, 1, 2]) - 1.0) < 1e-6
    with jax.enable_x64(True):
        T = jc.derivative_tensor(lambda v: v[0] * v[1] * v[2], jnp.ones(3), 3)
        assert T.dtype == np.float64 and float(T[0, 1, 2]) == 1.0
