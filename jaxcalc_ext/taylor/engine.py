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

import functools
import math
import warnings
from typing import Any, Callable

import numpy as np

from ..errors import JaxCalcError, UnsupportedPrimitiveError
from ..ready import wait_briefly
# The interpreter, its rules and JAX come with this module (not with `import jaxcalc_ext` or
# `%load_ext`): every function here needs them, and a first call should not pay their import.
from .interpreter import propagate
from .series import Series, constant_series, without_lapack

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


def _as_point(x0: Any, direction: Any):
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
    >>> taylor_coefficients(jnp.sin, 0.0, 5).round(4).tolist()
    [0.0, 1.0, 0.0, -0.1667, 0.0, 0.0083]
    """
    order = check_order(order)
    if method not in METHODS:
        raise JaxCalcError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if not callable(f):
        raise JaxCalcError(f"{f!r} is not a function")
    x0, direction = _as_point(x0, direction)
    if method == "auto":
        try:
            return _run(_taylor_mode, f, order, x0, direction)
        except UnsupportedPrimitiveError as err:
            warnings.warn(f"{err.primitive_name}: no Taylor rule, falling back to nested jvp "
                          "(slow at high order)", RuntimeWarning, stacklevel=2)
            return _run(_nested_jvp, f, order, x0, direction)
    impl = {"taylor": _taylor_mode, "jet": _jet, "nested": _nested_jvp}[method]
    return _run(impl, f, order, x0, direction)


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
def _run(impl, f, order, x0, direction):
    """Trace and run one method, turning tracing mistakes into one clear error."""
    import jax

    try:
        if can_key_cache(f):
            return wait_briefly(_compiled(impl, f, order)(x0, direction))
        return impl(f, order, x0, direction)
    except jax.errors.TracerArrayConversionError:
        raise JaxCalcError(
            "the function calls NumPy on a traced value: use jax.numpy (jnp.sin, not np.sin)") from None
    except (jax.errors.TracerBoolConversionError, jax.errors.ConcretizationTypeError,
            jax.errors.TracerIntegerConversionError):
        raise JaxCalcError(
            "the function uses Python control flow (if/while/int()) on a traced value: "
            "use jnp.where or jax.lax.cond instead") from None


def can_key_cache(f: Callable) -> bool:
    """Whether f can key a cache of compiled programs (a callable object may be unhashable)."""
    try:
        hash(f)
    except TypeError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def _compiled(impl, f, order):
    """One compiled program per (method, function, order), tiered: a quick compile answers
    the first calls, a fully optimised one the repeated calls. jit caches shapes and dtypes."""
    from ..tiered import TieredJit

    program = functools.partial(impl, f, order)
    return TieredJit(program, quick_fn=without_lapack(program))


def _line(f, x0, direction):
    return lambda t: f(x0 + t * direction)


def _taylor_mode(f, order, x0, direction):
    import jax
    import jax.numpy as jnp

    closed, out_shape = jax.make_jaxpr(f, return_shape=True)(x0)
    coeffs = constant_series(x0, order)
    if order >= 1:
        coeffs = coeffs.at[1].set(direction)
    outs = propagate(closed, [Series(coeffs)])
    leaves, tree = jax.tree_util.tree_flatten(out_shape)
    result = []
    for value, shape in zip(outs, leaves):
        c = value.coeffs if isinstance(value, Series) else constant_series(jnp.asarray(value), order)
        result.append(c.astype(shape.dtype) if jnp.issubdtype(shape.dtype, jnp.inexact) else c)
    return jax.tree_util.tree_unflatten(tree, result)


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
