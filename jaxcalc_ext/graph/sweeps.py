"""The sweeps over the flat steps: forward values, and adjoints by JAX's own ``vjp`` of each
step applied from the output back, so every node's adjoint d(output)/d(node) comes from JAX,
never from formulas written here.

>>> import jax, jax.numpy as jnp
>>> closed = jax.make_jaxpr(lambda w: jnp.sin(w) * w)(1.5)
>>> flat = Flattener(fold=True)
>>> inputs = [flat.new_key(v.aval) for v in closed.jaxpr.invars]
>>> outputs = flat.walk(closed.jaxpr, closed.consts, inputs, [])
>>> values = forward_values(flat, inputs, [1.5])
>>> adjoints = reverse_adjoints(flat, values, outputs, [1.0], Sweeps())
>>> round(float(adjoints[inputs[0]]), 6) == round(float(jnp.cos(1.5) * 1.5 + jnp.sin(1.5)), 6)
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import is_inexact
from ..core.errors import JaxCalcError
from ..core.progress import CHECKPOINT_EVERY
from ..core.progress import step as progress_step
from .flatten import FlatStep, Flattener, LiteralOperand

class Sweeps:
    """What the reverse sweep saw: the order the reverse sweep visited steps, and the first step whose
    input adjoints came out non-finite from finite output adjoints."""

    def __init__(self):
        self.reverse_order: list[FlatStep] = []
        self.adjoint_birth: FlatStep | None = None


def all_finite(values) -> bool:
    for v in values:
        if is_inexact(getattr(v, "dtype", None) or np.asarray(v).dtype) and not np.all(np.isfinite(np.asarray(v))):
            return False
    return True


def forward_values(flat: Flattener, inputs: list[int], args_flat: list) -> dict[int, Any]:
    values = dict(flat.consts)
    values.update(zip(inputs, args_flat))
    read = lambda k: k.value if isinstance(k, LiteralOperand) else values[k]
    for i, step in enumerate(flat.steps):
        if i % CHECKPOINT_EVERY == 0:
            progress_step(i, len(flat.steps), "forward values")   # an interrupt stops here
        values.update(zip(step.outputs, step.evaluate(*[read(k) for k in step.inputs])))
    return values


def reverse_adjoints(flat: Flattener, values: dict, outputs: list, cotangents: list, sweep: Sweeps) -> dict[int, Any]:
    """Adjoints of every value: JAX's vjp of each equation, applied from the output back."""
    import jax
    import jax.numpy as jnp

    adj: dict[int, Any] = {}
    for key, ct in zip(outputs, cotangents):
        if not isinstance(key, LiteralOperand):
            adj[key] = adj.get(key, 0) + ct
    for i, step in enumerate(reversed(flat.steps)):
        if i % CHECKPOINT_EVERY == 0:
            progress_step(i, len(flat.steps), "adjoints")
        if not any(k in adj for k in step.outputs):
            continue
        invals = [k.value if isinstance(k, LiteralOperand) else values[k] for k in step.inputs]
        diff = [i for i, (k, v) in enumerate(zip(step.inputs, invals))
                if not isinstance(k, LiteralOperand) and jnp.issubdtype(jnp.result_type(v), jnp.inexact)]
        if not diff:
            continue

        def partial(*xs, step=step, invals=invals, diff=diff):
            full = list(invals)
            for i, x in zip(diff, xs):
                full[i] = x
            return step.evaluate(*full)

        outs_ct = [adj.get(k, None) for k in step.outputs]
        try:
            outs, pullback = jax.vjp(partial, *[invals[i] for i in diff])
            cts = [jnp.zeros_like(o) if c is None else jnp.asarray(c, jnp.result_type(o)) for o, c in zip(outs, outs_ct)]
            in_cts = pullback(cts)
        except Exception:  # e.g. reverse mode through while_loop: no adjoint upstream of here
            continue
        sweep.reverse_order.append(step)
        if sweep.adjoint_birth is None and all_finite(cts) and not all_finite(in_cts):
            sweep.adjoint_birth = step
        for i, ct in zip(diff, in_cts):
            key = step.inputs[i]
            adj[key] = adj[key] + ct if key in adj else ct
    return adj




def output_cotangents(out_vals: list, cotangent: Any) -> list:
    """The cotangents the reverse sweep starts from: 1 for a scalar output, ``"ones"`` for the
    sum of every output (a gradient program's adjoints), or the user's, shaped like the output."""
    import jax
    import jax.numpy as jnp

    if cotangent is None:
        if len(out_vals) != 1 or jnp.size(out_vals[0]) != 1:
            shapes = ", ".join(str(tuple(jnp.shape(v))) for v in out_vals[:4]) + (" …" if len(out_vals) > 4 else "")
            raise JaxCalcError(f"adjoints need a scalar output, this function returns {len(out_vals)} "
                               f"array{'s' * (len(out_vals) != 1)} of shape {shapes}: give cotangent "
                               "'ones' (the adjoints of the sum of every output) or one shaped like "
                               "the output, or reduce the output (jnp.sum)")
        cotangents = [jnp.ones_like(out_vals[0])]
    elif isinstance(cotangent, str) and cotangent == "ones":
        cotangents = [jnp.ones_like(v) for v in out_vals]
    else:
        cotangents = [jnp.asarray(c) for c in jax.tree_util.tree_leaves(cotangent)]
        if [jnp.shape(c) for c in cotangents] != [jnp.shape(v) for v in out_vals]:
            raise JaxCalcError("the cotangent must have the shape of the output")
    return cotangents
