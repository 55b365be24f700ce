"""Issue 26, item 1: every adjoint %graddag draws is the cotangent JAX's own reverse pass computes.

Random compositions of every function of jax.nn, jax.numpy and jax.scipy.special that carries a
custom derivative rule (found by looking for custom_jvp/custom_vjp calls in their jaxprs, so a
new JAX release's are covered), user custom_vjp/custom_jvp functions (a rule that scales by 7, a
gradient clip, a straight-through estimator), jax.checkpoint and lax.scan, compared input by
input with jax.vjp."""
import inspect
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import jaxcalc_ext as jc
from jaxcalc_ext.core.jaxpr import has_custom_rule, iter_equations

SAMPLE = jnp.array([0.3, -0.7, 1.2])
DOMAINS = {   # what maps R into a function's domain (tried in this order)
    "identity": lambda x: x, "sigmoid": jax.nn.sigmoid, "negative": lambda x: -jax.nn.softplus(x) - 0.05,
    "positive": lambda x: jax.nn.softplus(x) + 0.05,
}


def _custom_rule_functions():
    """(name, function of one array) for every library function whose jaxpr has a custom rule,
    composed with the first domain map that keeps its value and gradient finite."""
    found = []
    with warnings.catch_warnings(), jax.enable_x64(True):
        warnings.simplefilter("ignore")
        for module_name, module in [("jax.nn", jax.nn), ("jnp", jnp), ("jax.scipy.special", jss)]:
            for name in sorted(dir(module)):
                fn = getattr(module, name)
                if name.startswith("_") or not callable(fn) or inspect.isclass(fn):
                    continue
                for arity in (1, 2):
                    args = (SAMPLE,) * arity
                    try:
                        jaxpr = jax.make_jaxpr(fn)(*args)
                        shapes = jax.eval_shape(fn, *args)
                    except Exception:
                        continue
                    if not any(has_custom_rule(e) for e in iter_equations(jaxpr.jaxpr)):
                        break
                    if not isinstance(shapes, jax.ShapeDtypeStruct) or not jnp.issubdtype(shapes.dtype, jnp.floating):
                        break
                    for domain, to_domain in DOMAINS.items():
                        g = (lambda x, fn=fn, d=to_domain: fn(d(x))) if arity == 1 else \
                            (lambda x, fn=fn, d=to_domain: fn(d(x), d(x[::-1]) + 0.5))
                        points = [SAMPLE.astype(jnp.float64) * s for s in (1.0, 0.5, -1.3)]
                        try:
                            ok = all(np.all(np.isfinite(g(p))) and np.all(np.isfinite(jax.grad(lambda v: jnp.sum(g(v)))(p)))
                                     for p in points)
                        except Exception:
                            ok = False
                        if ok:
                            found.append((f"{module_name}.{name}/{domain}", g))
                            break
                    break
    return found


LIBRARY = _custom_rule_functions()


@jax.custom_vjp
def times_seven(x):
    return jnp.sin(x)


times_seven.defvjp(lambda x: (jnp.sin(x), None), lambda _, ct: (7.0 * ct,))


@jax.custom_jvp
def times_five(x):
    return jnp.sin(x)


times_five.defjvp(lambda p, t: (jnp.sin(p[0]), 5.0 * t[0]))


@jax.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (jnp.clip(ct, -0.1, 0.1),))


@jax.custom_vjp
def straight_through(x):
    return jnp.round(x)


straight_through.defvjp(lambda x: (jnp.round(x), None), lambda _, ct: (ct,))

USER = [("custom_vjp x7", times_seven), ("custom_jvp x5", times_five), ("clip gradient", clip_gradient),
        ("straight through", straight_through)]
SMOOTH = [("tanh", jnp.tanh), ("sin", jnp.sin), ("x*x", lambda x: x * x), ("exp/3", lambda x: jnp.exp(x / 3))]


def test_the_library_functions_with_custom_rules_are_found():
    names = {n.split("/")[0] for n, _ in LIBRARY}
    assert {"jax.nn.relu", "jax.nn.softplus", "jnp.logaddexp", "jax.scipy.special.xlogy"} <= names, names
    assert len(LIBRARY) >= 20, names


BLOCKS = st.sampled_from(LIBRARY + USER + SMOOTH)


@st.composite
def programs(draw):
    """f(x, w): blocks applied in turn, some under jax.checkpoint or in a lax.scan, with w
    mixed in; a scalar output."""
    steps = draw(st.lists(st.tuples(BLOCKS, st.sampled_from(["plain", "checkpoint", "scan", "mix"])), min_size=1, max_size=4))
    names = []

    def f(x, w):
        for (name, block), how in steps:
            if how == "checkpoint":
                x = jax.checkpoint(block)(x)
            elif how == "scan":
                x = jax.lax.scan(lambda c, _: (block(c) * 0.5 + 0.1 * c, None), x, None, length=2)[0]
            elif how == "mix":
                x = block(x) * w + x * 0.25
            else:
                x = block(x)
        return jnp.sum(x * jnp.array([1.0, -0.5, 0.25]))

    for (name, _), how in steps:
        names.append(f"{how}:{name}")
    return names, f


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(programs(), st.sampled_from([0.5, -0.3, 1.7]))
def test_every_input_adjoint_is_the_one_jax_vjp_computes(x64, program, w):
    names, f = program
    x = SAMPLE.astype(jnp.float64) * w
    want_x, want_w = jax.vjp(f, x, jnp.float64(w))[1](jnp.float64(1.0))
    graph = jc.computation_graph(f, x, jnp.float64(w), values=True, adjoints=True, max_nodes=None)
    inputs = {n.label: n for n in graph.full.atoms.values() if n.kind == "input"}
    for label, want in (("x", want_x), ("w", want_w)):
        if label not in inputs:   # an input the function does not read is not drawn
            assert not any("mix" in n for n in names) and float(want) == 0.0, names
            continue
        got = inputs[label].adjoint
        assert got is not None, (names, label)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=1e-13,
                                   err_msg=f"{names}: adjoint of {label}")


def test_the_rows_of_issue_26(x64):
    """The table of issue 26: each drawn adjoint is jax.grad's."""
    rows = [(times_seven, 0.3, 7.0), (times_five, 0.3, 5.0), (lambda x: clip_gradient(x) ** 2, 0.3, 0.1),
            (jax.nn.relu, 0.0, 0.0), (jax.checkpoint(lambda x: jnp.tanh(times_seven(x)) * x), 0.5, None)]
    for f, x0, closed_form in rows:
        for fold in (True, False):
            graph = jc.computation_graph(f, jnp.float64(x0), values=True, adjoints=True, fold=fold, max_nodes=None)
            got = float(next(n for n in graph.full.atoms.values() if n.kind == "input").adjoint)
            assert got == pytest.approx(float(jax.grad(f)(jnp.float64(x0))), rel=1e-14)
            if closed_form is not None:
                assert got == pytest.approx(closed_form, rel=1e-14)


def test_a_while_loop_says_jax_has_no_reverse_mode_there():
    def w(x):
        return jax.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))[1]

    with pytest.raises(ValueError):
        jax.grad(w)(1.1)      # JAX itself refuses
    graph = jc.computation_graph(lambda x: jnp.sin(x) + w(x), 1.1, values=True, adjoints=True, max_nodes=None)
    assert next(n for n in graph.full.atoms.values() if n.kind == "input").adjoint is None
    assert any("no reverse mode through while" in note for note in graph.notes), graph.notes
