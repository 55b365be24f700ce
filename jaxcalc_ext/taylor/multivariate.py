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

import jax
import numpy as np

from ..core.errors import JaxCalcError
from ..core.ready import wait_briefly


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
    """Inverse of the Vandermonde matrix ``V[i, alpha] = (i/k)^alpha`` on the degree-k lattice,
    computed exactly in rational arithmetic and rounded once to float64.

    The lattice's Vandermonde matrices are ill-conditioned (weights of 3e7 at k = 20 in two
    variables, 5e33 at k = 50): inverted in floating point, the weights themselves are wrong in
    their leading digits, and no rounding bound computed from them holds. Exact weights leave
    only the rounding of the sums, which :func:`_interpolation_bound` bounds."""
    return np.array([[float(w) for w in row] for row in exact_interpolation_weights(n, k)])


def exact_interpolation_weights(n: int, k: int) -> list[list]:
    """The exact inverse (Fractions) of the degree-k lattice Vandermonde matrix.

    >>> w = exact_interpolation_weights(2, 2)     # lattice (1, 0), (1/2, 1/2), (0, 1)
    >>> [[str(x) for x in row] for row in w]
    [['1', '0', '0'], ['-1', '4', '-1'], ['0', '0', '1']]
    """
    from fractions import Fraction

    exps = exponents_of_degree(n, k)
    if k == 0:
        return [[Fraction(1)]]
    if n == 2:
        return _two_variable_weights(k)
    m = len(exps)
    # V = U / k^k with the integer matrix U[i, alpha] = prod_r i_r^alpha_r (every |alpha| = k).
    rows = [[Fraction(math.prod(i_r ** a_r for i_r, a_r in zip(i, a))) for a in exps]
            + [Fraction(int(r == c)) for c in range(m)] for r, i in enumerate(exps)]
    for col in range(m):   # Gauss-Jordan in exact arithmetic
        pivot = next(r for r in range(col, m) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [x / head for x in rows[col]]
        for r in range(m):
            factor = rows[r][col]
            if r != col and factor != 0:
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[col])]
    scale = Fraction(k) ** k
    return [[x * scale for x in row[m:]] for row in rows]


def _two_variable_weights(k: int) -> list[list]:
    """Two variables in O(k^2): lattice row r is the direction ((k - r)/k, r/k); with
    u_r = (k - r)/r the degree-k coefficient along it is (r/k)^k sum_a c_a u_r^a (a = power of
    x), an ordinary Vandermonde system in the nodes u_1..u_k once c_k (row 0, the x axis) is
    known, whose inverse is read off the Lagrange basis polynomials of the nodes."""
    from fractions import Fraction

    nodes = [Fraction(k - r, r) for r in range(1, k + 1)]
    master = [Fraction(1)]                       # prod_r (u - u_r), lowest power first
    for u in nodes:
        master = [(master[i - 1] if i else 0) - u * (master[i] if i < len(master) else 0)
                  for i in range(len(master) + 1)]
    # Lagrange basis l_r(u) = master(u) / ((u - u_r) master'(u_r)), lowest power first.
    basis = []
    for u in nodes:
        quotient, carry = [Fraction(0)] * k, Fraction(0)
        for i in range(k, 0, -1):                # synthetic division by (u - u_r)
            carry = master[i] + carry * u if i < k else master[i]
            quotient[i - 1] = carry
        derivative = sum(quotient[i] * u ** i for i in range(k))
        basis.append([q / derivative for q in quotient])
    # c_a = sum_r basis_r[a] ((k/r)^k a_r - u_r^k c_k) for a < k, and c_k = a_0; the second sum
    # is [u^a](u^k - master(u)) = -master[a].
    weights_by_power = [[Fraction(0)] * (k + 1) for _ in range(k + 1)]
    weights_by_power[k][0] = Fraction(1)
    for a in range(k):
        weights_by_power[a][0] = master[a]
        for r in range(1, k + 1):
            weights_by_power[a][r] = basis[r - 1][a] * Fraction(k, r) ** k
    # monomials in exponents_of_degree order: (k, 0), (k-1, 1), ..., (0, k): power of x first
    return [weights_by_power[k - row] for row in range(k + 1)]


