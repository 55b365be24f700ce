"""wait_briefly: polls a running result for at most its budget, and never changes the result."""
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxcalc_ext.core.ready as ready
from jaxcalc_ext import laplacian, taylor_coefficients


@jax.jit
def repeated_products(a, times):
    """a @ a @ ... (times products of a 300x300 matrix): a program that runs long enough to catch."""
    return jax.lax.fori_loop(0, times, lambda _, m: m @ a, jnp.eye(a.shape[0], dtype=a.dtype))


def test_a_result_still_running_after_the_budget_is_returned_running():
    a = jnp.eye(300)
    repeated_products(a, 1).block_until_ready()   # compiled beforehand: only the run is timed below
    start = time.perf_counter()
    result = ready.wait_briefly(repeated_products(a, 400), budget_s=0.001)   # ~20 GFLOP: >> 1 ms
    waited = time.perf_counter() - start
    assert not result.is_ready()
    assert np.array_equal(result, np.eye(300))   # and it completes as usual
    run = time.perf_counter() - start
    assert waited < run / 4, (waited, run)       # relative to this machine: it did not wait for the run


def test_a_result_finishing_within_the_budget_is_returned_ready():
    a = jnp.eye(300)
    repeated_products(a, 1).block_until_ready()
    result = ready.wait_briefly({"y": repeated_products(a, 5), "label": "kept"}, budget_s=5.0)
    assert result["y"].is_ready() and result["label"] == "kept"
    assert np.array_equal(result["y"], np.eye(300))


def test_tracers_and_plain_values_pass_through():
    assert jax.jit(lambda x: ready.wait_briefly(x) * 3)(2.0) == 6.0
    array = np.ones(2)
    assert ready.wait_briefly(array) is array


# Both programs are over the runtime's 1000-flop line, under which it runs a program inline.
@pytest.mark.parametrize("call", [lambda: taylor_coefficients(lambda x: jnp.sin(x) * jnp.exp(x), 0.5, 60),
                                  lambda: laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 3), jnp.ones(200))],
                         ids=["taylor_coefficients", "laplacian"])
def test_the_interactive_functions_return_ready_results(call, monkeypatch):
    monkeypatch.setattr(ready, "POLL_BUDGET_S", 5.0)   # a budget no loaded machine can exhaust
    assert call().is_ready()
