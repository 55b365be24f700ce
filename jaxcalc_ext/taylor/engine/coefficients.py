"""Taylor coefficients of a function along a line, by three interchangeable methods.

``method="taylor"`` is our interpreter (:mod:`.interpreter`): one pass, fixed
program size in the order. ``"jet"`` is ``jax.experimental.jet`` and
``"nested"`` is K nested ``jax.jvp`` (exponential in K), both kept for
comparison. ``"auto"`` (the default) is ``"taylor"``, falling back to
``"nested"`` with a warning for a function using a primitive we have no rule for.

>>> import jax.numpy as jnp
>>> c = taylor_coefficients(jnp.exp, 0.0, 3)
>>> [round(float(v), 4) for v in c]
[1.0, 1.0, 0.5, 0.1667]
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

import jax

from ...core.budget import LIMITS, check, largest_fitting
from ...core.errors import JaxCalcError, JaxCalcWarning, UnsupportedPrimitiveError
from ...core.ready import wait_briefly
# The interpreter, its rules and JAX come with this module (not with `import jaxcalc_ext` or
# `%load_ext`): every function here needs them, and a first call should not pay their import.
from .interpreter import propagate
from .cost import fallback_cost, taylor_pass_cost
from .series import Series, constant_series, recording_removed_orders, without_lapack
from ...core.tracing import ProgramCache, TracedFunction, trace_function

MAX_ORDER = 1000
METHODS = ("auto", "taylor", "jet", "nested")


def check_order(order: Any) -> int:
    """An order must be a whole number between 0 and MAX_ORDER."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise JaxCalcError(f"the order must be a whole number, got {order!r}")
    if order < 0:
        raise JaxCalcError(f"the order must be >= 0, got {order}")
    if order > MAX_ORDER:
        raise JaxCalcError(f"order {order} is too large: the maximum is {MAX_ORDER}")
    return int(order)


def require_concrete(x0: Any, name: str) -> None:
    """Refuse, in one line, a traced point for a function that checks its answer on concrete
    numbers (two sides, rounding, removable singularities) and returns NumPy results.

    >>> import jax
    >>> jax.jit(lambda x: require_concrete(x, "taylor_polynomial") or x)(1.0)
    Traceback (most recent call last):
    ...
    jaxcalc_ext.core.errors.JaxCalcError: taylor_polynomial checks its answer on concrete numbers ...
    """
    import jax

    if any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x0)):
        raise JaxCalcError(f"{name} checks its answer on concrete numbers (both sides of the point, "
                           "rounding) and cannot run inside jax.jit or jax.vmap: call it outside, or use "
                           "taylor_coefficients, derivatives or laplacian, which compose with them")


def as_point(x0: Any, direction: Any):
    """x0 and the direction as float arrays of one dtype (float64 where JAX allows it).

    Concrete inputs stay NumPy arrays (no device round trip per call); JAX arrays and
    tracers stay what they are, so the API works under jit and vmap.
    """
    import jax
    import jax.numpy as jnp

    if direction is None and type(x0) in (float, int):  # the common case, kept cheap for repeated calls
        dtype = jax.dtypes.canonicalize_dtype(np.float64)
        return np.asarray(x0, dtype), np.ones((), dtype)
    xp = jnp if isinstance(x0, jax.Array) else np
    try:
        x0 = xp.asarray(x0)
    except (TypeError, ValueError) as err:
        raise JaxCalcError(f"cannot use {x0!r} as a point: {err}") from None
    if not jnp.issubdtype(x0.dtype, jnp.inexact) or (xp is np and x0.dtype == np.float64):
        # Python floats, NumPy float64 and integers take JAX's default float (float64 under x64).
        x0 = x0.astype(jax.dtypes.canonicalize_dtype(np.float64))
    if direction is None:
        if x0.ndim:
            raise JaxCalcError(
                f"x0 has shape {x0.shape}: give a direction of the same shape "
                "(or use taylor_polynomial for the full multivariate polynomial)")
        direction = xp.ones((), x0.dtype)
    dxp = jnp if isinstance(direction, jax.Array) or xp is jnp else np
    direction = dxp.asarray(direction, x0.dtype)
    if direction.shape != x0.shape:
        raise JaxCalcError(f"the direction has shape {direction.shape} but x0 has shape {x0.shape}")
    return x0, direction


