"""Multivariate Taylor coefficients from univariate Taylor propagation and exact interpolation.

Along a direction v, the k-th univariate coefficient of ``f(x0 + t v)`` is the
homogeneous polynomial ``a_k(v) = sum_{|alpha| = k} c_alpha v^alpha`` of the
monomial coefficients ``c_alpha = D^alpha f(x0) / alpha!``. Evaluating it at the
lattice directions ``{i : |i| = k}`` (Griewank, Utke & Walther 2000) gives a
square, unisolvent Vandermonde system per degree, solved once per (n, k) and
cached. All directions are propagated together in one vmapped Taylor pass.

>>> import jax.numpy as jnp
>>> exps, c = monomial_coefficients(lambda v: v[0] ** 2 * v[1], jnp.array([1.0, 2.0]), 3)
>>> {e: round(float(x), 6) for e, x in zip(exps, c) if abs(x) > 1e-12}
{(0, 0): 2.0, (1, 0): 4.0, (0, 1): 1.0, (2, 0): 2.0, (1, 1): 2.0, (2, 1): 1.0}
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Callable

import numpy as np

from ..errors import JaxCalcError
from ..ready import wait_briefly


@functools.lru_cache(maxsize=None)
def exponents_of_degree(n: int, k: int) -> tuple[tuple[int, ...], ...]:
    """All multi-indices of n variables with total degree k, in graded reverse-lex order."""
    out = []
    for cut in itertools.combinations(range(k + n - 1), n - 1):
        prev, parts = -1, []
        for c in cut + (k + n - 1,):
            parts.append(c - prev - 1)
            prev = c
        out.append(tuple(parts))
    return tuple(sorted(out, reverse=True))


def exponents_up_to(n: int, order: int) -> tuple[tuple[int, ...], ...]:
    """Multi-indices of total degree 0..order, degree by degree."""
    return tuple(e for k in range(order + 1) for e in exponents_of_degree(n, k))


@functools.lru_cache(maxsize=None)
def _interpolation_matrix(n: int, k: int) -> np.ndarray:
    """Inverse of the Vandermonde matrix ``V[i, alpha] = (i/k)^alpha`` on the degree-k lattice."""
    exps = np.array(exponents_of_degree(n, k), dtype=float)
    points = exps / max(k, 1)
    vandermonde = np.prod(points[:, None, :] ** exps[None, :, :], axis=-1)
    return np.linalg.inv(vandermonde)


def lattice_directions(n: int, order: int) -> np.ndarray:
    """Directions i/|i| for every multi-index of degree 1..order (rows), degree by degree."""
    rows = [np.array(exponents_of_degree(n, k), dtype=float) / k for k in range(1, order + 1)]
    return np.concatenate(rows) if rows else np.zeros((0, n))


def monomial_coefficients(f: Callable, x0, order: int, *, method: str = "auto"):
    """Coefficients ``c_alpha`` of the Taylor polynomial ``sum c_alpha (x - x0)^alpha``.

    Returns ``(exponents, coefficients)`` with exponents as tuples and coefficients
    an array of shape ``(number_of_monomials, *output_shape)``.
    """
    from .engine import check_order

    order = check_order(order)
    x0 = _vector_point(x0)
    n = x0.shape[0]
    # Row 0 of every direction's series is f(x0): order 0 needs one (zero) direction only.
    directions = lattice_directions(n, order) if order >= 1 else np.zeros((1, n))
    along = np.asarray(_batched_coefficients(f, x0, order, directions.astype(x0.dtype), method))
    blocks = [along[0, 0][None]]                                          # (D, K+1, *out)
    start = 0
    for k in range(1, order + 1):
        count = len(exponents_of_degree(n, k))
        blocks.append(np.tensordot(_interpolation_matrix(n, k), along[start:start + count, k], axes=(1, 0)))
        start += count
    return exponents_up_to(n, order), np.concatenate(blocks).astype(along.dtype)


def _vector_point(x0):
    """x0 as a float vector (NumPy when concrete, so no device work before the one compile)."""
    from .engine import _as_point

    x0, _ = _as_point(x0, np.ones(np.shape(x0)))
    if x0.ndim != 1:
        raise JaxCalcError(f"a multivariate point must be a vector, got shape {x0.shape}")
    return x0


def _batched_coefficients(f, x0, order, directions, method):
    """Univariate coefficients along many directions: one vmapped Taylor pass."""
    from .engine import can_key_cache, taylor_coefficients

    if method in ("auto", "taylor") and can_key_cache(f):
        return wait_briefly(_vmapped_taylor(f, order)(x0, directions))
    return np.stack([taylor_coefficients(f, x0, order, direction=d, method=method) for d in directions])


@functools.lru_cache(maxsize=128)
def _vmapped_taylor(f, order):
    import jax

    from ..tiered import TieredJit
    from .engine import _taylor_mode
    from .series import without_lapack

    program = jax.vmap(functools.partial(_taylor_mode, f, order), in_axes=(None, 0))
    return TieredJit(program, quick_fn=without_lapack(program))


def homogeneous_coefficients(f: Callable, x0, k: int, *, method: str = "auto"):
    """Monomial coefficients of total degree exactly k: one Taylor pass on the degree-k lattice."""
    from .engine import check_order

    k = check_order(k)
    x0 = _vector_point(x0)
    n = x0.shape[0]
    directions = np.array(exponents_of_degree(n, k), dtype=float) / max(k, 1)
    along = np.asarray(_batched_coefficients(f, x0, k, directions.astype(x0.dtype), method))[:, k]
    return exponents_of_degree(n, k), np.tensordot(_interpolation_matrix(n, k), along, axes=(1, 0))


def derivative_tensor(f: Callable, x0, k: int, *, method: str = "auto") -> np.ndarray:
    """The symmetric k-th derivative tensor ``D^k f(x0)``, shape ``(n,)*k + output_shape``.

    Built from the degree-k Taylor coefficients: ``D^k f[i_1..i_k] = alpha! c_alpha`` where
    alpha counts how often each variable appears among the indices.

    >>> import jax.numpy as jnp
    >>> derivative_tensor(lambda v: v[0] ** 2 * v[1], jnp.array([1.0, 2.0]), 2).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    exps, coeffs = homogeneous_coefficients(f, x0, k, method=method)
    n = len(exps[0])
    index = {e: i for i, e in enumerate(exps)}
    grid = np.indices((n,) * k).reshape(k, -1).T if k else np.zeros((1, 0), int)
    alphas = [tuple(np.bincount(row, minlength=n)) for row in grid]
    scale = np.array([math.prod(math.factorial(a) for a in alpha) for alpha in alphas], dtype=float)
    flat = coeffs[[index[a] for a in alphas]] * scale.reshape((-1,) + (1,) * (coeffs.ndim - 1))
    return flat.reshape((n,) * k + coeffs.shape[1:])
