"""What drawing a graph costs, read off the traced program before anything is computed: its
operations (organising and drawing them), every value it keeps (``values``: all of them are
kept, to be drawn), the adjoints and JAX's reverse pass (``adjoints``), and the arithmetic.
The constants were fitted on ``benchmarks/cost_model.py`` (a shared 2-core CPU machine); the
estimate aims within 3x of what is measured.

>>> import jax, jax.numpy as jnp
>>> closed = jax.make_jaxpr(lambda v: jnp.sum(v @ v))(jnp.ones((12000, 12000)))
>>> cost = graph_cost(closed.jaxpr, values=True, adjoints=True, max_nodes=60)
>>> cost.seconds > 60
True
"""
from __future__ import annotations

import math

from ..core.budget import Cost
from ..core.dtypes import is_inexact, itemsize
from ..core.jaxpr import equation_flops, iter_equations, sub_jaxprs

SECONDS_PER_OPERATION = 1.7e-4         # tracing tracebacks, flattening, organising, per equation
VALUE_SECONDS_PER_OPERATION = 6e-5     # each step run eagerly for its value
ADJOINT_SECONDS_PER_OPERATION = 1e-3   # JAX's reverse pass over the replayed program, per step
MATMUL_FLOPS_PER_SECOND = 5e10         # contractions on this machine's 2 cores
ELEMENTS_PER_SECOND = 1e9              # everything else: memory-bound
DRAW_SECONDS_PER_NODE = 8e-3           # Graphviz laying out every node (max_nodes=None)
REVERSE_MEMORY_FACTOR = 2              # adjoints, plus what the reverse pass keeps from the forward
FIXED_SECONDS = 0.25                   # drawing the view (Graphviz), whatever the size
BYTES_PER_OPERATION = 12e3             # the flat steps, groups and view, per equation


def _value_bytes(jaxpr) -> int:
    """Bytes of every floating value one run of a jaxpr makes (a loop body's residuals)."""
    total = 0
    for eqn in iter_equations(jaxpr):
        for v in eqn.outvars:
            dtype = getattr(v.aval, "dtype", None)
            if is_inexact(dtype):
                total += math.prod(getattr(v.aval, "shape", ())) * itemsize(dtype)
    return total


def graph_cost(jaxpr, *, values: bool, adjoints: bool, max_nodes: int | None) -> Cost:
    """The estimated peak memory and time of ``computation_graph`` on this traced program."""
    equations = flops = kept = 0
    for eqn in iter_equations(jaxpr):
        equations += 1
    residuals = 0   # what JAX's reverse pass keeps of every loop iteration
    for eqn in jaxpr.eqns:   # values are kept for the top level (loop bodies are drawn as structure)
        rate = MATMUL_FLOPS_PER_SECOND if eqn.primitive.name == "dot_general" else ELEMENTS_PER_SECOND
        flops += equation_flops(eqn) / rate   # seconds of arithmetic
        for v in eqn.outvars:
            dtype = getattr(v.aval, "dtype", None)
            if dtype is not None:
                kept += math.prod(getattr(v.aval, "shape", ())) * itemsize(dtype) if is_inexact(dtype) or values else 0
        trips = int(eqn.params.get("length", 1) or 1)
        for sub in sub_jaxprs(eqn.params):
            residuals += trips * _value_bytes(sub)
    seconds = FIXED_SECONDS + SECONDS_PER_OPERATION * equations
    memory = BYTES_PER_OPERATION * equations   # (XLA's working set is the process's, not the request's)
    if values or adjoints:
        seconds += VALUE_SECONDS_PER_OPERATION * len(jaxpr.eqns) + flops
        memory += float(kept)
    if adjoints:
        seconds += ADJOINT_SECONDS_PER_OPERATION * len(jaxpr.eqns) + 2 * flops
        memory += REVERSE_MEMORY_FACTOR * float(kept) + float(residuals)
    if max_nodes is None:
        seconds += DRAW_SECONDS_PER_NODE * equations
    what = "the graph" + (" with values" if values else "") + (" and adjoints" if adjoints else "")
    return Cost(memory, seconds, f"{what} of {equations:,} operations")
