"""The sweeps over the flat steps: forward values, and adjoints by JAX's own reverse pass over
the whole program (the transpose of its linearization, custom rules included), so every node's
adjoint d(output)/d(node) is the one ``jax.vjp`` computes, never a formula written here.

>>> import jax, jax.numpy as jnp
>>> closed = jax.make_jaxpr(lambda w: jnp.sin(w) * w)(1.5)
>>> flat = Flattener(fold=True)
>>> inputs = [flat.new_key(v.aval) for v in closed.jaxpr.invars]
>>> outputs = flat.walk(closed.jaxpr, closed.consts, inputs, [])
>>> values = forward_values(flat, inputs, [1.5])
>>> adjoints = reverse_adjoints(flat, values, inputs, outputs, [1.0], Sweeps())
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
from .flatten import FlatStep, Flattener, LiteralOperand, RuleCall

class Sweeps:
    """What the reverse sweep saw: the order it visited steps, the first step whose input adjoints
    came out non-finite from finite output adjoints, the calls whose rules JAX used (their
    insides have no adjoint of JAX's), and what JAX could not reverse."""

    def __init__(self):
        self.reverse_order: list[FlatStep] = []
        self.adjoint_birth: FlatStep | None = None
        self.rule_calls: list = []
        self.not_reversed: list[str] = []     # one line each: why some adjoints are not drawn


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


def _is_float(value) -> bool:
    return is_inexact(getattr(value, "dtype", None) or np.asarray(value).dtype)


def reverse_adjoints(flat: Flattener, values: dict, inputs: list, outputs: list, cotangents: list,
                     sweep: Sweeps) -> dict[int, Any]:
    """Every value's adjoint d<cotangent, output>/d(value), as JAX's own reverse pass computes it.

    The program is replayed unit by unit (:attr:`Flattener.units`: each step, and each call
    with a custom_jvp/custom_vjp rule as one unit, bound as the call it is) with a zero added to
    every value a unit makes, and ``jax.vjp`` of the whole replay gives the adjoint of each value
    as the cotangent of its zero: the transpose of the linearized program, custom rules,
    checkpoints, scans and ``stop_gradient`` included, never a re-derivation per equation. A
    unit JAX cannot reverse (a ``while_loop``) is cut off: what reaches the output through it
    has no adjoint, and ``sweep.not_reversed`` says so in one line.
    """
    import jax

    units = flat.units
    sweep.rule_calls = [u for u in units if isinstance(u, RuleCall)]
    defined = set(values) - {k for u in units for k in u.outputs if isinstance(k, int)}
    starts = [k for k in dict.fromkeys([*inputs, *flat.consts]) if k in values and _is_float(values[k])]
    made = [k for u in units for k in u.outputs
            if isinstance(k, int) and k not in defined and k in values and _is_float(values[k])]
    blocked: set[int] = set()

    def replay(start_values, zeros):
        env = dict(values)
        env.update(zip(starts, start_values))
        read = lambda k: k.value if isinstance(k, LiteralOperand) else env[k]
        for i, unit in enumerate(units):
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(units), "adjoints")
            operands = [read(k) for k in unit.inputs]
            if i in blocked:   # JAX has no reverse mode here: nothing flows back through it
                operands = [jax.lax.stop_gradient(v) if _is_float(v) else v for v in operands]
            for k, out in zip(unit.outputs, unit.evaluate(*operands)):
                if isinstance(k, int) and k not in defined:
                    env[k] = out + zeros[k] if k in zeros else out
        return [read(k) for k in outputs]

    zeros = {k: jax.numpy.zeros_like(values[k]) for k in made}
    primal = [values[k] for k in starts]
    try:
        _, pullback = jax.vjp(replay, primal, zeros)
        start_cts, made_cts = pullback(_cotangents_like(outputs, values, cotangents))
    except Exception:   # a unit JAX cannot reverse: find it, and reverse the rest
        blocked.update(i for i, unit in enumerate(units) if not _reversible(unit, values))
        if not blocked:
            raise
        _, pullback = jax.vjp(replay, primal, zeros)
        start_cts, made_cts = pullback(_cotangents_like(outputs, values, cotangents))
    adjoint: dict[int, Any] = dict(zip(starts, start_cts))
    adjoint.update(made_cts)
    for k in [k for k in outputs if isinstance(k, int) and k in values and _is_float(values[k])]:
        adjoint.setdefault(k, None)
    if blocked:
        _forget_upstream_of(blocked, units, adjoint, sweep)
    adjoint = {k: v for k, v in adjoint.items() if v is not None and not _is_float0(v)}
    _record_reverse_order(units, adjoint, values, sweep)
    return adjoint


