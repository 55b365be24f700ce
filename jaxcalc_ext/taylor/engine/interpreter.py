"""The Taylor-mode interpreter: one loop over a jaxpr's equations, rules from a table.

Values in the environment are either a :class:`Series` (they depend on t) or a
plain array (they do not). Equations whose inputs are all constant are evaluated
as they are; the others go to :data:`TAYLOR_RULES`. Sub-jaxprs are found by
their params (``jax.extend.core.jaxprs_in_params``), not by primitive names:
call-like primitives (``jit``, ``custom_jvp_call``, ``custom_vjp_call``,
``checkpoint``, ...) are interpreted through their body; ``cond``, ``while`` and
``scan`` carry series through JAX's own control flow, so the program stays the
size of the source program whatever the order.

>>> import jax.numpy as jnp, jax
>>> closed = jax.make_jaxpr(jnp.sin)(0.0)
>>> out, = propagate(closed, [Series(jnp.array([0.0, 1.0, 0.0, 0.0]))])
>>> [round(float(c), 4) for c in out.coeffs]     # sin t = t - t^3/6
[0.0, 1.0, 0.0, -0.1667]
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Sequence

import jax.numpy as jnp
from jax import lax
from jax.extend import core as jcore

from ...core.errors import JaxCalcError, UnsupportedPrimitiveError
from ...core.jaxpr import bind_equation, call_body
from ...core.progress import CHECKPOINT_EVERY
from ...core.progress import step as progress_step
from ...core.tracing import equation_key
from ...core.user_code import user_line_of_equation
from .rules import COMPLEX_SAFE, LINEAR_PRIMITIVES, PIECEWISE, TAYLOR_RULES, pass_memo, value_just_after
from .series import Series, constant_series, not_recording_removed_orders, recording_removed_orders, removed_orders_record

Value = Any

def _is_inexact(aval) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.inexact)


def _read(env: dict, atom) -> Value:
    if isinstance(atom, jcore.Literal):
        return atom.val
    return env[atom]


def _primal(value: Value) -> Value:
    return value.primal if isinstance(value, Series) else value


def propagate(closed: jcore.ClosedJaxpr, inputs: Sequence[Value], rules: dict | None = None) -> list[Value]:
    """Push Taylor series through a closed jaxpr; constants stay constants.

    ``rules`` replaces the rule table (the collapsed jets of :mod:`.laplacian` use their own).
    """
    with pass_memo():
        return eval_jaxpr_series(closed.jaxpr, closed.consts, inputs, TAYLOR_RULES if rules is None else rules)


def eval_jaxpr_series(jaxpr: jcore.Jaxpr, consts: Sequence[Any], inputs: Sequence[Value],
                      rules: dict = TAYLOR_RULES) -> list[Value]:
    env: dict = {}
    for var, val in zip(jaxpr.constvars, consts):
        env[var] = val
    for var, val in zip(jaxpr.invars, inputs):
        env[var] = val
    one_by_one = _ONE_EQUATION_AT_A_TIME.get()
    for i, eqn in enumerate(jaxpr.eqns):
        invals = [_read(env, a) for a in eqn.invars]
        if one_by_one:
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(jaxpr.eqns), "Taylor passes")   # an interrupt stops here
            outvals = _apply_compiled(eqn, invals, rules)
        else:
            outvals = _apply(eqn, invals, rules)
        if not eqn.primitive.multiple_results:
            outvals = [outvals]
        for var, val in zip(eqn.outvars, outvals):
            env[var] = val
    return [_read(env, a) for a in jaxpr.outvars]


# ---------------------------------------------------------------- one equation at a time
# A program too large to compile whole (thousands of equations) is interpreted equation by
# equation, each equation's rule compiled once per signature (primitive, params, operand types,
# which operands are series) and reused by every equation like it: a 10,000-step chain of
# sin(x) * c compiles two small programs, not one of 20,000 equations. Rules that loop (fori_loop
# inside a rule) would otherwise compile their loop at every equation.
_ONE_EQUATION_AT_A_TIME: contextvars.ContextVar[bool] = contextvars.ContextVar("taylor_one_by_one", default=False)
_RULE_PROGRAMS: dict = {}
_RULE_PROGRAMS_MAX = 512     # each holds compiled code: a long session must not fill memory with them


@contextlib.contextmanager
def one_equation_at_a_time() -> Iterator[None]:
    """Interpret the equations of a pass one by one, each rule compiled per signature."""
    token = _ONE_EQUATION_AT_A_TIME.set(True)
    try:
        yield
    finally:
        _ONE_EQUATION_AT_A_TIME.reset(token)


def _apply_compiled(eqn, invals: list[Value], rules: dict):
    import jax

    if not any(isinstance(v, Series) for v in invals):
        return bind_equation(eqn.primitive, eqn.params, *invals)
    kinds = tuple(isinstance(v, Series) for v in invals)
    arrays = [v.coeffs if isinstance(v, Series) else v for v in invals]
    outer = removed_orders_record()
    key = (equation_key(eqn), kinds, tuple((jnp.shape(a), jnp.result_type(a)) for a in arrays),
           id(rules), bool(jax.config.jax_enable_x64), outer is not None)
    entry = _RULE_PROGRAMS.get(key)
    if entry is None:
        out_kinds: list = []
        recording = outer is not None

        def run(*arrays):
            values = [Series(a) if k else a for a, k in zip(arrays, kinds)]
            token = _ONE_EQUATION_AT_A_TIME.set(False)
            try:   # its own memo and record: values traced here must not leak into the pass's
                with pass_memo(), (recording_removed_orders() if recording else not_recording_removed_orders()) as removed:
                    out = _apply(eqn, values, rules)
            finally:
                _ONE_EQUATION_AT_A_TIME.reset(token)
            outs = list(out) if eqn.primitive.multiple_results else [out]
            out_kinds[:] = [isinstance(o, Series) for o in outs]
            return [o.coeffs if isinstance(o, Series) else o for o in outs], list(removed or [])

        if len(_RULE_PROGRAMS) >= _RULE_PROGRAMS_MAX:
            _RULE_PROGRAMS.pop(next(iter(_RULE_PROGRAMS)))
        entry = _RULE_PROGRAMS[key] = (jax.jit(run), out_kinds)
    program, out_kinds = entry
    outs, removed = program(*arrays)
    if outer is not None:
        outer.extend(removed)   # the orders a cancelled division lost, as the pass records them
    values = [Series(o) if k else o for o, k in zip(outs, out_kinds)]
    return values if eqn.primitive.multiple_results else values[0]


def _apply(eqn, invals: list[Value], rules: dict):
    prim, params = eqn.primitive, eqn.params
    if not any(isinstance(v, Series) for v in invals):
        return bind_equation(prim, params, *invals)
    order = next(v.order for v in invals if isinstance(v, Series))
    if not any(_is_inexact(v.aval) for v in eqn.outvars):
        if rules is not TAYLOR_RULES:   # collapsed jets: decided by the value row alone
            return bind_equation(prim, params, *(_primal(v) for v in invals))
        # comparisons, argmax, integer casts: their value just after t = 0 (rules.PIECEWISE)
        rule = rules[prim.name] if prim.name in PIECEWISE else value_just_after
        return rule(prim, order, *invals, **params)
    rule = rules.get(prim.name)
    if rule is not None and prim.name not in LINEAR_PRIMITIVES:
        invals = _broadcast_scalars(eqn, invals)
    if rule is not None:
        if prim.name not in COMPLEX_SAFE and prim.name not in LINEAR_PRIMITIVES and any(
                isinstance(v, Series) and jnp.iscomplexobj(v.coeffs) for v in invals):
            raise JaxCalcError(f"{prim.name} of a complex intermediate value has no complex Taylor rule "
                               "here: write f with real operations (abs, real, imag, exp, sin, cos and "
                               "arithmetic are supported on complex values)")
        return rule(prim, order, *invals, **params)
    control = _CONTROL_FLOW.get(prim.name)
    if control is not None:
        with not_recording_removed_orders():  # nothing traced in a body may leak out of it
            return control(eqn, order, invals, rules)
    body = call_body(params, len(invals))
    if body is not None:
        outs = eval_jaxpr_series(body.jaxpr, body.consts, invals, rules)
        return outs if prim.multiple_results else outs[0]
    raise UnsupportedPrimitiveError(prim.name, equation_place(eqn))


def equation_place(eqn) -> str | None:
    """Where the user's code made an equation: "line 3 of <ipython-input-4-...>"."""
    import os

    found = user_line_of_equation(eqn)
    if found is None:
        return None
    file_name, line = found
    return f"line {line} of {file_name if file_name.startswith('<') else os.path.basename(file_name)}"