def taylor_coefficients(f: Callable, x0: Any, order: int, *, direction: Any = None,
                        method: str = "auto"):
    """Coefficients ``c[k] = (1/k!) d^k/dt^k f(x0 + t*direction)`` at t = 0, for k = 0..order.

    Returns an array of shape ``(order+1, *output_shape)`` (a pytree of them for
    pytree outputs), in the dtype of ``x0`` (float64 for float64 inputs).

    >>> import jax.numpy as jnp
    >>> [round(float(c), 4) for c in taylor_coefficients(jnp.sin, 0.0, 5)]
    [0.0, 1.0, 0.0, -0.1667, 0.0, 0.0083]
    """
    order = check_order(order)
    if method not in METHODS:
        raise JaxCalcError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if not callable(f):
        raise JaxCalcError(f"{f!r} is not a function")
    x0, direction = as_point(x0, direction)
    traced = trace_function(f, x0)
    coeffs = coefficients_of_traced(traced, x0, order, direction, method)
    _warn_if_lost(traced, x0, order, direction, method, coeffs)
    return coeffs


def _warn_if_lost(traced: TracedFunction, x0, order: int, direction, method: str, coeffs) -> None:
    """The one significance test (:mod:`.sides`) on concrete coefficients: passes along a
    rescaled direction and at x0 moved by one ulp measure their rounding; orders lost to it
    are warned about (the array is returned as computed, so this composes with everything
    that expects one). Under jit or vmap nothing is concrete and nothing is checked."""
    from .sides import SKEW, first_lost_order, lost_message, rounding_error, rounding_estimate, shift_noise, shifted_points

    leaves = jax.tree_util.tree_leaves(coeffs)
    if order < 1 or len(leaves) != 1 or any(isinstance(v, jax.core.Tracer) for v in (x0, direction, leaves[0])):
        return
    c = np.asarray(leaves[0])
    if not np.issubdtype(c.dtype, np.floating) or not np.all(np.isfinite(c)):
        return

    def run(at, scale):
        out = np.asarray(jax.tree_util.tree_leaves(coefficients_of_traced(
            traced, at, order, direction * np.asarray(scale, np.asarray(direction).dtype), method))[0])
        return out

    with warnings.catch_warnings():   # the fallback's note was given once already
        warnings.simplefilter("ignore", JaxCalcWarning)
        spread = rounding_error(c, run(x0, SKEW), SKEW)
        for moved in shifted_points(np.asarray(x0), c):
            spread = np.maximum(spread, shift_noise(c, run(moved.astype(np.asarray(x0).dtype), 1.0)))
    lost_from = first_lost_order(c, rounding_estimate(spread))
    if lost_from is not None:
        where = f"x0 = {np.asarray(x0).tolist()}"
        warnings.warn(lost_message(lost_from, where, c.dtype), JaxCalcWarning, stacklevel=3)


def coefficients_of_traced(traced: TracedFunction, x0, order: int, direction, method: str = "auto"):
    """:func:`taylor_coefficients` of a function already traced at x0 (the user's Python does not
    run again): along other directions, or to other orders, of one request."""
    if method not in METHODS:
        raise JaxCalcError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if method == "auto":
        try:
            return _run("taylor", traced, order, x0, direction)
        except UnsupportedPrimitiveError as err:
            _check_jax_can("nested", traced, x0, direction, missing=err)
            _check_cost(traced, order, "nested", fallback_from=err.primitive_name)
            warnings.warn(f"{err.primitive_name}: no Taylor rule, falling back to nested jvp "
                          "(slow at high order)", JaxCalcWarning, stacklevel=2)
            return _run("nested", traced, order, x0, direction)
    if method in ("nested", "jet") and order >= 1:
        _check_jax_can(method, traced, x0, direction)
    return _run(method, traced, order, x0, direction)


def _check_jax_can(method: str, traced: TracedFunction, x0, direction,
                   missing: UnsupportedPrimitiveError | None = None) -> None:
    """Ask JAX, before anything runs, whether its own forward mode (``jax.jvp``, or
    ``jax.experimental.jet``) goes through the traced program: a primitive without a JVP rule
    (``jax.pure_callback``), a ``custom_vjp`` function (reverse mode only), a loop jet has no
    rule for. Refuse in one line naming it, instead of failing deep inside JAX."""
    import jax.numpy as jnp

    # two nested levels: forward mode over a custom_vjp's linearization fails only at the second
    program = {"nested": _nested_program, "jet": _jet_program}[method](traced, 2)
    try:
        jax.eval_shape(program, traced.consts, x0, direction)
    except JaxCalcError:
        raise
    except Exception as err:   # JAX refused: NotImplementedError, KeyError (jet's table), ...
        reason = " ".join(str(err).strip().split("\n")[0].split()) or type(err).__name__
        if isinstance(err, KeyError):
            reason = f"jax.experimental.jet has no rule for '{reason.strip(repr(chr(39)))}'"
        name = "nested jax.jvp" if method == "nested" else "jax.experimental.jet"
        if missing is not None:
            at = f" ({missing.where})" if missing.where else ""
            raise JaxCalcError(f"the Taylor engine has no rule for '{missing.primitive_name}'{at}, and JAX's "
                               f"forward mode cannot differentiate this function either ({reason}): it has no "
                               "Taylor series that either can compute") from None
        raise JaxCalcError(f"{name} cannot differentiate this function: {reason}; use the default method "
                           "(the Taylor engine)") from None


