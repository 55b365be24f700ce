"""A hypothesis strategy that writes user programs as people write them, from the building
blocks issue 25 names: warnings, prints, exceptions of every class, PRNG keys, callbacks, pytree
and non-array outputs, Python and lax control flow, custom derivative rules, piecewise tables,
library calls and module objects, sizes from scalars to absurd. Each program is the source of a
``def f(x): ...`` plus the point to ask about and what an oracle can say about it.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# What the kernel defines before the programs run (the fuzzer's "notebook").
SETUP = r"""
import time, warnings, json
import numpy as np, jax, jax.numpy as jnp
import equinox as eqx
from IPython.core.error import UsageError
marker = [1, 2, 3]
%load_ext jaxcalc_ext
%config JaxCalc.time_limit = 20

@jax.custom_vjp
def seven(x):
    return jnp.sin(x)
seven.defvjp(lambda x: (jnp.sin(x), None), lambda _, ct: (7.0 * ct,))

@jax.custom_jvp
def five(x):
    return jnp.sin(x)
five.defjvp(lambda p, t: (jnp.sin(p[0]), 5.0 * t[0]))

@jax.custom_vjp
def clip_gradient(x):
    return x
clip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (jnp.clip(ct, -0.1, 0.1),))

class Custom(BaseException):
    pass

knots, heights = jnp.array([-1.0, 0.0, 1.0, 2.0]), jnp.array([0.5, 1.0, 0.0, 2.0])
lin = eqx.nn.Linear(3, 2, key=jax.random.key(0))
lin_weight_before = np.asarray(lin.weight).copy()

def probe(name, line, f):
    started = time.perf_counter()
    try:
        result = get_ipython().run_line_magic(name, line)
        get_ipython().display_formatter.format(result)     # what a front end would render
        outcome = {"status": "ok"}
        if name == "taylor" and hasattr(result, "coefficients"):
            outcome["coefficients"] = np.asarray(result.coefficients, dtype=float).ravel().tolist()
        if name == "graddag":
            inputs = [n for n in result.full.atoms.values() if n.kind == "input" and n.label == "x"]
            if inputs and inputs[0].adjoint is not None:
                outcome["adjoint"] = np.asarray(inputs[0].adjoint, dtype=float).ravel().tolist()
            outcome["adjoint_drawn"] = bool(inputs) and inputs[0].adjoint is not None
        if name == "jaxpr":
            outcome["equations"] = len(result.jaxpr.jaxpr.eqns)
    except UsageError as err:
        outcome = {"status": "usage", "message": str(err)}
    except BaseException as err:   # anything else reaching the user is a failure of ours
        outcome = {"status": "raised", "type": type(err).__name__, "message": str(err)[:500]}
    outcome["seconds"] = time.perf_counter() - started
    return outcome