def _is_float0(value) -> bool:
    return getattr(value, "dtype", None) == jax_float0()


def jax_float0():
    import jax

    return jax.dtypes.float0


def _cotangents_like(outputs: list, values: dict, cotangents: list) -> list:
    import jax.numpy as jnp

    out = []
    for k, ct in zip(outputs, cotangents):
        value = k.value if isinstance(k, LiteralOperand) else values[k]
        out.append(jnp.asarray(ct, jnp.result_type(value)) if _is_float(value) else jnp.zeros_like(value))
    return out


def _reversible(unit, values: dict) -> bool:
    """Whether JAX's reverse mode goes through one unit (asked abstractly: nothing runs)."""
    import jax
    import jax.numpy as jnp

    operands = [k.value if isinstance(k, LiteralOperand) else values[k] for k in unit.inputs]
    floats = [i for i, v in enumerate(operands) if _is_float(v)]
    if not floats:
        return True

    def total(*xs):
        full = list(operands)
        for i, x in zip(floats, xs):
            full[i] = x
        return sum(jnp.sum(jnp.real(o)) for o in unit.evaluate(*full) if _is_float(o))

    try:
        jax.eval_shape(jax.grad(total, argnums=tuple(range(len(floats)))), *[operands[i] for i in floats])
        return True
    except Exception:
        return False


def _forget_upstream_of(blocked: set[int], units: list, adjoint: dict, sweep: Sweeps) -> None:
    """Values that reach the output through a unit JAX cannot reverse have no complete adjoint:
    none is drawn for them (or for anything upstream), and the sweep says why."""
    tainted = {k for i in blocked for k in units[i].inputs if isinstance(k, int)}
    for unit in reversed(units):
        if any(k in tainted for k in unit.outputs if isinstance(k, int)):
            tainted.update(k for k in unit.inputs if isinstance(k, int))
    for k in tainted:
        adjoint[k] = None
    names = sorted({getattr(units[i], "label", "?") for i in blocked})
    sweep.not_reversed.append(f"JAX has no reverse mode through {', '.join(names)} (a while_loop's trip count "
                              f"depends on its values): the adjoints upstream of it are not drawn")


def _record_reverse_order(units: list, adjoint: dict, values: dict, sweep: Sweeps) -> None:
    """The steps in the order the reverse sweep meets them, and the first whose own pullback
    turned finite output adjoints into non-finite input adjoints (checked with JAX's vjp of that
    one step, since an input's total adjoint also holds what other readers sent it)."""
    for unit in reversed(units):
        outs = [k for k in unit.outputs if isinstance(k, int) and adjoint.get(k) is not None]
        if not outs:
            continue
        steps = list(reversed(unit.steps)) if isinstance(unit, RuleCall) else [unit]
        sweep.reverse_order.extend(steps)
        if sweep.adjoint_birth is not None or not all_finite([adjoint[k] for k in outs]):
            continue
        ins = [k for k in unit.inputs if isinstance(k, int) and adjoint.get(k) is not None]
        if all_finite([adjoint[k] for k in ins]):
            continue
        if not all_finite(_own_contribution(unit, values, adjoint)):
            sweep.adjoint_birth = steps[-1] if isinstance(unit, RuleCall) and steps else unit


def _own_contribution(unit, values: dict, adjoint: dict) -> list:
    """The input adjoints one unit sends back from its own output adjoints (JAX's vjp of it)."""
    import jax
    import jax.numpy as jnp

    operands = [k.value if isinstance(k, LiteralOperand) else values[k] for k in unit.inputs]
    floats = [i for i, v in enumerate(operands) if _is_float(v)]

    def partial(*xs):
        full = list(operands)
        for i, x in zip(floats, xs):
            full[i] = x
        return unit.evaluate(*full)

    outs, pullback = jax.vjp(partial, *[operands[i] for i in floats])
    cts = [jnp.zeros_like(o) if not isinstance(k, int) or adjoint.get(k) is None
           else jnp.asarray(adjoint[k], jnp.result_type(o)) for k, o in zip(unit.outputs, outs)]
    return [c for c in pullback(cts) if not _is_float0(c)]


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