def derivatives(f: Callable, x0: Any, order: int, *, direction: Any = None, method: str = "auto"):
    """Directional derivatives ``f, f', f'', ...`` at x0: ``k! * c[k]``.

    >>> import jax.numpy as jnp
    >>> derivatives(lambda x: x**3, 2.0, 3).tolist()
    [8.0, 12.0, 12.0, 6.0]
    """
    import jax

    coeffs = taylor_coefficients(f, x0, order, direction=direction, method=method)
    order = check_order(order)
    factorials = np.array([math.factorial(k) for k in range(order + 1)], dtype=float)

    def scale(c):
        return c * factorials.reshape((-1,) + (1,) * (c.ndim - 1)).astype(c.dtype)

    return jax.tree_util.tree_map(scale, coeffs)


# ---------------------------------------------------------------- running a method
def _run(method, traced: TracedFunction, order, x0, direction):
    """Check what the request costs, then run the compiled program for what was traced."""
    _check_cost(traced, order, method)
    program = compiled_program(method, traced, order)  # evaluates the jaxpr: user code ran once, above
    return wait_briefly(program(traced.consts, x0, direction))


def _check_cost(traced: TracedFunction, order: int, method: str, fallback_from: str | None = None,
                passes: int = 1, directions: int = 1) -> None:
    """Refuse, before compiling, a request over the memory or time limit; name one that fits."""
    seen = (traced.key, order, method, passes, directions, LIMITS.memory_bytes, LIMITS.seconds)
    if seen in _WITHIN_BUDGET:
        return
    if method in ("taylor", "auto"):
        def cost(k):
            return taylor_pass_cost(traced.jaxpr, k, directions, what=f"order {k}{_program_size(traced)}",
                                    passes=passes)
    else:
        def cost(k):
            return fallback_cost(traced.jaxpr, k, method)

    def suggestion():
        from ...core.jaxpr import too_large_value

        best = largest_fitting(cost, 0, order)
        if best is None:
            return too_large_value(traced.jaxpr) or ("no order fits: the program itself is too large for "
                                                      "the time limit; simplify it or raise the limit")
        fitting = f"order <= {best} fits"
        if fallback_from:
            return (f"{fitting}; '{fallback_from}' has no Taylor rule, so this runs as nested jvp, "
                    "whose cost grows exponentially with the order")
        return fitting

    check(cost(order), suggestion)
    _WITHIN_BUDGET[seen] = True
    if len(_WITHIN_BUDGET) > _PROGRAM_CACHE_SIZE:
        _WITHIN_BUDGET.pop(next(iter(_WITHIN_BUDGET)))


_WITHIN_BUDGET: dict = {}


def _program_size(traced: TracedFunction) -> str:
    """ " of a 10,000-equation program" where the program's size is what costs."""
    from .cost import EAGER_MIN_EQUATIONS, program_profile

    equations = program_profile(traced.jaxpr).equations
    return f" of a {equations:,}-equation program" if equations > EAGER_MIN_EQUATIONS else ""


_PROGRAM_CACHE_SIZE = 64   # compiled programs hold machine code: a long session keeps the recent ones
_PROGRAMS = ProgramCache(_PROGRAM_CACHE_SIZE)


def compiled_program(method: str, traced: TracedFunction, order: int, batched: bool | str = False):
    """One compiled program per (method, traced jaxpr, order), tiered: a quick compile answers
    the first calls, a fully optimised one the repeated calls; a program too large to compile
    with profit is interpreted (:class:`~jaxcalc_ext.core.tiered.Interpreted`). It takes
    ``(consts, x0, direction)``; with ``batched`` the direction has a leading batch axis, with
    ``batched="points"`` x0 and the direction both do (a pass at several points at once)."""
    from ...core.tiered import Interpreted, TieredJit
    from .cost import program_profile

    def build():
        make = {"taylor": _taylor_program, "jet": _jet_program, "nested": _nested_program}[method]
        fn = make(traced, order)
        if batched:
            # Batched LAPACK triangular solves deadlock XLA's CPU runtime on this jaxlib (seen at
            # order 150 with 32 to 232 directions: every thread waiting, none running), so
            # batched programs solve by forward substitution in both tiers.
            fn = without_lapack(jax.vmap(fn, in_axes=(None, 0 if batched == "points" else None, 0)))
        if method == "taylor" and program_profile(traced.jaxpr).runs_eagerly:
            return Interpreted(_one_by_one(fn))
        return TieredJit(fn, quick_fn=without_lapack(fn))

    return _PROGRAMS.get((method, traced.key, order, batched), build)


