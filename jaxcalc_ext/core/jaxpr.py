"""Small helpers over jaxprs shared by the Taylor interpreter, the graph builder and %jaxpr.

Sub-jaxprs are found through ``jax.extend.core.jaxprs_in_params`` and by the shape of a
primitive's params, never by primitive names (which change between JAX releases).

>>> import jax, jax.numpy as jnp
>>> closed = jax.make_jaxpr(lambda x: jax.nn.relu(x) * 2)(1.0)
>>> [call_name(e) for e in closed.jaxpr.eqns]
['relu', None]
"""
from __future__ import annotations

from typing import Iterator

from jax.extend import core as jcore

# Parameter names under which call-like primitives keep their one body.
BODY_PARAMS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def bind_equation(primitive, params: dict, *args):
    """Apply an equation's primitive to ``args`` as ``jax.core.eval_jaxpr`` does: call-like
    primitives (``custom_jvp_call``, ``custom_vjp_call``, ``pjit``) store their bodies in a
    form that ``bind`` does not take, and ``get_bind_params`` turns them back.

    >>> import jax
    >>> eqn = jax.make_jaxpr(jax.nn.relu)(2.0).jaxpr.eqns[0]     # a custom_jvp_call
    >>> [float(y) for y in bind_equation(eqn.primitive, eqn.params, 2.0)]   # multiple results
    [2.0]
    """
    bind_params = primitive.get_bind_params(params)
    if isinstance(bind_params, tuple):  # JAX < 0.7: (subfuns, params)
        subfuns, bind_params = bind_params
        return primitive.bind(*subfuns, *args, **bind_params)
    return primitive.bind(*args, **bind_params)


def is_traced_leaf(path, leaf) -> bool:
    """Whether an argument's leaf is traced, as ``equinox.filter_jit`` decides: arrays and NumPy
    scalars are; a Python number is when it was passed as an argument or in a plain list, tuple
    or dict (``%graddag g 1.5``), not when it is stored in a model's field (a pooling layer's
    ``-inf``); anything else (a function, an activation, a bool flag, a string) is held static."""
    import numpy as np
    import jax

    if isinstance(leaf, (jax.Array, np.ndarray, np.generic)):
        return True
    if isinstance(leaf, bool) or not isinstance(leaf, (int, float, complex)):
        return False
    plain = (jax.tree_util.SequenceKey, jax.tree_util.DictKey)
    return all(isinstance(entry, plain) for entry in path)


def split_static(f, args: tuple):
    """``(g, dynamic)`` with ``g(*dynamic) == f(*args)``: the leaves of ``args`` that are not
    traced (:func:`is_traced_leaf`) are replaced by None in ``dynamic`` and put back inside
    ``g``, as ``eqx.partition``/``eqx.combine`` do; array leaves keep their pytree paths.

    >>> import jax.numpy as jnp
    >>> g, dynamic = split_static(lambda act, x: act(x), (jnp.tanh, jnp.zeros(2)))
    >>> dynamic[0] is None, g(*dynamic).tolist()
    (True, [0.0, 0.0])
    """
    import jax

    with_paths, treedef = jax.tree_util.tree_flatten_with_path(args)
    leaves = [leaf for _, leaf in with_paths]
    traced = [is_traced_leaf(path, leaf) for path, leaf in with_paths]
    if all(traced):
        return f, args
    dynamic = jax.tree_util.tree_unflatten(treedef, [leaf if t else None for leaf, t in zip(leaves, traced)])

    def with_static(*dynamic_args):
        given = treedef.flatten_up_to(dynamic_args)
        combined = [g if t else leaf for g, leaf, t in zip(given, leaves, traced)]
        return f(*jax.tree_util.tree_unflatten(treedef, combined))

    for attribute in ("__name__", "__qualname__"):
        if hasattr(f, attribute):
            setattr(with_static, attribute, getattr(f, attribute))
    with_static.__wrapped__ = f  # inspect.signature names the inputs by f's parameters
    return with_static, tuple(dynamic)


