"""Hostile input to the magics: each answer is a result or a one-line UsageError that names
the problem and the fix; the user's variables and JAX's config are untouched."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from IPython.core.error import UsageError

from ipython_shell import make_shell, run_cell_ok, usage_error

SETUP = """
import math
import numpy as np, jax, jax.numpy as jnp
def g(x): return jnp.sin(x) * x
def outer(a, b): return a * b
def boom(x): raise ValueError('my own bug')
def rec(x): return rec(x)
s = 'abc'
a = 2.0
"""


@pytest.fixture(scope="module")
def shell():
    sh = make_shell()
    run_cell_ok(sh, SETUP)
    return sh


REFUSED = [
    ("%taylor x^2 --at 1", r"\^ is bitwise XOR in Python: write \*\* for powers"),
    ("%taylor sin(x) --vars x,x --at 0", "--vars names 'x' twice"),
    ("%taylor sin(x) --vars 1x --at 0", "'1x' is not a name"),
    ("%taylor sin(x) --vars y --at 0", r"unknown name 'x': define it first, or add it to --vars \(--vars y,x\)"),
    ("%taylor math.sin(x) --at 0", r"turns a traced value into a Python float \(math.sin"),
    ("%taylor sin(x) --at 0,0", r"returns shape \(2,\) \(with one variable and 2 coordinates, the variable is a vector\)"),
    ("%taylor x*y*z --at 0,0", r"'x\*y\*z' has 3 variables \(x, y, z\) but --at gives 2 coordinates"),
    ("%taylor sin(x) --at []", "--at is empty"),
    ("%taylor sin(x) --at 1e308", "x0 = 1e\\+308 is too large to plot around"),
    ("%taylor sin(x) --at 0 --points 0", "--points must be between 2 and"),
    ("%taylor sin(x) --at 0 --surface", "--surface draws functions of two variables"),
    ("%taylor x**2+y**2 --at 0,0 --laplacian --order 3", "--laplacian gives the derivatives of order 0, 1 and 2"),
    ("%taylor sin(x) --at 0 --range 1+2j 3", "--range takes two real numbers .*got '1\\+2j'"),
    ("%taylor sin(x) --at 0 --range [1,2] 3", "--range takes two real numbers"),
    ("%taylor sin(x) --at 0 --range s 3", "--range takes two real numbers .*got 's'"),
    ("%taylor lambda x: 3 --at 0", "returns int64 values: derivatives need a floating-point result"),
    ("%taylor x > 0 --at 0", "returns bool values"),
    ("%taylor lambda x: None --at 0", r"returns nothing \(None\)"),
    ("%taylor lambda x: 'a' --at 0", "returns a str, not a number or an array"),
    ("%taylor lambda: 1.0 --at 0", "takes no arguments"),
    ("%taylor jnp.exp(1j*x) --at 0", r"returns complex values \(complex128\): expand jnp.real\(f\) and jnp.imag\(f\)"),
    ("%graddag g 'abc'", "the argument 'abc' is not a number or an array"),
    ("%taylor sin(x) --at 0 --foo 3", "unknown option --foo"),
    ("%taylor sin(x) --at 0 --orders 3", "unknown option --orders: did you mean --order\\?"),
    ("%graddag outer(1.0)", r"write the function and its arguments apart: %graddag outer 1.0"),
    ("%graddag g 1.0 --depth -1", "--depth must be 0"),
    ("%taylor boom --at 1", r"ValueError in your code \(line 5 of .*\): my own bug"),
    ("%taylor rec --at 1", "RecursionError in your code .*nest deeper than Python allows .*a recursion without end"),
    ("%taylor jnp.sinn(x) --at 0", r"has no attribute 'sinn'; did you mean jax.numpy.sin\?"),
    ("%%taylor --at 0\njnp.sinn(x)", r"has no attribute 'sinn'; did you mean jax.numpy.sin\?"),
    ("%taylor jnp.where(x > 0, x**2, -x) --at 0 --order 3", "not differentiable at x0 = 0: its derivative of order 1"),
    ("%taylor jnp.sign(x) --at 0", "f jumps at x0 = 0"),
    ("%taylor lax.cond(x > 0, jnp.sin, jnp.cos, x) --at 0", "f jumps at x0 = 0"),
    ("%taylor jnp.exp(-1/x**2) --at 0", "essential singularity such as exp"),
]


@pytest.mark.parametrize("line,message", REFUSED, ids=[r[0][:40] for r in REFUSED])
def test_hostile_input_is_refused_in_one_line(shell, line, message):
    import re

    text = usage_error(shell, line)
    assert re.search(message, text), text


def test_help_flag_prints_the_help(shell, capsys):
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        assert run_cell_ok(shell, "%taylor -h") is None
    assert "Plot Taylor polynomials" in captured.stdout and "--at" in captured.stdout


def test_arguments_apart_by_spaces_work(shell):
    graph = run_cell_ok(shell, "%graddag outer 1.5 2.0 --values")
    assert [n for n in graph.nodes if n.kind == "input"].__len__() == 2
    assert "3" in graph.to_text()


def test_prng_keys_and_complex_literals_in_graphs(shell):
    new = run_cell_ok(shell, "%graddag lambda k: jax.random.normal(k) jax.random.key(0)")
    old = run_cell_ok(shell, "%graddag lambda k: jax.random.normal(k) jax.random.PRNGKey(0)")
    assert "key<fry>" in new.to_text() and "u32[2]" in old.to_text()
    complex_graph = run_cell_ok(shell, "%graddag lambda a: a*2 jnp.array(1+2j) --values")
    assert "2+4j" in complex_graph.to_text()


def test_data_named_like_a_variable_stays_a_variable_and_numbers_are_parameters(shell):
    run_cell_ok(shell, "x = np.linspace(-1, 1, 5)")
    r = run_cell_ok(shell, "%taylor exp(-x**2-y**2)*cos(x*y) --at 0.2,0.1 --order 2")
    assert r.polynomials[2].variables == ("x", "y")
    value = np.exp(-0.05) * np.cos(0.02)
    assert abs(float(r.polynomials[2].monomial_coefficients[0]) - value) < 1e-14
    assert isinstance(shell.user_ns["x"], np.ndarray)         # the user's data is untouched
    r = run_cell_ok(shell, "%taylor a*sin(x) --at 0 --order 3")   # a = 2.0 is a parameter
    np.testing.assert_allclose(np.ravel(r.polynomials[3].monomial_coefficients), [0, 2, 0, -1 / 3], atol=1e-15)


def test_overflow_on_the_range_is_clipped_and_said(shell):
    r = run_cell_ok(shell, "%taylor exp(x) --at 0 --range -1000 1000")
    texts = [t.get_text() for t in r.figure.axes[0].texts]
    assert any("f is not finite for x in [" in t for t in texts), texts
    assert all(np.isfinite(r.figure.axes[0].get_ylim())) and all(np.isfinite(r.figure.axes[1].get_ylim()))
    r = run_cell_ok(shell, "%taylor exp(exp(exp(x))) --at 0")
    assert all(np.isfinite(r.figure.axes[1].get_ylim()))


def test_float32_is_honoured_when_float64_is_on(shell):
    import jax

    jax.config.update("jax_enable_x64", True)
    try:
        r = run_cell_ok(shell, "%taylor sin(x) --at 0.5 --order 3 --float32")
        assert r.dtype == "float32"
    finally:
        jax.config.update("jax_enable_x64", False)


# --------------------------------------------------------------------------- parser fuzz
OPTION_WORDS = ["--at", "--order", "--range", "--points", "--vars", "--method", "--float32", "--surface",
                "--laplacian", "--live", "--foo", "-h", "--values", "--grads", "--depth", "--max-nodes"]
VALUE_WORDS = ["0", "1,2", "-3", "1e308", "[]", "x", "s", "1+2j", "nan", "inf", "'a'", "(", ")", "3.5",
               "-1", "0,0,0", "y", "taylor", "jnp.sin", "lambda", ":", "**", "^", "$x$", "None", "1e-320"]
HEADS = ["sin(x)", "x**2 + y", "g", "lambda x: x", "outer", "", "jnp.exp", "x^2", "(", "boom", "s", "a*x"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["taylor", "graddag", "jaxpr"]), st.sampled_from(HEADS),
       st.lists(st.sampled_from(OPTION_WORDS + VALUE_WORDS), max_size=7), st.randoms())
def test_random_and_mutated_lines_give_a_result_or_one_line_usage_error(shell, magic, head, words, rnd):
    import jax

    line = " ".join([head] + words)
    if rnd.random() < 0.3 and line:                  # mutate: drop, double or swap a character
        i = rnd.randrange(len(line))
        line = rnd.choice([line[:i] + line[i + 1:], line[:i] + line[i] + line[i:], line[:i] + " " + line[i:]])
    if "--live" in line.split():
        line = line.replace("--live", "")            # a widget needs a front end
    variables, x64 = dict(shell.user_ns), jax.config.jax_enable_x64
    result = shell.run_cell(f"%{magic} {line}", store_history=False, silent=True)
    err = result.error_in_exec or result.error_before_exec
    if err is not None:
        assert isinstance(err, UsageError), f"%{magic} {line!r}: {type(err).__name__}: {err}"
        assert "\n" not in str(err) and str(err)
    assert jax.config.jax_enable_x64 == x64
    assert all(shell.user_ns.get(k) is v for k, v in variables.items() if not k.startswith("_"))