def lattice_directions(n: int, order: int) -> np.ndarray:
    """Directions i/|i| for every multi-index of degree 1..order (rows), degree by degree."""
    rows = [np.array(exponents_of_degree(n, k), dtype=float) / k for k in range(1, order + 1)]
    return np.concatenate(rows) if rows else np.zeros((0, n))


def monomial_coefficients(f: Callable, x0, order: int, *, method: str = "auto", two_sided: bool = False,
                          traced=None):
    """Coefficients ``c_alpha`` of the Taylor polynomial ``sum c_alpha (x - x0)^alpha``.

    Returns ``(exponents, coefficients)`` with exponents as tuples and coefficients
    an array of shape ``(number_of_monomials, *output_shape)``. The memory and time of the
    request are checked against :mod:`jaxcalc_ext.core.budget` before anything is compiled.
    With ``two_sided``, the lattice passes are repeated along the opposite directions and a
    jump, a kink or coefficients lost to rounding are refused (:mod:`.sides`); a third array
    is then returned, each coefficient's rounding error as the two sides measure it (None for
    order 0).
    """
    from .engine.coefficients import check_order
    from .engine.sides import check_sides, recovering_lost_orders, rounding_estimate, shift_noise, shifted_points

    order = check_order(order)
    x0 = vector_point(x0)
    n = x0.shape[0]
    traced = traced or _traced(f, x0)   # given: f already traced at x0 (one request, one trace)
    check_multivariate_cost(traced, n, order)
    # Row 0 of every direction's series is f(x0): order 0 needs one (zero) direction only.
    directions = lattice_directions(n, order) if order >= 1 else np.zeros((1, n))

    def lattice(scale: float, k: int = order, at=x0) -> np.ndarray:
        rows = lattice_directions(n, k) if k >= 1 else np.zeros((1, n))
        along = np.asarray(_batched_coefficients(traced, f, at, k, (scale * rows).astype(x0.dtype), method))
        return along[:directions.shape[0]]   # the lattice of a higher order starts with ours

    along = recovering_lost_orders(lambda k: lattice(1.0, k), order, axis=1)
    spread = None
    if two_sided and order >= 1 and np.all(np.isfinite(along)):
        where = "x0 = (" + ", ".join(f"{float(c):g}" for c in x0) + ")"
        spread = check_sides(along, lambda s: recovering_lost_orders(lambda k: lattice(s, k), order, axis=1),
                             where, axis=1, both_scales=True)
        for moved in shifted_points(x0, np.moveaxis(along, 1, 0)):
            nearby = recovering_lost_orders(lambda k: lattice(1.0, k, moved), order, axis=1)
            spread = np.maximum(spread, shift_noise(along, nearby))
        spread = rounding_estimate(spread)
    blocks, bounds = [along[0, 0][None]], [np.zeros_like(along[0, 0][None])]   # along: (D, K+1, *out)
    eps = np.finfo(along.dtype).eps if np.issubdtype(along.dtype, np.floating) else 0.0
    start = 0
    for k in range(1, order + 1):
        count = len(exponents_of_degree(n, k))
        blocks.append(_interpolate(n, k, along[start:start + count, k]))
        if spread is not None:   # rounding of the directional coefficients, through the interpolation
            error = spread[start:start + count, k] + eps * np.abs(along[start:start + count, k])
            bounds.append(_interpolation_bound(n, k, error))
        start += count
    coefficients = np.concatenate(blocks).astype(along.dtype)
    if not two_sided:
        return exponents_up_to(n, order), coefficients
    rounding = np.concatenate(bounds) if spread is not None else None
    return exponents_up_to(n, order), coefficients, rounding