def _broadcast_scalars(eqn, invals: list[Value]) -> list[Value]:
    """JAX broadcasts a rank-0 operand of an element-wise primitive against the others (x + v,
    x ** v, atan2(x, v) with a scalar x): the rules see operands of the output's shape."""
    if len(eqn.outvars) != 1 or len(invals) < 2:
        return invals
    shape = tuple(eqn.outvars[0].aval.shape)
    shapes = [tuple(v.coeffs.shape[1:]) if isinstance(v, Series) else tuple(jnp.shape(v)) for v in invals]
    if not shape or all(s == shape for s in shapes) or any(s not in ((), shape) for s in shapes):
        return invals
    out = []
    for v, s in zip(invals, shapes):
        if s == shape:
            out.append(v)
        elif isinstance(v, Series):
            out.append(Series(jnp.broadcast_to(v.coeffs.reshape(v.coeffs.shape[:1] + (1,) * len(shape)),
                                               v.coeffs.shape[:1] + shape)))
        else:
            out.append(jnp.broadcast_to(v, shape))
    return out


# ---------------------------------------------------------------- control flow
# Loops and branches need a fixed type for what they carry: every floating value
# becomes a series (constants are promoted), everything else stays as it is.
def _flatten(values: Sequence[Value], order: int) -> tuple[list, tuple[bool, ...]]:
    arrays, is_series = [], []
    for v in values:
        if isinstance(v, Series):
            arrays.append(v.coeffs), is_series.append(True)
        elif jnp.issubdtype(jnp.result_type(v), jnp.inexact):
            arrays.append(constant_series(v, order)), is_series.append(True)
        else:
            arrays.append(jnp.asarray(v)), is_series.append(False)
    return arrays, tuple(is_series)


