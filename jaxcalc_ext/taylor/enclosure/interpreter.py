"""The enclosure interpreter: one loop over a jaxpr's equations with balls for values.

Floating-point values are :class:`~.balls.Ball` series (the program's own constants and literals
are exact balls of one row); integer and boolean values are plain arrays, or
:class:`~.rules.Decided` ones when they were decided per batch entry from balls. Equations with
no ball among their inputs run as they are (integer arithmetic is exact); the others go to the
enclosure rules beside the Taylor rules (:data:`~.rules.ENCLOSURES`). Calls (jit,
custom_jvp_call, custom_vjp_call, checkpoint) are interpreted through their bodies: a custom
derivative rule does not change the function, whose value is what is enclosed. ``cond`` takes the
branch its index selects on the whole ball, ``while`` runs while its test is decided, ``scan``
steps through its body.

>>> import jax, jax.numpy as jnp
>>> from jaxcalc_ext.taylor.enclosure.balls import point_series, bounds
>>> closed = jax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(0.0)
>>> y, = enclose(closed, [point_series([0.0], 3)])
>>> [round(float(v), 6) for v in y.mid[:, 0]]
[0.0, 2.0, 0.0, -0.333333]
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Sequence

import numpy as np

from ...core.jaxpr import bind_equation, call_body
from .balls import Ball, NotEnclosed
from .rules import ENCLOSURES, NEEDS_PRIMITIVE, Decided, as_ball, at_site

MAX_WHILE_STEPS = 100_000


class NoEnclosureRule(NotEnclosed):
    """A primitive with no enclosure (its reason is the message): refused on any interval."""


def enclose(closed, inputs: Sequence[Any]) -> list[Any]:
    """The outputs of a closed jaxpr for ball inputs (see the module docstring)."""
    consts = [_constant(c) for c in closed.consts]
    return eval_jaxpr_balls(closed.jaxpr, consts, list(inputs))


def _constant(value) -> Any:
    """A constant of the program: floats become exact balls, integers and booleans stay."""
    arr = np.asarray(value)
    if np.issubdtype(arr.dtype, np.floating):
        return Ball(arr.astype(np.float64)[None, None], np.zeros((1, 1) + arr.shape))
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise NoEnclosureRule("the program holds complex constants: the band is for real functions")
    return value


def _read(env: dict, atom) -> Any:
    from jax.extend import core as jcore

    if isinstance(atom, jcore.Literal):
        return _constant(atom.val)
    return env[atom]


def enclose_with_sites(closed, inputs: Sequence[Any]) -> list[Any]:
    """:func:`enclose`, numbering the decisions' sites afresh (each equation and its visits in
    loops), so that two evaluations of one program name their decisions alike."""
    token = _VISITS.set({})
    try:
        return enclose(closed, inputs)
    finally:
        _VISITS.reset(token)


_VISITS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("enclosure_visits", default=None)
_HOOK: contextvars.ContextVar = contextvars.ContextVar("enclosure_hook", default=None)


@contextlib.contextmanager
def equations_first_through(hook) -> Iterator[None]:
    """Within the block, each equation (after calls and control flow) goes to
    ``hook(eqn, inputs)`` first; it returns ``NotImplemented`` to leave it to the ball rules."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


def eval_jaxpr_balls(jaxpr, consts: Sequence[Any], inputs: Sequence[Any]) -> list[Any]:
    env: dict = {}
    for var, val in zip(jaxpr.constvars, consts):
        env[var] = val
    for var, val in zip(jaxpr.invars, inputs):
        env[var] = val
    for eqn in jaxpr.eqns:
        outvals = apply(eqn, [_read(env, a) for a in eqn.invars])
        if not eqn.primitive.multiple_results:
            outvals = [outvals]
        for var, val in zip(eqn.outvars, outvals):
            env[var] = val
    return [_read(env, a) for a in jaxpr.outvars]


def apply(eqn, invals: list[Any]) -> Any:
    prim, params = eqn.primitive, eqn.params
    body = call_body(params, len(invals))
    if body is not None:
        outs = eval_jaxpr_balls(body.jaxpr, [_constant(c) for c in body.consts], invals)
        return outs if prim.multiple_results else outs[0]
    control = _CONTROL_FLOW.get(prim.name)
    if control is not None:
        return control(params, invals)
    hook = _HOOK.get()
    if hook is not None:                 # another arithmetic over balls (Laurent series) goes first
        out = hook(eqn, invals)
        if out is not NotImplemented:
            return out
    if not any(isinstance(v, Ball) for v in invals):
        return _without_balls(eqn, invals)
    rule = ENCLOSURES.get(prim.name)
    if rule is None:
        if prim.name == "is_finite":
            return Decided(np.ones(_batch_shape(invals), dtype=bool))   # a ball is finite
        raise NoEnclosureRule(f"{prim.name} has no enclosure rule")
    if isinstance(rule, str):
        raise NoEnclosureRule(f"{prim.name}: {rule}")
    extra = {"prim": prim} if prim.name in NEEDS_PRIMITIVE else {}
    visits = _VISITS.get()
    if visits is None:
        visits = {}
    visit = visits[id(eqn)] = visits.get(id(eqn), -1) + 1
    with at_site((id(eqn), visit)):
        out = rule(params, *invals, **extra)
    if prim.multiple_results and not isinstance(out, list):
        out = [out]
    return out


