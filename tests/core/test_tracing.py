"""The one tracer (core/tracing.py): the same program as jax.make_jaxpr for any arguments, the
same words for the same mistakes from every feature, and JAX's fast entry point in use."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxcalc_ext.core.errors import JaxCalcError
from jaxcalc_ext.core.tracing import _dynamic_tracer, trace

ARGUMENTS = [
    (lambda x: jnp.sin(x) * x, (0.5,)),                                   # a Python float: weak type
    (lambda x, y: x @ y, (jnp.ones((2, 3)), jnp.ones(3))),
    (lambda p, x: jnp.tanh(p["w"] @ x + p["b"]), ({"w": jnp.ones((2, 2)), "b": jnp.zeros(2)}, jnp.ones(2))),
    (lambda xs: sum(jnp.sum(a) for a in xs), ([jnp.ones(2), np.ones((2, 2), np.float32)],)),
    (lambda i, x: x * i, (3, jnp.ones(2))),                                # an int
]


@pytest.mark.parametrize("f, args", ARGUMENTS)
def test_the_tracer_gives_jax_make_jaxpr_s_program(f, args):
    closed, tree, shapes = trace(f, *args)
    expected, expected_shape = jax.make_jaxpr(f, return_shape=True)(*args)
    assert str(closed.jaxpr) == str(expected.jaxpr)
    assert [(s.shape, s.dtype) for s in shapes] == [(s.shape, s.dtype) for s in jax.tree_util.tree_leaves(expected_shape)]


def test_jax_s_own_tracer_entry_point_is_found():
    """A JAX release that moves it still works (make_jaxpr), at about twice the cost per call:
    this says so rather than letting the fallback pass unnoticed."""
    assert _dynamic_tracer() is not None


@pytest.mark.parametrize("f, words", [
    (lambda x: np.sin(x), "NumPy on a traced value"),
    (lambda x: x if x > 0 else -x, "Python control flow"),
    (lambda x: float(x) * 2, "Python float"),
])
def test_a_mistake_gets_the_same_words_from_every_feature(f, words):
    import jaxcalc_ext as jc

    for run in (lambda: trace(f, 1.0), lambda: jc.taylor_coefficients(f, 1.0, 2),
                lambda: jc.computation_graph(f, 1.0), lambda: jc.describe_jaxpr(f, 1.0)):
        with pytest.raises(JaxCalcError, match=words):
            run()
