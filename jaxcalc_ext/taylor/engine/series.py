"""Truncated Taylor series as arrays, and the vectorised series algebra the rules use.

A series of order K for a value of shape ``s`` is an array of shape ``(K+1, *s)``
holding the *unscaled* Taylor coefficients ``x_k = x^(k)(0) / k!`` of ``x(t)``.
No factorials are ever formed, so high orders neither overflow nor lose precision.

Every routine here is a fixed-size program in K: multiplication is a product with
a lower-triangular Toeplitz matrix, and the ODE recurrences of the elementary
functions are one triangular solve, so tracing and compiling cost does not grow
with the order (unlike unrolling a Python loop per coefficient).

>>> import jax.numpy as jnp
>>> x = jnp.array([1.0, 1.0, 0.0])            # x(t) = 1 + t
>>> cauchy_product(x, x).tolist()             # (1 + t)^2 = 1 + 2t + t^2
[1.0, 2.0, 1.0]
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
from dataclasses import dataclass
from typing import Callable, Iterator

import jax
import jax.numpy as jnp
from jax import lax


@dataclass(frozen=True)
class Series:
    """A value that depends on t, as its coefficients ``(K+1, *shape)``."""

    coeffs: jax.Array

    @property
    def primal(self) -> jax.Array:
        return self.coeffs[0]

    @property
    def order(self) -> int:
        return self.coeffs.shape[0] - 1


def constant_series(value: jax.Array, order: int, dtype=None) -> jax.Array:
    """Coefficients of a value that does not depend on t: ``[value, 0, 0, ...]``."""
    value = jnp.asarray(value, dtype)
    zeros = jnp.zeros((order,) + value.shape, value.dtype)
    return jnp.concatenate([value[None], zeros], axis=0)


def _k(order: int, dtype) -> jax.Array:
    """The index vector 0..K shaped to broadcast over a series ``(K+1, 1, ..., 1)``."""
    return jnp.arange(order + 1, dtype=dtype)


def _bcast(v: jax.Array, ndim: int) -> jax.Array:
    return v.reshape(v.shape + (1,) * (ndim - 1))


def derivative(x: jax.Array) -> jax.Array:
    """Coefficients of dx/dt, truncated to the same length: ``(k+1) x_{k+1}``, last one 0."""
    order = x.shape[0] - 1
    scaled = x[1:] * _bcast(_k(order, x.real.dtype)[1:].astype(x.dtype), x.ndim)
    return jnp.concatenate([scaled, jnp.zeros_like(x[:1])], axis=0)


def _toeplitz_indices(n: int):
    """Gather indices into ``[0]*(n-1) + x`` giving ``x_{k-m}`` below the diagonal and 0 above."""
    import numpy as np

    return (n - 1) + np.arange(n)[:, None] - np.arange(n)[None, :]


def toeplitz(x: jax.Array) -> jax.Array:
    """Lower-triangular Toeplitz matrices of x: ``T[..., k, m] = x_{k-m}`` for m <= k, else 0.

    The batch axes come first: the result has shape ``(*shape, K+1, K+1)``. One pad and one
    gather with constant indices, so the traced program stays small.
    """
    n = x.shape[0]
    padded = jnp.concatenate([jnp.zeros((n - 1,) + x.shape[1:], x.dtype), x], axis=0)
    gathered = padded[_toeplitz_indices(n)]  # (K+1, K+1, *shape)
    if x.ndim == 1:
        return gathered
    return jnp.moveaxis(gathered, (0, 1), (-2, -1))


def _matvec(matrix: jax.Array, x: jax.Array) -> jax.Array:
    """``(*shape, K+1, K+1) @ (K+1, *shape) -> (K+1, *shape)``."""
    return jnp.moveaxis(jnp.einsum("...km,...m->...k", matrix, jnp.moveaxis(x, 0, -1)), -1, 0)


def broadcast_series(*coeffs: jax.Array) -> list[jax.Array]:
    """Broadcast series ``(K+1, *shape_i)`` to a common shape, the order axis kept first
    (a scalar series against an array series, as ``lax.max(x, 0.0)`` does for values)."""
    shape = jnp.broadcast_shapes(*(c.shape[1:] for c in coeffs))
    return [jnp.broadcast_to(c.reshape((c.shape[0],) + (1,) * (len(shape) - c.ndim + 1) + c.shape[1:]),
                             (c.shape[0],) + shape) for c in coeffs]


def cauchy_product(a: jax.Array, b: jax.Array) -> jax.Array:
    """Coefficients of a(t) b(t): ``c_k = sum_{m<=k} a_{k-m} b_m``."""
    a, b = broadcast_series(a, b)
    return _matvec(toeplitz(a), b)


# Whether solve_lower runs forward substitution in XLA ops instead of LAPACK (see without_lapack).
_WITHOUT_LAPACK: contextvars.ContextVar[bool] = contextvars.ContextVar("without_lapack", default=False)


def without_lapack(fn: Callable) -> Callable:
    """``fn`` traced with every triangular solve written as a loop of XLA ops, not a LAPACK call.

    A program to run once: the first LAPACK call of a process loads SciPy (about 0.2 s) and
    compiling the loop costs less than that; LAPACK is faster for repeated calls.

    >>> import jax, jax.numpy as jnp
    >>> geometric = without_lapack(lambda u: divide(u, jnp.array([1.0, -1.0, 0.0])))
    >>> jax.jit(geometric)(jnp.array([1.0, 0.0, 0.0])).tolist()    # 1 / (1 - t)
    [1.0, 1.0, 1.0]
    """
    @functools.wraps(fn)
    def traced_without_lapack(*args, **kwargs):
        token = _WITHOUT_LAPACK.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            _WITHOUT_LAPACK.reset(token)
    return traced_without_lapack


def _forward_substitution(matrix: jax.Array, rhs: jax.Array) -> jax.Array:
    """``solve_lower`` as a loop over the rows, in plain XLA ops (no LAPACK, no SciPy)."""
    r = jnp.moveaxis(rhs, 0, -1)                              # (*shape, K+1)
    diagonal = jnp.diagonal(matrix, axis1=-2, axis2=-1)       # (*shape, K+1)
    last = r.ndim - 1

    def solve_row(k, y):                                      # y_m = 0 for m >= k so far
        row = lax.dynamic_index_in_dim(matrix, k, axis=matrix.ndim - 2, keepdims=False)
        y_k = (lax.dynamic_index_in_dim(r, k, axis=last, keepdims=False) - jnp.sum(row * y, axis=-1)) \
            / lax.dynamic_index_in_dim(diagonal, k, axis=last, keepdims=False)
        return lax.dynamic_update_index_in_dim(y, y_k, k, axis=last)

    y = lax.fori_loop(0, r.shape[-1], solve_row, jnp.zeros_like(r))
    return jnp.moveaxis(y, -1, 0)


def solve_lower(matrix: jax.Array, rhs: jax.Array) -> jax.Array:
    """Solve ``matrix @ y = rhs`` for lower-triangular matrices ``(*shape, K+1, K+1)``."""
    if _WITHOUT_LAPACK.get():
        return _forward_substitution(matrix, rhs)
    rhs_last = jnp.moveaxis(rhs, 0, -1)[..., None]
    y = jax.lax.linalg.triangular_solve(matrix, rhs_last, left_side=True, lower=True)
    return jnp.moveaxis(y[..., 0], -1, 0)


def divide(a: jax.Array, b: jax.Array) -> jax.Array:
    """Coefficients of a(t) / b(t): solve ``T(b) y = a``."""
    a, b = broadcast_series(a, b)
    return solve_lower(toeplitz(b), a)


def _leading_zeros(x: jax.Array) -> jax.Array:
    """Per element, the number of leading zero coefficients (K+1 for the zero series)."""
    nonzero = x != 0
    return jnp.where(jnp.any(nonzero, axis=0), jnp.argmax(nonzero, axis=0), x.shape[0])


# Removable singularities: a division records how many top orders it could not know, and
# the Taylor program (engine._series_through) marks them NaN in its outputs only, where
# no product can spread them. Inside loops and branches nothing is recorded (a traced
# value would leak out of their bodies), and 0/0 there stays NaN: refused, never wrong.
_REMOVED: contextvars.ContextVar[list | None] = contextvars.ContextVar("removed_orders", default=None)


@contextlib.contextmanager
def recording_removed_orders() -> Iterator[list]:
    """Collect, while tracing a Taylor pass, the orders lost by cancelled divisions."""
    record: list = []
    token = _REMOVED.set(record)
    try:
        yield record
    finally:
        _REMOVED.reset(token)


def removed_orders_record() -> list | None:
    """The list the current pass records removed orders in, or None."""
    return _REMOVED.get()


@contextlib.contextmanager
def not_recording_removed_orders() -> Iterator[None]:
    token = _REMOVED.set(None)
    try:
        yield
    finally:
        _REMOVED.reset(token)


def divide_removable(a: jax.Array, b: jax.Array) -> jax.Array:
    """a(t) / b(t) where b may vanish at t = 0: a common factor t^m cancels (a removable
    singularity such as sin(t)/t). The m highest coefficients would need terms beyond
    order K: they are zero here and m is recorded (:func:`recording_removed_orders`), so the
    caller can mark them and ask for a higher order. Where b vanishes faster than a, or
    when nothing records, the result is not finite (a pole, or 0/0).

    >>> import jax.numpy as jnp
    >>> with recording_removed_orders() as lost:
    ...     q = divide_removable(jnp.array([0.0, 1.0, 0.0, -1/6]), jnp.array([0.0, 1.0, 0.0, 0.0]))
    >>> [round(float(c), 6) for c in q], [int(m) for m in lost]
    ([1.0, 0.0, -0.166667, 0.0], [1])
    """
    record = _REMOVED.get()
    if record is None:
        return divide(a, b)
    a, b = broadcast_series(a, b)
    lead_b = _leading_zeros(b)
    shift = jnp.where((lead_b > 0) & (lead_b < b.shape[0]) & (_leading_zeros(a) >= lead_b), lead_b, 0)
    rows = _bcast(jnp.arange(b.shape[0]), b.ndim) + shift
    inside = rows < b.shape[0]
    rows = jnp.minimum(rows, b.shape[0] - 1)
    a_shifted = jnp.where(inside, jnp.take_along_axis(a, rows, axis=0), 0)
    b_shifted = jnp.where(inside, jnp.take_along_axis(b, rows, axis=0), 0)
    record.append(jnp.max(shift, initial=0))
    return jnp.where(inside, divide(a_shifted, b_shifted), 0)


def solve_linear_ode(y0: jax.Array, a: jax.Array | None, b: jax.Array | None,
                     c: jax.Array | None, like: jax.Array) -> jax.Array:
    """Series y with ``y(0) = y0`` and ``a y' = b y + c`` (a, b, c series; None means 1, 0, 0).

    Matching the coefficient of t^(k-1) for k = 1..K gives one lower-triangular
    system: ``sum_m a_{k-m} m y_m - sum_m b_{k-1-m} y_m = c_{k-1}``, with row 0 ``y_0 = y0``.
    """
    import numpy as np

    order = like.shape[0] - 1
    dtype = jnp.result_type(like, y0)
    shape = like.shape[1:]
    m = np.arange(order + 1, dtype=float)
    # Row 0 pins the value (y_0 = y0): identity there, the recurrence below it.
    row0 = np.zeros((order + 1, order + 1))
    row0[0, 0] = 1.0
    below = (np.arange(order + 1) > 0)[:, None].astype(float)
    if a is None:
        matrix = jnp.asarray(np.diag(m) * below + row0, dtype)
    else:
        matrix = toeplitz(jnp.broadcast_to(a, like.shape).astype(dtype)) * jnp.asarray(m * below, dtype) \
            + jnp.asarray(row0, dtype)
    if b is not None:
        # sum_m b_{k-1-m} y_m: the Toeplitz matrix of b shifted down one row (row 0 gets zeros).
        b_shifted = jnp.concatenate([jnp.zeros_like(like[:1], dtype=dtype),
                                     jnp.broadcast_to(b, like.shape).astype(dtype)[:-1]], axis=0)
        matrix = matrix - toeplitz(b_shifted)
    y0 = jnp.broadcast_to(y0, shape).astype(dtype)[None]
    if c is None:
        rhs = jnp.concatenate([y0, jnp.zeros((order,) + shape, dtype)], axis=0)
    else:
        rhs = jnp.concatenate([y0, jnp.broadcast_to(c, like.shape).astype(dtype)[:-1]], axis=0)
    matrix = jnp.broadcast_to(matrix, shape + matrix.shape[-2:])
    return solve_lower(matrix, rhs)


def integrate(y0: jax.Array, q: jax.Array, x: jax.Array) -> jax.Array:
    """Series y with ``y(0) = y0`` and ``y' = q x'``: ``y_k = (q x')_{k-1} / k``."""
    order = x.shape[0] - 1
    rate = cauchy_product(q, derivative(x))
    k = _bcast(_k(order, x.real.dtype)[1:].astype(x.dtype), x.ndim)
    tail = rate[:-1] / k
    return jnp.concatenate([jnp.broadcast_to(y0, x.shape[1:])[None].astype(tail.dtype), tail], axis=0)


def integer_power(x: jax.Array, n: int) -> jax.Array:
    """Coefficients of x(t)^n for an integer n, by repeated squaring (exact at x_0 = 0)."""
    order = x.shape[0] - 1
    if n == 0:
        return constant_series(jnp.ones(x.shape[1:], x.dtype), order)
    if n < 0:
        one = constant_series(jnp.ones(x.shape[1:], x.dtype), order)
        return divide(one, integer_power(x, -n))
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else cauchy_product(result, base)
        n >>= 1
        if n:
            base = cauchy_product(base, base)
    return result