def check_multivariate_cost(traced, n: int, order: int, degrees: range | None = None) -> None:
    """Refuse, before compiling, an order whose lattice passes or interpolation do not fit."""
    from ..core.budget import check, largest_fitting
    from .engine.cost import multivariate_cost

    def cost(k):
        return multivariate_cost(traced.jaxpr, n, k, chunk_bytes())

    def suggestion():
        best = largest_fitting(cost, 0, order)
        return f"order <= {best} fits" if best is not None else "no order fits: use fewer variables"

    check(cost(order), suggestion)


QUICK_TIER_MAX_ELEMENTS = 200_000   # directions x (K+1)^2 per call


def chunk_bytes() -> float:
    """Memory for one chunk of directions: lattice passes run chunk by chunk, so their peak
    memory stays bounded whatever the number of directions."""
    from ..core.budget import LIMITS

    return min(LIMITS.memory_bytes / 4, 256e6)


def _traced(f, x0):
    from ..core.tracing import trace_function

    return trace_function(f, x0)


def _interpolate(n: int, k: int, along_k: np.ndarray) -> np.ndarray:
    """Monomial coefficients of degree k from the degree-k coefficients along the lattice."""
    if k == 2 and n > 1:
        return _degree_two(n, along_k)
    return np.tensordot(_interpolation_matrix(n, k), along_k, axes=(1, 0))


def _interpolation_bound(n: int, k: int, error: np.ndarray) -> np.ndarray:
    """A bound on the rounding of the degree-k monomial coefficients, from the errors of the
    directional ones (the interpolation's weights in absolute value), plus its own rounding."""
    if k == 2 and n > 1:
        exps = exponents_of_degree(n, 2)
        diagonal = {e.index(2): error[row] for row, e in enumerate(exps) if max(e) == 2}
        out = np.empty_like(error)
        for row, e in enumerate(exps):
            i, j = ((e.index(2),) * 2) if max(e) == 2 else tuple(idx for idx, p in enumerate(e) if p == 1)
            out[row] = error[row] if i == j else 4 * error[row] + diagonal[i] + diagonal[j]
        return out * (1 + 4 * np.finfo(error.dtype).eps)
    matrix = np.abs(_interpolation_matrix(n, k))
    return np.tensordot(matrix, error, axes=(1, 0)) * (1 + matrix.shape[1] * np.finfo(error.dtype).eps)


def _degree_two(n: int, along: np.ndarray) -> np.ndarray:
    """Degree 2 without a dense inverse: along e_i the coefficient is c_(2e_i); along
    (e_i + e_j)/2 it is (c_ii + c_jj + c_ij)/4, so c_ij = 4 a_ij - c_ii - c_jj."""
    exps = exponents_of_degree(n, 2)
    diagonal = {}
    for row, e in enumerate(exps):
        if max(e) == 2:
            diagonal[e.index(2)] = along[row]
    out = np.empty_like(along)
    for row, e in enumerate(exps):
        if max(e) == 2:
            out[row] = along[row]
        else:
            i, j = (idx for idx, p in enumerate(e) if p == 1)
            out[row] = 4 * along[row] - diagonal[i] - diagonal[j]
    return out


def vector_point(x0):
    """x0 as a float vector (NumPy when concrete, so no device work before the one compile)."""
    from .engine.coefficients import as_point

    x0, _ = as_point(x0, np.ones(np.shape(x0)))
    if x0.ndim != 1:
        raise JaxCalcError(f"a multivariate point must be a vector, got shape {x0.shape}")
    return x0