def _unflatten(arrays, is_series) -> list[Value]:
    return [Series(a) if s else a for a, s in zip(arrays, is_series)]


def _promote_like(values, is_series, order) -> list:
    out = []
    for v, s in zip(values, is_series):
        if s:
            out.append(v.coeffs if isinstance(v, Series) else constant_series(v, order, v.dtype if hasattr(v, "dtype") else None))
        else:
            out.append(_primal(v))
    return out


def _cond(eqn, order, invals, rules):
    """Branch chosen by the primal index; every branch propagates series."""
    index, operands = _primal(invals[0]), invals[1:]
    arrays, in_kind = _flatten(operands, order)
    out_kind = tuple(_is_inexact(v.aval) for v in eqn.outvars)

    def branch_fn(branch):
        def run(*arrs):
            outs = propagate(branch, _unflatten(arrs, in_kind), rules)
            return _promote_like(outs, out_kind, order)
        return run

    outs = lax.switch(index, [branch_fn(b) for b in eqn.params["branches"]], *arrays)
    return _unflatten(outs, out_kind)


def _while(eqn, order, invals, rules):
    """The loop runs while its test holds for small t > 0; the body carries series."""
    p = eqn.params
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    cond_consts, body_consts, carry = invals[:nc], invals[nc:nc + nb], invals[nc + nb:]
    carry_arrays, kind = _flatten(carry, order)
    cond_jaxpr, body_jaxpr = p["cond_jaxpr"], p["body_jaxpr"]

    def cond_fn(arrs):   # the test decided for small t > 0, as every comparison is
        decided = propagate(cond_jaxpr, list(cond_consts) + _unflatten(arrs, kind), rules)[0]
        return _primal(decided)

    def body_fn(arrs):
        outs = propagate(body_jaxpr, list(body_consts) + _unflatten(arrs, kind), rules)
        return _promote_like(outs, kind, order)

    return _unflatten(lax.while_loop(cond_fn, body_fn, carry_arrays), kind)


