"""A function traced once at a point: its jaxpr, its constants, and a key for compiled programs.

Compiled programs are cached by what was traced, never by the Python function object: the
key is a fingerprint of the jaxpr (primitives, params, literals, shapes and dtypes of every
value, sub-jaxprs and their constants included) and of the input's shape and dtype. Arrays
the function closes over are the jaxpr's constants; they are passed to the compiled program
as arguments, so new values in them are seen at once without a recompile, and a changed
Python number (a global ``a = 3.0``, a default argument, an attribute) changes a literal,
hence the key. The function is traced afresh on every call (JAX's own tracing cache is keyed
on the function object, so it would return the old program); for a small function that costs
about half a millisecond.

>>> import jax.numpy as jnp
>>> a = 1.0
>>> def f(x):
...     return jnp.exp(-a * x ** 2)
>>> first = trace_function(f, jnp.zeros(()))
>>> a = 3.0
>>> trace_function(f, jnp.zeros(())).key == first.key
False
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import jax
import numpy as np
from jax.extend import core as jcore

from .collection import collector_paused
from .errors import JaxCalcError, JaxCalcException
from .user_code import mark_raised_by_user


@dataclass(frozen=True, eq=False)
class TracedFunction:
    """``f`` traced at one input shape and dtype."""

    closed: jcore.ClosedJaxpr
    out_tree: Any
    out_shapes: tuple            # ShapeDtypeStructs of the flat outputs
    key: tuple                   # what the compiled programs are cached by

    @property
    def jaxpr(self) -> jcore.Jaxpr:
        return self.closed.jaxpr

    @property
    def consts(self) -> list:
        return list(self.closed.consts)

    def with_consts(self, consts) -> jcore.ClosedJaxpr:
        """The same program with other (possibly traced) constants."""
        return jcore.ClosedJaxpr(self.closed.jaxpr, list(consts))

    def as_function(self, consts) -> Callable:
        """``x -> f(x)`` (the output pytree) evaluating the jaxpr with ``consts``."""
        run = jcore.jaxpr_as_fun(self.with_consts(consts))

        def evaluate(x):
            return jax.tree_util.tree_unflatten(self.out_tree, run(x))
        return evaluate


@dataclass(frozen=True)
class WithUpdates:
    """What a function that updates its arguments in place gives back, as a graph or a jaxpr
    shows it: its result, and each argument leaf it replaced (an NNX module's parameters after
    ``optimizer.update(model, grads)``, its optimizer's state), by name."""

    result: Any
    updates: tuple
    names: tuple


jax.tree_util.register_pytree_with_keys(
    WithUpdates,
    lambda w: (((jax.tree_util.GetAttrKey("result"), w.result), (jax.tree_util.GetAttrKey("updates"), w.updates)),
               w.names),
    lambda names, children: WithUpdates(children[0], tuple(children[1]), names))


def capturing_updates(f: Callable, names: list[str]) -> Callable:
    """``f`` that also returns the leaves of its arguments it replaced in place (a Flax NNX
    ``train_step`` updating ``model`` and ``optimizer``), named by ``names`` (one per argument)
    and the leaf's path: in-place updates are outputs of the step. The arguments it mutates are
    the copies the tracer built, never the user's objects.

    >>> class Box:
    ...     def __init__(self, v): self.v = v
    >>> jax.tree_util.register_pytree_with_keys(Box, lambda b: (((jax.tree_util.GetAttrKey("v"), b.v),), None),
    ...                                         lambda _, c: Box(c[0]))
    >>> def step(box):
    ...     box.v = box.v * 2
    ...     return 0.0
    >>> out = capturing_updates(step, ["box"])(Box(jax.numpy.ones(2)))
    >>> out.names, out.updates[0].tolist()
    (('box.v',), [2.0, 2.0])
    """
    from .paths import readable_path

    def run(*args):
        before = [jax.tree_util.tree_flatten_with_path(a)[0] for a in args]
        result = f(*args)
        updates, named = [], []
        for i, (arg, leaves) in enumerate(zip(args, before)):
            old = {path: leaf for path, leaf in leaves}
            for path, leaf in jax.tree_util.tree_flatten_with_path(arg)[0]:
                if path in old and leaf is not old[path] and _is_array_leaf(leaf):
                    updates.append(leaf)
                    named.append((names[i] if i < len(names) else f"arg{i}") + readable_path(path))
        return WithUpdates(result, tuple(updates), tuple(named)) if updates else result

    for attribute in ("__name__", "__qualname__"):
        if hasattr(f, attribute):
            setattr(run, attribute, getattr(f, attribute))
    run.__wrapped__ = f
    return run


class ProgramCache:
    """Compiled programs by key, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._programs: OrderedDict = OrderedDict()

    def get(self, key, build: Callable[[], Any]):
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = build()
            while len(self._programs) > self.size:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(key)
        return program

    def __len__(self) -> int:
        return len(self._programs)


@contextlib.contextmanager
def tracing_mistakes() -> Iterator[None]:
    """The mistakes JAX finds while tracing a user's function, as one clear :class:`JaxCalcError`
    each: the same words from every tracer (the Taylor engine's and the graph builder's).

    >>> import math
    >>> with tracing_mistakes():
    ...     jax.make_jaxpr(lambda x: math.sin(x))(1.0)
    Traceback (most recent call last):
    ...
    jaxcalc_ext.core.errors.JaxCalcError: the function turns a traced value into a Python float ...
    """
    try:
        yield
    except jax.errors.TracerArrayConversionError:
        raise JaxCalcError(
            "the function calls NumPy on a traced value: use jax.numpy (jnp.sin, not np.sin)") from None
    except (jax.errors.TracerBoolConversionError, jax.errors.ConcretizationTypeError,
            jax.errors.TracerIntegerConversionError) as err:
        if "`float` function" in str(err) or "`complex` function" in str(err):
            raise JaxCalcError("the function turns a traced value into a Python float (math.sin, float(x)): "
                               "use jax.numpy functions (jnp.sin)") from None
        raise JaxCalcError(
            "the function uses Python control flow (if/while/int()) on a traced value: "
            "use jnp.where or jax.lax.cond instead") from None


def trace_function(f: Callable, x) -> TracedFunction:
    """Trace ``f(x)`` afresh (abstractly: nothing runs) and key it by its jaxpr: the Taylor
    engine's entry. Tracing mistakes become one clear :class:`JaxCalcError`."""
    closed, tree, shapes = trace(f, x)
    if not shapes:
        raise JaxCalcError("the function returns nothing (None): return its value")
    for shape in shapes:
        if not jax.numpy.issubdtype(shape.dtype, jax.numpy.inexact):
            raise JaxCalcError(f"the function returns {shape.dtype} values: derivatives need a floating-point "
                               "result (a comparison or an integer cast is constant almost everywhere)")
    return TracedFunction(closed, tree, shapes, (fingerprint(closed.jaxpr), tree))


def _is_array_leaf(leaf) -> bool:
    return isinstance(leaf, (jax.Array, np.ndarray, np.generic, int, float, complex))


def call_users_function(f: Callable, *args):
    """``f(*args)``, where anything ``f`` raises (any class: a ``KeyboardInterrupt`` or a
    ``BaseException`` of its own included) is marked as the user's, to be worded in one line by
    the magics; the library lets it propagate unchanged, as Python would."""
    try:
        return f(*args)
    except JaxCalcException:
        raise
    except BaseException as err:
        mark_raised_by_user(err, getattr(f, "__name__", None) or type(f).__name__)
        raise


def trace(f: Callable, *args, static_outputs: bool = False) -> tuple[jcore.ClosedJaxpr, Any, tuple]:
    """The one tracer: ``f(*args)`` traced afresh (a new wrapper each time, so no tracing cache
    can hand back an old program) into ``(closed_jaxpr, out_tree, flat_out_shapes)``.

    Every feature traces through here (the Taylor engine, the graph builder, ``%jaxpr``), so a
    mistake gets the same words everywhere (:func:`tracing_mistakes`), and an argument JAX
    cannot trace (a function inside a model) names the fix. With ``static_outputs`` the leaves
    of the output that are not arrays (a module's name, an activation function) are held static,
    as ``eqx.filter_jit`` returns them; otherwise they are refused.

    JAX's own tracer entry point (``pe.trace_to_jaxpr_dynamic``) is about twice as fast as
    ``jax.make_jaxpr`` (no jit wrapper, no cache look-up); under an outer trace (the user's
    jit), or if a JAX release moves it, we use ``make_jaxpr``.

    >>> closed, tree, shapes = trace(lambda x, y: x * y, jax.numpy.ones(3), jax.numpy.ones(3))
    >>> [e.primitive.name for e in closed.jaxpr.eqns], shapes[0].shape
    (['mul'], (3,))
    """
    out_tree = []
    leaves, args_tree = jax.tree_util.tree_flatten(args)

    def flat(*leaves):
        result = call_users_function(f, *jax.tree_util.tree_unflatten(args_tree, leaves))
        if static_outputs:   # as eqx.filter_jit: what is not an array is returned as it is, untraced
            result = jax.tree_util.tree_map(lambda leaf: leaf if _is_array_leaf(leaf) else None, result)
        out, tree = jax.tree_util.tree_flatten(result)
        for leaf in out:
            if not _is_array_leaf(leaf):
                raise JaxCalcError(f"the function returns a {type(leaf).__name__}, not a number or an "
                                   "array: return a float")
        out_tree.append(tree)
        return out

    with tracing_mistakes(), _arguments_jax_cannot_trace(), collector_paused():
        dynamic = _dynamic_tracer()
        if dynamic is not None and not any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
            closed, shapes = dynamic(flat, leaves)
        else:
            closed, shapes = jax.make_jaxpr(flat, return_shape=True)(*leaves)
    return closed, out_tree[0], tuple(jax.ShapeDtypeStruct(s.shape, s.dtype) for s in shapes)


@contextlib.contextmanager
def _arguments_jax_cannot_trace() -> Iterator[None]:
    try:
        yield
    except TypeError as err:
        message = " ".join(str(err).split("\n")[0].split()).rstrip(".")
        if "is not a valid JAX type" in message or "of type <class 'function'>" in message:
            raise JaxCalcError(f"calling the function on these arguments failed: {message}; a transformation "
                               "such as jax.grad takes arrays only: for a model with functions or flags "
                               "inside (an Equinox module) use eqx.filter_grad, or split it with "
                               "eqx.partition") from None
        raise


@functools.cache
def _dynamic_tracer() -> Callable | None:
    """JAX's own tracer entry point, or None if this JAX release moved it (checked once, so a
    user's own TypeError is never mistaken for a missing API)."""
    try:
        from jax._src import api_util, core
        from jax._src import linear_util as lu
        from jax._src.interpreters import partial_eval as pe

        abstractify = getattr(core, "shaped_abstractify", None) or api_util.shaped_abstractify
        api_util.debug_info, lu.wrap_init, pe.trace_to_jaxpr_dynamic  # noqa: B018
    except (ImportError, AttributeError):
        return None

    def trace_flat(flat: Callable, leaves: list):
        avals = [abstractify(leaf) for leaf in leaves]
        debug = api_util.debug_info("jaxcalc_ext", flat, tuple(leaves), {})
        jaxpr, out_avals, consts = pe.trace_to_jaxpr_dynamic(lu.wrap_init(flat, debug_info=debug), avals)
        return jcore.ClosedJaxpr(jaxpr, consts), out_avals

    return trace_flat


def fingerprint(jaxpr: jcore.Jaxpr) -> tuple:
    """Everything that decides what a jaxpr computes, as a hashable tuple compared exactly by a
    dict look-up (no digest, so no collisions). Top-level constants are keyed by their shape
    and dtype only: their values are the compiled program's arguments."""
    names: dict = {}

    def atom(v):
        if isinstance(v, jcore.Literal):
            return ("literal", repr(v.val), v.aval)
        return names.setdefault(v, len(names))

    parts: list = [tuple(v.aval for v in jaxpr.constvars), tuple(v.aval for v in jaxpr.invars)]
    for v in (*jaxpr.constvars, *jaxpr.invars):
        atom(v)
    for eqn in jaxpr.eqns:
        params = tuple((k, _param_key(p)) for k, p in eqn.params.items()) if eqn.params else ()
        parts.append((eqn.primitive.name, tuple(atom(v) for v in eqn.invars),
                      tuple(v.aval for v in eqn.outvars), params))
        for v in eqn.outvars:
            atom(v)
    parts.append(tuple(atom(v) for v in jaxpr.outvars))
    return tuple(parts)


def equation_key(eqn) -> tuple:
    """What decides what one equation computes, as a hashable tuple: its primitive, its params
    (sub-jaxprs by fingerprint) and the shapes and dtypes of its operands."""
    params = tuple((k, _param_key(p)) for k, p in eqn.params.items()) if eqn.params else ()
    operands = tuple(("literal", repr(v.val)) if isinstance(v, jcore.Literal) else v.aval for v in eqn.invars)
    return (eqn.primitive.name, params, operands)


def _param_key(p) -> Any:
    if isinstance(p, jcore.ClosedJaxpr):   # inner constants are baked in: key them by value
        return (fingerprint(p.jaxpr), tuple(_value_key(c) for c in p.consts))
    if isinstance(p, jcore.Jaxpr):
        return fingerprint(p)
    if isinstance(p, (tuple, list)):
        return tuple(_param_key(q) for q in p)
    if callable(p) and not isinstance(p, type):
        return ("callable", getattr(p, "__qualname__", type(p).__name__))
    if isinstance(p, (str, int, float, bool, type(None), np.dtype)):
        return p
    return repr(p)


def _value_key(c) -> Any:
    try:
        array = np.asarray(c)
    except Exception:  # a tracer or an opaque object: it cannot be keyed by value
        return ("object", id(c))
    return (array.shape, str(array.dtype), hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest())