def _batched_coefficients(traced, f, x0, order, directions, method):
    """Univariate coefficients along many directions: vmapped Taylor passes over chunks of
    directions (one compile: every chunk has the same shape), reporting progress between
    chunks so a long request can be followed and interrupted."""
    from ..core.progress import step
    from .engine.cost import direction_bytes
    from .engine.coefficients import coefficients_of_traced, compiled_program

    if method not in ("auto", "taylor"):
        return np.stack([coefficients_of_traced(traced, x0, order, d, method) for d in directions])
    count = directions.shape[0]
    chunk = int(min(count, max(1, chunk_bytes() // max(direction_bytes(traced.jaxpr, order), 1.0))))
    tiered = compiled_program("taylor", traced, order, batched=True)
    # The quick tier's unoptimised loops slow down badly on big batches: use it for small ones.
    program = tiered if chunk * (order + 1) ** 2 <= QUICK_TIER_MAX_ELEMENTS else tiered.full
    consts = traced.consts
    if chunk == count:
        step(0, 1, "Taylor passes")
        return wait_briefly(program(consts, x0, directions))
    pieces = []
    for start in range(0, count, chunk):
        step(start, count, "lattice directions")
        block = directions[start:start + chunk]
        if block.shape[0] < chunk:  # pad the last chunk: same shape, no second compile
            block = np.concatenate([block, np.repeat(block[-1:], chunk - block.shape[0], axis=0)])
        pieces.append(jax.device_get(program(consts, x0, block)))
    step(count, count, "lattice directions")
    return jax.tree_util.tree_map(lambda *p: np.concatenate(p)[:count], *pieces)


def homogeneous_coefficients(f: Callable, x0, k: int, *, method: str = "auto"):
    """Monomial coefficients of total degree exactly k: one Taylor pass on the degree-k lattice."""
    from .engine.coefficients import check_order

    k = check_order(k)
    x0 = vector_point(x0)
    n = x0.shape[0]
    traced = _traced(f, x0)
    _check_homogeneous_cost(traced, n, k)
    directions = np.array(exponents_of_degree(n, k), dtype=float) / max(k, 1)
    along = np.asarray(_batched_coefficients(traced, f, x0, k, directions.astype(x0.dtype), method))[:, k]
    # the interpolation runs in float64; the result says the dtype it was computed in
    return exponents_of_degree(n, k), _interpolate(n, k, along).astype(along.dtype)


def _check_homogeneous_cost(traced, n: int, k: int) -> None:
    from ..core.budget import Cost, check
    from .engine.cost import direction_bytes, interpolation_cost, taylor_pass_cost

    count = len(exponents_of_degree(n, k)) if n < 64 or k < 4 else math.comb(n + k - 1, k)
    per = max(direction_bytes(traced.jaxpr, k), 1.0)
    passes = taylor_pass_cost(traced.jaxpr, k, count, chunk=max(1, int(chunk_bytes() // per)))
    solve = interpolation_cost(n, k, range(k, k + 1))
    tensor = 8.0 * n ** k
    check(Cost(max(passes.memory_bytes, solve.memory_bytes, tensor), passes.seconds + solve.seconds,
               f"the order-{k} derivative tensor in {n} variables"),
          "use fewer variables or a lower order")


def derivative_tensor(f: Callable, x0, k: int, *, method: str = "auto") -> np.ndarray:
    """The symmetric k-th derivative tensor ``D^k f(x0)``, shape ``(n,)*k + output_shape``.

    Built from the degree-k Taylor coefficients: ``D^k f[i_1..i_k] = alpha! c_alpha`` where
    alpha counts how often each variable appears among the indices.

    >>> import jax.numpy as jnp
    >>> derivative_tensor(lambda v: v[0] ** 2 * v[1], jnp.array([1.0, 2.0]), 2).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    from .engine.coefficients import require_concrete

    require_concrete(x0, "derivative_tensor")
    exps, coeffs = homogeneous_coefficients(f, x0, k, method=method)
    n = len(exps[0])
    index = {e: i for i, e in enumerate(exps)}
    grid = np.indices((n,) * k).reshape(k, -1).T if k else np.zeros((1, 0), int)
    alphas = [tuple(np.bincount(row, minlength=n)) for row in grid]
    # in the dtype it was computed in: float32 inputs give float32 tensors, not float64 ones
    scale = np.array([math.prod(math.factorial(a) for a in alpha) for alpha in alphas], dtype=coeffs.dtype)
    flat = coeffs[[index[a] for a in alphas]] * scale.reshape((-1,) + (1,) * (coeffs.ndim - 1))
    return flat.reshape((n,) * k + coeffs.shape[1:])