def closed(jaxpr) -> jcore.ClosedJaxpr:
    return jaxpr if isinstance(jaxpr, jcore.ClosedJaxpr) else jcore.ClosedJaxpr(jaxpr, ())


# Params that mark loops and branches: their sub-jaxprs run many times, or one of several.
CONTROL_FLOW_PARAMS = ("num_carry", "length", "cond_jaxpr", "body_jaxpr", "branches")


def call_body(params: dict, n_inputs: int) -> jcore.ClosedJaxpr | None:
    """The body of a call-like primitive (jit, custom_jvp_call, custom_vjp_call, remat, ...):
    a sub-jaxpr under a body key that takes exactly the equation's inputs, in an equation
    that is not a loop or a branch. Remembered per params object, as :func:`sub_jaxprs`."""
    entry = _CALL_BODIES.get((id(params), n_inputs))
    if entry is not None and entry[0] is params:
        return entry[1]
    found = None
    if not any(key in params for key in CONTROL_FLOW_PARAMS):
        for key in BODY_PARAMS:
            body = params.get(key)
            if isinstance(body, (jcore.Jaxpr, jcore.ClosedJaxpr)):
                body = closed(body)
                if len(body.jaxpr.invars) == n_inputs:
                    found = body
                    break
    if len(_CALL_BODIES) > 200_000:
        _CALL_BODIES.clear()
    _CALL_BODIES[(id(params), n_inputs)] = (params, found)
    return found


_CALL_BODIES: dict[tuple, tuple] = {}


def labelled_sub_jaxprs(params: dict) -> list[tuple[str, jcore.Jaxpr]]:
    """Sub-jaxprs with a name for each: 'body', 'cond', 'branch 0', ..."""
    out = []
    for key, value in params.items():
        items = value if isinstance(value, (tuple, list)) else [value]
        for i, item in enumerate(items):
            if isinstance(item, (jcore.Jaxpr, jcore.ClosedJaxpr)):
                name = key.replace("_jaxpr", "").replace("jaxpr", "body")
                name = f"branch {i}" if key == "branches" else name
                out.append((name, item.jaxpr if isinstance(item, jcore.ClosedJaxpr) else item))
    return out


_SUB_JAXPRS: dict[int, tuple] = {}   # id(params) -> (params, its sub-jaxprs): asked for many times


def sub_jaxprs(params: dict) -> list[jcore.Jaxpr]:
    """Every sub-jaxpr in an equation's params (bodies, branches, loop conditions). Remembered
    per params object (the entry holds it, so its id is not reused while remembered)."""
    entry = _SUB_JAXPRS.get(id(params))
    if entry is not None and entry[0] is params:
        return list(entry[1])
    found = tuple(jcore.jaxprs_in_params(params)) if params else ()
    if len(_SUB_JAXPRS) > 200_000:
        _SUB_JAXPRS.clear()
    _SUB_JAXPRS[id(params)] = (params, found)
    return list(found)


def call_name(eqn) -> str | None:
    """The user-facing name of a call-like equation (``relu``, ``where``), if it has one."""
    if call_body(eqn.params, len(eqn.invars)) is None:
        return None
    name = eqn.params.get("name")
    if not name:
        body = call_body(eqn.params, len(eqn.invars))
        name = getattr(getattr(body.jaxpr, "debug_info", None), "func_name", None) or eqn.primitive.name
    return str(name).lstrip("_") or eqn.primitive.name


def equation_flops(eqn) -> int:
    """Floating-point operations of an equation, from its shapes: 2·m·n·k for a contraction,
    one per output element otherwise; a call, the sum over its body; a loop, its body times
    its trip count (a while loop's is unknown: once).

    >>> import jax, jax.numpy as jnp
    >>> [equation_flops(e) for e in jax.make_jaxpr(lambda a: jnp.sin(a @ a))(jnp.ones((4, 4))).jaxpr.eqns]
    [128, 16]
    """
    import math

    body = call_body(eqn.params, len(eqn.invars))
    if body is not None:
        return jaxpr_flops(body.jaxpr)
    subs = sub_jaxprs(eqn.params)
    if subs:
        trips = int(eqn.params.get("length", 1) or 1)
        return trips * max(jaxpr_flops(sub) for sub in subs)
    size = sum(math.prod(getattr(v.aval, "shape", ())) for v in eqn.outvars)
    if eqn.primitive.name == "dot_general":
        (contract, _), _ = eqn.params["dimension_numbers"]
        shape = eqn.invars[0].aval.shape
        return 2 * size * math.prod(shape[d] for d in contract)
    return size