def _batch_shape(invals) -> tuple:
    ball = next(v for v in invals if isinstance(v, Ball))
    return ball.mid.shape[1:]


def _without_balls(eqn, invals: list[Any]) -> Any:
    """Integers and booleans (plain, or decided per batch entry): JAX's own arithmetic, exact;
    a decided operand is mapped over its batch axis."""
    import jax

    decided = [isinstance(v, Decided) for v in invals]
    if not any(decided):
        out = bind_equation(eqn.primitive, eqn.params, *invals)
        return _as_values(out, eqn.primitive.multiple_results, batched=False)
    axes = [0 if d else None for d in decided]
    args = [v.value if d else v for v, d in zip(invals, decided)]
    out = jax.vmap(lambda *a: bind_equation(eqn.primitive, eqn.params, *a), in_axes=axes)(*args)
    return _as_values(out, eqn.primitive.multiple_results, batched=True)


def _as_values(out, multiple: bool, batched: bool):
    outs = out if multiple else [out]
    converted = []
    for o in outs:
        arr = np.asarray(o)
        if np.issubdtype(arr.dtype, np.floating):        # a float made from integers: exact
            lead = arr[None] if batched else arr[None, None]
            converted.append(Ball(lead.astype(np.float64), np.zeros(lead.shape)))
        else:
            converted.append(Decided(arr) if batched else arr)
    return converted if multiple else converted[0]


# ---------------------------------------------------------------- control flow
def _decided(value, what: str) -> np.ndarray:
    if isinstance(value, Decided):
        return value.uniform(what)
    if isinstance(value, Ball):
        raise NotEnclosed(f"{what} is a floating-point value")
    return np.asarray(value)


def _cond(params, invals):
    index = int(_decided(invals[0], "a cond's branch"))
    branches = params["branches"]
    branch = branches[min(max(index, 0), len(branches) - 1)]
    return eval_jaxpr_balls(branch.jaxpr, [_constant(c) for c in branch.consts], invals[1:])


def _plain_loop_values(invals, what: str) -> None:
    from .laurent_rules import Leading

    if any(isinstance(v, Leading) for v in invals):
        raise NotEnclosed(f"{what} over a Laurent or Puiseux series is not expanded")


def _while(params, invals):
    _plain_loop_values(invals, "a while loop")
    cond, body = params["cond_jaxpr"], params["body_jaxpr"]
    nc, nb = params["cond_nconsts"], params["body_nconsts"]
    cond_consts, body_consts, carry = invals[:nc], invals[nc:nc + nb], invals[nc + nb:]
    for _ in range(MAX_WHILE_STEPS):
        go, = eval_jaxpr_balls(cond.jaxpr, [_constant(c) for c in cond.consts], cond_consts + carry)
        if not bool(_decided(go, "a while loop's test")):
            return carry
        carry = eval_jaxpr_balls(body.jaxpr, [_constant(c) for c in body.consts], body_consts + carry)
    raise NotEnclosed(f"a while loop ran more than {MAX_WHILE_STEPS} steps")


def _slice_scanned(value, i: int):
    if isinstance(value, Ball):
        return Ball(value.mid[:, :, i], value.rad[:, :, i])
    if isinstance(value, Decided):
        return Decided(value.value[:, i])
    return np.asarray(value)[i]


def _stack_scanned(values: list):
    first = values[0]
    if isinstance(first, Ball):
        values = [as_ball(v) for v in values]
        rows = max(v.rows for v in values)
        batch = max(v.mid.shape[1] for v in values)
        values = [v.padded(rows) for v in values]
        shape = lambda v: (rows, batch) + v.mid.shape[2:]
        return Ball(np.stack([np.broadcast_to(v.mid, shape(v)) for v in values], axis=2),
                    np.stack([np.broadcast_to(v.rad, shape(v)) for v in values], axis=2))
    if isinstance(first, Decided):
        return Decided(np.stack([v.value for v in values], axis=1))
    return np.stack([np.asarray(v) for v in values])


def _scan(params, invals):
    _plain_loop_values(invals, "a scan")
    body = params["jaxpr"]
    n_consts, n_carry, length = params["num_consts"], params["num_carry"], params["length"]
    consts, carry, xs = invals[:n_consts], invals[n_consts:n_consts + n_carry], invals[n_consts + n_carry:]
    steps = range(length - 1, -1, -1) if params.get("reverse", False) else range(length)
    ys_per_step = []
    for i in steps:
        out = eval_jaxpr_balls(body.jaxpr, [_constant(c) for c in body.consts],
                               consts + carry + [_slice_scanned(x, i) for x in xs])
        carry, ys = out[:n_carry], out[n_carry:]
        ys_per_step.append(ys)
    if params.get("reverse", False):
        ys_per_step.reverse()
    n_ys = len(body.jaxpr.outvars) - n_carry
    stacked = [_stack_scanned([ys[j] for ys in ys_per_step]) for j in range(n_ys)] if length else []
    return carry + stacked


_CONTROL_FLOW = {"cond": _cond, "while": _while, "scan": _scan}
