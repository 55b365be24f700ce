"""Issue 25: nothing in a user's code can hang, kill or fool a magic. Each reproduction of the
issue, in a real Jupyter kernel: an answer or a one-line UsageError naming the problem, the
kernel alive, the user's variables and jax.config untouched, the user's warnings shown once."""
import pytest

pytest.importorskip("jupyter_client")
from kernel_session import KernelSession  # noqa: E402

SETUP = r"""
import warnings
import jax, jax.numpy as jnp, numpy as np
marker = [1, 2, 3]
%load_ext jaxcalc_ext
%config JaxCalc.time_limit = 60

def warns(t):
    warnings.warn("careful: my own warning")
    return jnp.sin(t)

def raises_interrupt(x):
    raise KeyboardInterrupt("from f")

class Custom(BaseException):
    pass

def raises_custom(x):
    raise Custom("mine")

def big(x):
    for _ in range(5000):
        x = jnp.sin(x) * 1.0001
    return x

def rec(x, n=1500):
    return x if n == 0 else jnp.sin(rec(x, n - 1))

def w(x):
    return jax.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))[1]

knots, heights = jnp.array([0., 1., 2.]), jnp.array([0., 1., 0.])
expr = " + ".join(f"sin({i}*x)" for i in range(3000))
"""

# (request, what the answer must be: "ok", or a fragment of the one-line UsageError)
CASES = [
    ("%taylor x + jax.random.normal(jax.random.key(0)) --at 0.5 --order 2", "ok"),
    ("%taylor lambda t: jnp.zeros(3, jnp.float32).at[0].set(t).sum() --at 0.4 --order 2", "ok"),
    ("%taylor lambda x: {'a': jnp.sin(x)} --at 0.5", "returns a dict with key 'a'"),
    ("%taylor lambda x: (x, x) --at 0.5", "returns a tuple of 2 values"),
    ("%taylor lambda x: jax.pure_callback(lambda v: np.sin(v), jax.ShapeDtypeStruct((), jnp.float64), x) --at 0.5",
     "'pure_callback' (line 1 of <expression>), and JAX's forward mode cannot differentiate"),
    ("%taylor len --at 0", "TypeError calling len: len() of unsized object"),
    ("%%taylor --at 0.5\ndef f(x):\n    return jnp.sin(x)\nf = 3", "the cell defines f but then binds it to int 3"),
    ("%taylor w --at 1.1 --method jet", "jax.experimental.jet has no rule for 'while'"),
    ("%taylor $expr --at 0.5 --order 2", "ok"),
    ("%taylor raises_interrupt --at 0.5", "KeyboardInterrupt in your code (line "),
    ("%taylor raises_custom --at 0.5", "Custom in your code (line "),
    ("%jaxpr raises_custom 0.5", "Custom in your code (line "),
    ("%graddag raises_custom 0.5", "Custom in your code (line "),
    ("%taylor rec --at 0.5 --order 2", "nest deeper than Python allows"),
    ("%taylor big --at 0.5 --order 5", "ok"),
    ("%taylor jnp.sum(jnp.zeros((50000,50000,10))) + x --at 1.0 --points 2",
     "f itself makes an array of shape (50000, 50000, 10)"),
    ("%taylor lambda x: jnp.interp(x, knots, heights) --at 1.0 --order 2", "f is not differentiable at x0 = 1"),
    ("%taylor lambda x: jnp.interp(x, knots, heights) --at 0.5 --order 2", "ok"),
    ("%taylor cosh(x)**2 - sinh(x)**2 --at 1.5 --order 3", "ok"),
    ("%taylor cos(x)**2 - sin(x)**2 - cos(2*x) --at 0.3 --order 3", "ok"),
]


@pytest.fixture(scope="module")
def kernel():
    with KernelSession(SETUP) as session:
        yield session


def _untouched(kernel):
    answer = kernel.run("assert marker == [1, 2, 3] and not jax.config.jax_enable_x64 and callable(warns)")
    assert answer.ok, answer.evalue


@pytest.mark.parametrize("request_, expected", CASES, ids=[c[0][:60] for c in CASES])
def test_each_reproduction_answers_or_refuses_in_one_line(kernel, request_, expected):
    answer = kernel.run(request_, timeout=240)
    if expected == "ok":
        assert answer.ok, (answer.ename, answer.evalue)
    else:
        assert (answer.ename, "\n" in answer.evalue) == ("UsageError", False), (answer.ename, answer.evalue)
        assert expected in answer.evalue, answer.evalue
    assert kernel.alive()
    _untouched(kernel)


@pytest.mark.parametrize("magic", ["%taylor warns --at 0.4 --order 2", "%jaxpr warns 0.4", "%graddag warns 0.4"])
def test_the_users_warning_reaches_them_once_per_request_and_the_kernel_answers(kernel, magic):
    """As the function called in a cell shows it: once per location per cell, however many
    passes the magic makes; every request answers (a warning used to hang the kernel)."""
    for _ in range(2):
        answer = kernel.run(magic, timeout=120)
        assert answer.ok, answer.evalue
        assert answer.text("stderr").count("UserWarning: careful: my own warning") == 1, answer.text("stderr")


def test_rounding_noise_is_not_written_as_terms(kernel):
    answer = kernel.run("r = %taylor sin(x) + cos(x) --at pi/4 --order 3\nprint(r.polynomials[3].to_text())\n"
                        "r = %taylor exp(x)*exp(-x) --at 0.7 --order 3\nprint(r.polynomials[3].to_text())\n"
                        "r = %taylor jax.scipy.special.gammaln(x) --at 2 --order 3\nprint(r.polynomials[3].to_text())")
    assert answer.ok, answer.evalue
    lines = answer.text("stdout").strip().splitlines()
    assert lines[0] == "1.41421 - 0.707107 (x - 0.785398)^2"     # cos - sin = 0 at pi/4: not 1.1e-16
    assert lines[1] == "1"                                        # exp(x) exp(-x) = 1
    assert lines[2].startswith("0.422784 (x - 2)")                # gammaln(2) = 0 exactly


def test_bad_config_values_are_refused_and_the_limit_in_force_is_shown(kernel):
    answer = kernel.run("%config JaxCalc.memory_limit = 0\n%config JaxCalc.time_limit = -1\n"
                        "from jaxcalc_ext.core.budget import LIMITS\n"
                        "assert LIMITS.memory_bytes > 0 and LIMITS.seconds == 60\n"
                        "print(get_ipython().config_manager if False else '')\n%config JaxCalc")
    assert answer.ok, answer.evalue
    shown = answer.text()
    assert "Current: 0.0" not in shown and "Current: 60.0" in shown
    assert "must be a positive number of bytes" in shown