def _one_by_one(fn):
    """``fn`` run with its equations interpreted one by one (see :mod:`.interpreter`)."""
    from .interpreter import one_equation_at_a_time

    def run(*args):
        with one_equation_at_a_time():
            return fn(*args)
    return run


def coefficients_at_many(traced: TracedFunction, points, directions, order: int, method: str = "auto") -> np.ndarray:
    """The coefficients at several (point, direction) pairs of one request, in one pass of one
    program (one interpreted pass for a large program, instead of one per pair): the passes
    the two-sided and rounding checks need. Shape ``(pairs, order + 1, *output)``."""
    points, directions = np.asarray(points), np.asarray(directions)
    if method not in ("auto", "taylor") or len(traced.out_shapes) != 1:
        return np.stack([np.asarray(jax.tree_util.tree_leaves(coefficients_of_traced(traced, p, order, d, method))[0])
                         for p, d in zip(points, directions)])
    try:
        _check_cost(traced, order, "taylor", directions=len(points))
        program = compiled_program("taylor", traced, order, batched="points")
        return np.asarray(jax.tree_util.tree_leaves(wait_briefly(program(traced.consts, points, directions)))[0])
    except UnsupportedPrimitiveError:   # the fallback, one pair at a time
        return np.stack([np.asarray(jax.tree_util.tree_leaves(coefficients_of_traced(traced, p, order, d, method))[0])
                         for p, d in zip(points, directions)])


def _line(f, x0, direction):
    return lambda t: f(x0 + t * direction)


def _taylor_program(traced: TracedFunction, order: int):
    def program(consts, x0, direction):
        return _series_through(traced, consts, order, x0, direction)
    return program


def _jet_program(traced: TracedFunction, order: int):
    return lambda consts, x0, direction: _jet(traced.as_function(consts), order, x0, direction)


def _nested_program(traced: TracedFunction, order: int):
    return lambda consts, x0, direction: _nested_jvp(traced.as_function(consts), order, x0, direction)


def _series_through(traced: TracedFunction, consts, order, x0, direction):
    import jax.numpy as jnp

    coeffs = constant_series(x0, order)
    if order >= 1:
        coeffs = coeffs.at[1].set(direction)
    with recording_removed_orders() as removed:
        outs = propagate(traced.with_consts(consts), [Series(coeffs)])
    result = []
    for value, shape in zip(outs, traced.out_shapes):
        c = value.coeffs if isinstance(value, Series) else constant_series(jnp.asarray(value), order)
        if removed and jnp.issubdtype(c.dtype, jnp.inexact):
            # Orders a cancelled division could not know are NaN: sides.recovering_lost_orders
            # asks for more (each division may lose its own, so their losses add up).
            known = order - sum(removed)
            k = jnp.arange(order + 1).reshape((-1,) + (1,) * (c.ndim - 1))
            c = jnp.where(k > known, jnp.nan, c)
        result.append(c.astype(shape.dtype) if jnp.issubdtype(shape.dtype, jnp.inexact) else c)
    return jax.tree_util.tree_unflatten(traced.out_tree, result)


def taylor_mode(f, order, x0, direction):
    """Taylor mode through f traced at x0 (usable inside jit and vmap)."""
    traced = trace_function(f, x0)
    return _series_through(traced, traced.consts, order, x0, direction)


def _jet(f, order, x0, direction):
    import jax
    import jax.numpy as jnp
    from jax.experimental import jet

    if order == 0:
        return jax.tree_util.tree_map(lambda y: jnp.asarray(y)[None], f(x0))
    terms = [direction] + [jnp.zeros_like(x0)] * (order - 1)
    primal, series = jet.jet(f, (x0,), (terms,))
    inv = np.array([1 / math.factorial(k) for k in range(1, order + 1)])
    return jax.tree_util.tree_map(
        lambda p, s: jnp.concatenate(
            [jnp.asarray(p)[None], jnp.stack(s) * inv.reshape((-1,) + (1,) * jnp.ndim(p)).astype(jnp.asarray(p).dtype)]),
        primal, list(series) if not isinstance(series, list) else series)


def _nested_jvp(f, order, x0, direction):
    import jax
    import jax.numpy as jnp

    g = _line(f, x0, direction)
    t0 = jnp.zeros((), x0.dtype)
    derivs = [g]
    for _ in range(order):
        prev = derivs[-1]
        derivs.append(lambda t, prev=prev: jax.jvp(prev, (t,), (jnp.ones_like(t),))[1])
    values = [d(t0) for d in derivs]
    return jax.tree_util.tree_map(
        lambda *vs: jnp.stack([v / math.factorial(k) for k, v in enumerate(vs)]), *values)