"""

# Exceptions a user's function may raise, of every kind.
EXCEPTIONS = ["ValueError", "ZeroDivisionError", "KeyboardInterrupt", "SystemExit", "Custom", "RecursionError",
              "MemoryError", "GeneratorExit"]
UNARY = ["jnp.sin({})", "jnp.tanh({})", "jnp.exp(-({})**2)", "jnp.log1p(({})**2)", "jax.nn.softplus({})",
         "jax.nn.relu({} - 0.3)", "jnp.where({0} > 0.5, {0}**2, 1 - {0})", "jnp.interp({}, knots, heights)",
         "seven({})", "five({})", "clip_gradient({})**2", "jnp.abs({} - 1.0)", "jnp.floor({})",
         "jax.scipy.special.erf({})", "jnp.sqrt(1.5 + ({})**2)", "jax.nn.sigmoid(3 * {})",
         "({}).astype(jnp.int32) * 1.0", "jnp.sort(jnp.stack([{0}, 1 - {0}]))[0]", "jnp.maximum({0}, 0.2 * {0})"]
LOOPS = [
    "for _ in range({n}):\n        v = jnp.sin(v) * 0.9 + 0.05",
    "v = jax.lax.fori_loop(0, {n}, lambda i, c: jnp.tanh(c) + 0.1, v)",
    "v = jax.lax.scan(lambda c, _: (jnp.cos(c) * 0.5 + c * 0.5, None), v, None, length={n})[0]",
    "v = jax.lax.while_loop(lambda c: c[0] < {n}, lambda c: (c[0] + 1, c[1] * 0.9 + 0.1), (0, v))[1]",
    "v = jax.lax.cond(v[0] > 0.5 if v.ndim else v > 0.5, jnp.sin, jnp.cos, v)",
]
SIZES = [None, 1, 10, 1000, 10 ** 6, 10 ** 10]
OUTPUTS = ["return y", "return y", "return y", "return (y, y)", "return {'a': y}", "return 'abc'", "return None",
           "return 3", "return lin(jnp.stack([y, y, y]))[0]", "return y, 'label'"]


@dataclass(frozen=True)
class Program:
    source: str                 # def f(x): ...
    x0: float
    smooth: bool                # an oracle of derivatives applies (no custom rule, break or callback)
    raises: str | None          # the exception class it raises, if it always raises
    scalar: bool                # returns one float


@st.composite
def expressions(draw, depth: int = 2) -> tuple[str, set]:
    """A random composition of library calls over ``v``, and the kinds of calls it holds."""
    if depth == 0 or draw(st.booleans()):
        return "v", set()
    inner, kinds = draw(expressions(depth - 1))
    template = draw(st.sampled_from(UNARY))
    kind = {"seven": "rule", "five": "rule", "clip_gradient": "rule", "interp": "piecewise", "where": "piecewise",
            "relu": "piecewise", "abs": "piecewise", "floor": "piecewise", "astype": "piecewise",
            "sort": "piecewise", "maximum": "piecewise"}
    kinds |= {k for word, k in kind.items() if word in template}
    combined = template.format(inner)
    if draw(st.booleans()):
        other, more = draw(expressions(depth - 1))
        combined = f"({combined}) {draw(st.sampled_from(['+', '*', '-']))} ({other})"
        kinds |= more
    return combined, kinds


@st.composite
def programs(draw) -> Program:
    lines, kinds = [], set()
    for _ in range(draw(st.integers(0, 2))):
        choice = draw(st.sampled_from(["warn", "print", "key", "callback", "debug"]))
        n = draw(st.integers(0, 9))
        lines.append({"warn": f'warnings.warn("user warning {n}")', "print": f'print("user print {n}")',
                      "key": f"x = x + 0.01 * jax.random.normal(jax.random.key({n}))",
                      "callback": "x = jax.pure_callback(lambda a: np.asarray(a), jax.ShapeDtypeStruct(jnp.shape(x), "
                                  "jnp.result_type(x)), x)",
                      "debug": 'jax.debug.callback(lambda a: None, x)'}[choice])
        kinds.add(choice)
    raises = None
    if draw(st.integers(0, 9)) == 0:
        raises = draw(st.sampled_from(EXCEPTIONS))
        lines.append(f'raise {raises}("raised by the user")')
    size = draw(st.sampled_from(SIZES))
    lines.append("v = x" if size is None else f"v = x * jnp.ones(({size},))")
    if size == 10 ** 10:
        kinds.add("absurd")
    if draw(st.booleans()):
        loop = draw(st.sampled_from(LOOPS)).format(n=draw(st.sampled_from([1, 3, 50, 2000])))
        lines.append(loop)
        kinds.add("loop")
        if "while_loop" in loop:
            kinds.add("while")
        if "cond" in loop:
            kinds.add("piecewise")
    expression, more = draw(expressions())
    kinds |= more
    lines.append(f"y = {expression}")
    if size is not None:
        lines.append("y = jnp.mean(y)")
    output = draw(st.sampled_from(OUTPUTS))
    lines.append(output)
    if "lin(" in output:
        kinds.add("module")
    source = "def f(x):\n" + "\n".join("    " + line.replace("\n", "\n    ") for line in lines) + "\n"
    x0 = draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0, -1.0, 2.0]),
                        st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3))))
    smooth = not (kinds & {"rule", "piecewise", "callback", "absurd", "key", "while", "debug"}) and raises is None
    scalar = output in ("return y", "return lin(jnp.stack([y, y, y]))[0]")
    return Program(source, float(x0), smooth, raises, scalar)