def _scan(eqn, order, invals, rules):
    """Series carried through the loop; scanned inputs are sliced along their scan axis."""
    p = eqn.params
    n_consts, n_carry = p["num_consts"], p["num_carry"]
    consts, carry, xs = invals[:n_consts], invals[n_consts:n_consts + n_carry], invals[n_consts + n_carry:]
    carry_arrays, carry_kind = _flatten(carry, order)
    xs_kind = tuple(isinstance(x, Series) for x in xs)
    # A scanned series (K+1, T, ...) is sliced along T: put T first.
    xs_arrays = [jnp.swapaxes(x.coeffs, 0, 1) if s else x for x, s in zip(xs, xs_kind)]
    n_ys = len(eqn.outvars) - n_carry
    ys_kind = tuple(_is_inexact(v.aval) for v in eqn.outvars[n_carry:])
    body = p["jaxpr"]

    def step(c, x):
        outs = propagate(body, list(consts) + _unflatten(c, carry_kind) + _unflatten(x, xs_kind), rules)
        return (_promote_like(outs[:n_carry], carry_kind, order),
                _promote_like(outs[n_carry:], ys_kind, order))

    carry_out, ys = lax.scan(step, carry_arrays, xs_arrays, length=p["length"], reverse=p["reverse"])
    ys = [jnp.swapaxes(y, 0, 1) if s else y for y, s in zip(ys, ys_kind)]
    assert len(ys) == n_ys
    return _unflatten(carry_out, carry_kind) + _unflatten(ys, ys_kind)


def _linear_solve(eqn, order, invals, rules):
    """y(t) solving A(t) y(t) = b(t), coefficient by coefficient in a loop over k:

        A_0 y_k = b_k - sum_{j >= 1} A_j y_{k-j},

    the sum being row k of ``matvec(A(t), y(t))`` while rows k.. of y are still zero; each
    step reuses the primitive's own ``solve`` with the primal constants (one factorisation).
    """
    p = eqn.params
    lengths, jaxprs = p["const_lengths"], p["jaxprs"]
    n_consts = sum(lengths)
    consts, rhs = invals[:n_consts], invals[n_consts:]
    matvec_consts = list(consts[:lengths.matvec])
    start = lengths.matvec + lengths.vecmat
    solve_consts = [_primal(c) for c in consts[start:start + lengths.solve]]
    b, _ = _flatten(rhs, order)

    def solve0(vectors):
        return jcore.jaxpr_as_fun(jaxprs.solve)(*solve_consts, *vectors)

    y = [jnp.zeros_like(c).at[0].set(v) for c, v in zip(b, solve0([c[0] for c in b]))]

    def step(k, y):
        known = propagate(jaxprs.matvec, matvec_consts + [Series(c) for c in y], rules)
        rows = [c[k] - (m.coeffs[k] if isinstance(m, Series) else 0) for c, m in zip(b, known)]
        return [c.at[k].set(v) for c, v in zip(y, solve0(rows))]

    return [Series(c) for c in lax.fori_loop(1, order + 1, step, y)]


_CONTROL_FLOW = {"cond": _cond, "while": _while, "scan": _scan, "custom_linear_solve": _linear_solve}