_FLOPS: dict[int, tuple] = {}


def jaxpr_flops(jaxpr: jcore.Jaxpr) -> int:
    """The floating-point operations of a whole jaxpr (remembered per jaxpr: the bodies of a
    model's jitted layers are shared by every call)."""
    entry = _FLOPS.get(id(jaxpr))
    if entry is not None and entry[0] is jaxpr:
        return entry[1]
    total = sum(equation_flops(e) for e in jaxpr.eqns)
    if len(_FLOPS) > 100_000:
        _FLOPS.clear()
    _FLOPS[id(jaxpr)] = (jaxpr, total)
    return total


def count_equations(jaxpr: jcore.Jaxpr) -> int:
    """Equations including those inside sub-jaxprs."""
    return sum(1 + sum(count_equations(j) for j in sub_jaxprs(e.params)) for e in jaxpr.eqns)


def nesting_depth(jaxpr: jcore.Jaxpr) -> int:
    """How deep sub-jaxprs nest (0 for a flat jaxpr)."""
    depths = [1 + nesting_depth(j) for e in jaxpr.eqns for j in sub_jaxprs(e.params)]
    return max(depths, default=0)


def iter_equations(jaxpr: jcore.Jaxpr) -> Iterator:
    """All equations, depth first, including those inside sub-jaxprs."""
    for eqn in jaxpr.eqns:
        yield eqn
        for sub in sub_jaxprs(eqn.params):
            yield from iter_equations(sub)


# Params by which a call carries its own derivative rule (custom_jvp_call, custom_vjp_call):
# JAX differentiates such a call by its rule, never by its body.
CUSTOM_RULE_PARAMS = ("jvp_jaxpr_fun", "jvp_jaxpr_thunk", "fwd_jaxpr_thunk", "bwd")


def has_custom_rule(eqn) -> bool:
    """Is this equation a call with a derivative rule of its own (custom_jvp or custom_vjp)?

    >>> import jax
    >>> [has_custom_rule(e) for e in jax.make_jaxpr(lambda x: jax.nn.relu(x) * 2)(1.0).jaxpr.eqns]
    [True, False]
    """
    return any(key in eqn.params for key in CUSTOM_RULE_PARAMS)


def is_backward(eqn) -> bool:
    """Was this equation made by transposition (the reverse sweep of grad/vjp)?"""
    return "transpose" in str(eqn.source_info.name_stack)


def too_large_value(jaxpr: jcore.Jaxpr, at_least: float = 1e7) -> str | None:
    """Words for the largest array a program makes, and where (for a refusal that names the
    array, not an option): "f itself makes an array of shape (50000, 50000, 10) (2.5e+10
    elements, line 1 of <expression>): make it smaller"; None below ``at_least`` elements."""
    import math
    import os

    from .user_code import user_line_of_equation

    best, where_eqn, shape = 0, None, ()
    for eqn in iter_equations(jaxpr):
        for v in eqn.outvars:
            size = math.prod(getattr(v.aval, "shape", ()))
            if size > best:
                best, where_eqn, shape = size, eqn, tuple(getattr(v.aval, "shape", ()))
    if where_eqn is None or best < at_least:
        return None
    found = user_line_of_equation(where_eqn)
    where = ""
    if found:
        name = found[0] if found[0].startswith("<") else os.path.basename(found[0])
        where = f", line {found[1]} of {name}"
    return f"f itself makes an array of shape {shape} ({best:.1e} elements{where}): make it smaller"
