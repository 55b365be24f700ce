"""The Laplacian without the Hessian: collapsed Taylor mode (the forward Laplacian).

A collapsed 2-jet of a value u carries ``u``, its first-order coefficients ``J_i`` along every
coordinate direction e_i, and the *sum* over i of its second-order coefficients ``L``, stacked
as one array ``(n + 2, *shape)``. Linear primitives map the rows with JAX's own tangent map
(``jax.jvp`` of the primitive). Nonlinear ones need the sum of squares of the first-order rows:

    elementwise g:  L_y = g'(u) L_u + g''(u)/2 * sum_i J_i^2
    product a b:    L_y = a L_b + L_a b + sum_i Ja_i Jb_i

(Dangel et al. 2025, "Collapsing Taylor mode"; folx's forward Laplacian.) ``g'`` and ``g''/2``
come from the order-2 Taylor rule of g, so every elementwise primitive with a Taylor rule
works here. The Laplacian is ``2 L`` of the output. The cost is one forward pass over n
directions, with no reverse pass and no n x n Hessian.

>>> import jax.numpy as jnp
>>> float(laplacian(lambda x: jnp.sum(x ** 2), jnp.ones(3)))
6.0
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax import lax

from ..core.errors import JaxCalcError, JaxCalcWarning, UnsupportedPrimitiveError
from ..core.ready import wait_briefly
from .engine import rules as R
from ..core.budget import Cost, check
from ..core.dtypes import itemsize
from ..core.jaxpr import too_large_value
from .engine.cost import program_profile, setup_cost

JET_TEMPORARIES = 3        # a collapsed rule's temporaries, in jets of n + 2 rows
JET_OPS_PER_SECOND = 2e8   # row operations per second of the collapsed rules (fitted on benchmarks/laplacian.py)
from ..core.tracing import ProgramCache, TracedFunction, trace_function
from .engine.series import Series

def _split(c):
    return c[0], c[1:-1], c[-1]


def _jet(value, J, L) -> Series:
    return Series(jnp.concatenate([value[None], J, L[None]]))


def _collapsed_linear(prim, order, *args, **params):
    """A primitive linear in its jet operands, with JAX's own tangent map (``jax.jvp`` of the
    primitive, constants closed over): ``J_y = A J``, ``L_y = A L``, ``y = prim(values)``.

    The value, the first-order rows and the Laplacian row are mapped separately, each read off
    its operand's rows: when an operand is the stack a previous rule made, XLA reads the pieces
    it was made of, so no (n + 2)-row stack is ever written between two rules (and the rows of a
    matmul are the n first-order rows, not n + 2).
    """
    is_jet = [isinstance(a, Series) for a in args]
    values = [a.coeffs[0] if j else a for a, j in zip(args, is_jet)]

    def apply(*jet_values):
        it = iter(jet_values)
        return prim.bind(*(next(it) if j else a for a, j in zip(values, is_jet)), **params)

    jets = [_split(a.coeffs) for a, j in zip(args, is_jet) if j]
    primals = [u for u, _, _ in jets]
    tangent = lambda *rows: jax.jvp(apply, tuple(primals), rows)[1]
    y = prim.bind(*values, **params)
    J = jax.vmap(tangent)(*(J for _, J, _ in jets))
    L = tangent(*(L for _, _, L in jets))
    if prim.multiple_results:
        return [_jet(*parts) for parts in zip(y, J, L)]
    return _jet(y, J, L)


# Primitives linear in their jet operands use JAX's tangent map; every other primitive has its
# own collapsed rule below, or none (then method="auto" uses the Hessian).
COLLAPSED_RULES: dict[str, Callable] = {name: _collapsed_linear for name in R.LINEAR_PRIMITIVES}
for _name in ("sign", "floor", "ceil", "round", "stop_gradient", "nextafter", "rem"):
    COLLAPSED_RULES[_name] = R.TAYLOR_RULES[_name]  # decided by the value row alone


def _collapsed_reduce_chooser(reduce: Callable) -> Callable:
    """reduce_max/min of a jet: the rows of the extremal entries by value (their mean over ties,
    as JAX's derivative takes); a jet's other rows are not the coefficients of a series."""
    def rule(prim, order, x, axes, **params):
        u = x.coeffs
        hit = (u[0] == reduce(u[0], axis=axes, keepdims=True)).astype(u.dtype)
        return Series(jnp.sum(u * hit, axis=tuple(a + 1 for a in axes)) / jnp.sum(hit, axis=axes))
    return rule


COLLAPSED_RULES["reduce_max"] = _collapsed_reduce_chooser(jnp.max)
COLLAPSED_RULES["reduce_min"] = _collapsed_reduce_chooser(jnp.min)


def _chain(J, L, y, g1, g2) -> Series:
    """The jet of y = g(u) from g(u), g'(u), g''(u)/2: J_y = g' J, L_y = g' L + (g''/2) sum J^2."""
    return _jet(y, g1 * J, g1 * L + g2 * jnp.sum(J * J, axis=0))


def _collapsed_unary(series_fn: Callable, own_value: bool = False) -> Callable:
    """The elementwise rule from g's order-2 Taylor coefficients at u; with ``own_value`` (g is
    the equation's primitive itself) g(u) is the primitive's own value."""
    def rule(prim, order, x, **params):
        u, J, L = _split(x.coeffs)
        probe = jnp.stack([u, jnp.ones_like(u), jnp.zeros_like(u)])
        g = series_fn(probe, **params)            # [g(u), g'(u), g''(u)/2]
        if own_value:
            g = R.with_own_value(prim, g, u, params)
        return _chain(J, L, g[0], g[1], g[2])
    return rule


for _name, _fn in R.UNARY_SERIES.items():
    COLLAPSED_RULES[_name] = _collapsed_unary(_fn, own_value=True)


def _closed_form(derivatives: Callable) -> Callable:
    """The same rule from closed forms ``u -> (g, g', g''/2)``: no series solve on the hot path."""
    def rule(prim, order, x, **params):
        u, J, L = _split(x.coeffs)
        return _chain(J, L, *derivatives(u, **{k: v for k, v in params.items() if k != "accuracy"}))
    return rule


def _tanh(u):            # tanh' = 1 - y^2, tanh''/2 = -y (1 - y^2)
    y = jnp.tanh(u)
    g1 = 1 - y * y
    return y, g1, -y * g1


def _logistic(u):        # s' = s (1 - s), s''/2 = s' (1 - 2 s) / 2
    y = jax.nn.sigmoid(u)
    g1 = y * (1 - y)
    return y, g1, g1 * (1 - 2 * y) / 2


def _exp(u):
    y = jnp.exp(u)
    return y, y, y / 2


def _sin(u):
    s, c = jnp.sin(u), jnp.cos(u)
    return s, c, -s / 2


def _cos(u):
    s, c = jnp.sin(u), jnp.cos(u)
    return c, -s, -c / 2


def _log(u):
    r = 1 / u
    return jnp.log(u), r, -r * r / 2


def _integer_pow(u, y):  # u^n, n u^(n-1), n (n-1) u^(n-2) / 2, with no 0 * inf at u = 0
    n = y
    power = lambda m: jnp.ones_like(u) if m == 0 else lax.integer_pow(u, m)
    zero = jnp.zeros_like(u)
    return (power(n), zero if n == 0 else n * power(n - 1),
            zero if n in (0, 1) else n * (n - 1) / 2 * power(n - 2))


for _name, _derivatives in {"tanh": _tanh, "logistic": _logistic, "exp": _exp, "sin": _sin, "cos": _cos,
                            "log": _log, "integer_pow": _integer_pow}.items():
    COLLAPSED_RULES[_name] = _closed_form(_derivatives)


def _collapsed_bilinear(op: Callable[[Any, Any], Any]) -> Callable:
    """Products: y = a b, J_y = a J_b + J_a b, L_y = a L_b + L_a b + sum_i J_a,i J_b,i."""
    def rule(prim, order, a, b, **params):
        if not (isinstance(a, Series) and isinstance(b, Series)):   # one constant: linear
            return _collapsed_linear(prim, order, a, b, **params)
        f = lambda u, v: op(prim, params, u, v)
        a0, Ja, La = _split(a.coeffs)
        b0, Jb, Lb = _split(b.coeffs)
        pairs = jax.vmap(f)
        y = f(a0, b0)
        J = jax.vmap(f, in_axes=(None, 0))(a0, Jb) + jax.vmap(f, in_axes=(0, None))(Ja, b0)
        L = f(a0, Lb) + f(La, b0) + jnp.sum(pairs(Ja, Jb), axis=0)
        return _jet(y, J, L)
    return rule


_bind = lambda prim, params, u, v: prim.bind(u, v, **params)
COLLAPSED_RULES["mul"] = _collapsed_bilinear(_bind)


class _InputJet(Series):
    """The input's jet ``[x, I, 0]``, marked so that rules can use the known identity block."""


def _collapsed_dot_general(prim, order, a, b, **params):
    """As a product, except ``W @ x`` on the input itself: its first-order rows are W's columns,
    read off W instead of multiplied by the identity (folx's input sparsity; saves a D^3 matmul)."""
    (contract_a, contract_b), (batch_a, _) = params["dimension_numbers"]
    jet, const, contract = (a, b, contract_a) if isinstance(a, _InputJet) else (b, a, contract_b)
    if (not isinstance(jet, _InputJet) or isinstance(const, Series) or jet.primal.ndim != 1
            or batch_a or len(contract) != 1):
        return _dot_product(prim, order, a, b, **params)
    y = prim.bind(*((jet.primal, const) if jet is a else (const, jet.primal)), **params)
    other = contract_b[0] if jet is a else contract_a[0]
    J = jnp.moveaxis(jnp.asarray(const, y.dtype), other, 0)
    return _jet(y, J, jnp.zeros_like(y))


_dot_product = _collapsed_bilinear(_bind)
COLLAPSED_RULES["dot_general"] = _collapsed_dot_general


def _collapsed_div(prim, order, a, b, **params):
    if not isinstance(b, Series):
        return _collapsed_linear(prim, order, a, b, **params)
    recip = _collapsed_unary(lambda u: R.S.divide(R._one(u), u))(None, order, b)
    return COLLAPSED_RULES["mul"](lax.mul_p, order, a, recip)


def _collapsed_pow(prim, order, x, y, **params):
    if isinstance(y, Series):
        raise JaxCalcError("the Laplacian engine does not handle x**y with y depending on x; "
                           "use method='hessian'")
    return _collapsed_unary(lambda u: R._power_series(u, y))(prim, order, x)


COLLAPSED_RULES["div"] = _collapsed_div
COLLAPSED_RULES["pow"] = _collapsed_pow


def _collapsed_chooser(pick_first: Callable) -> Callable:
    """max/min: the whole jet of the operand whose value wins (away from ties f is smooth)."""
    def rule(prim, order, a, b, **params):
        dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (a, b)))
        ac, bc = R.S.broadcast_series(R._coeffs(a, order, dtype), R._coeffs(b, order, dtype))
        return Series(jnp.where(pick_first(ac[0], bc[0]), ac, bc))
    return rule


def _collapsed_clamp(prim, order, lo, x, hi, **params):
    dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (lo, x, hi)))
    lo, x, hi = R.S.broadcast_series(*(R._coeffs(v, order, dtype) for v in (lo, x, hi)))
    return Series(jnp.where(x[0] < lo[0], lo, jnp.where(x[0] > hi[0], hi, x)))


def _no_collapsed_rule(prim, order, *args, **params):
    """Handled in Taylor mode by a recurrence over the order, which has no collapsed analogue."""
    raise UnsupportedPrimitiveError(prim.name)


COLLAPSED_RULES["custom_linear_solve"] = _no_collapsed_rule
COLLAPSED_RULES["max"] = _collapsed_chooser(lambda a, b: a >= b)
COLLAPSED_RULES["min"] = _collapsed_chooser(lambda a, b: a <= b)
COLLAPSED_RULES["clamp"] = _collapsed_clamp


def _collapsed_laplacian(traced: TracedFunction, consts, x: jax.Array) -> jax.Array:
    from .engine.interpreter import propagate

    n = x.size
    directions = jnp.eye(n, dtype=x.dtype).reshape((n,) + x.shape)
    jet = jnp.concatenate([x[None], directions, jnp.zeros_like(x)[None]])
    (out,) = propagate(traced.with_consts(consts), [_InputJet(jet)], rules=COLLAPSED_RULES)
    return 2 * out.coeffs[-1] if isinstance(out, Series) else jnp.zeros((), x.dtype)


def _hessian_trace(traced: TracedFunction, consts, x: jax.Array) -> jax.Array:
    f = traced.as_function(consts)
    return jnp.trace(jax.hessian(f)(x).reshape(x.size, x.size))


_METHODS = {"collapsed": _collapsed_laplacian, "hessian": _hessian_trace}
_PROGRAMS = ProgramCache(32)


# A batch is mapped a chunk of points at a time (vmap inside a chunk, a loop over chunks) so that
# its temporaries stay within this many bytes; a batch that fits is one vmap. Measured with
# benchmarks/laplacian_folx.py: at D = 256, B = 64 (100+ MB of jets at once) chunks are 2.4x
# faster than one vmap; at D <= 64 one vmap is as fast as chunks of 5 or faster (up to 1.5x).
BATCH_CHUNK_BYTES = 64e6


def batch_chunk(traced: TracedFunction, n: int, batch: int, method: str) -> int:
    """How many points of a batch one chunk holds."""
    per_point = laplacian_cost(traced, n, 1, method).memory_bytes
    return int(max(1, min(batch, BATCH_CHUNK_BYTES // max(per_point, 1.0))))


def _compiled(traced: TracedFunction, method: str, chunk: int | None):
    """The compiled Laplacian: at a point (``chunk`` None), on a whole batch at once (``chunk``
    0: one vmap, no loop to compile), or a chunk of points at a time (``lax.map``)."""
    def build():
        fn = functools.partial(_METHODS[method], traced)
        if chunk is None:
            return jax.jit(fn)
        if chunk == 0:
            return jax.jit(jax.vmap(fn, in_axes=(None, 0)))
        return jax.jit(lambda consts, xs: lax.map(lambda x: fn(consts, x), xs, batch_size=chunk))
    return _PROGRAMS.get((traced.key, method, chunk), build)


def _float_array(x: Any) -> jax.Array:
    """x as a JAX array; integers take JAX's default float (float64 under x64)."""
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.result_type(float))


def laplacian_cost(traced: TracedFunction, n: int, batch: int, method: str) -> Cost:
    """Collapsed Taylor mode carries n + 2 rows of every value that depends on x (at its peak
    of live values, point by point over a batch); the Hessian n x n entries and n
    forward-over-reverse passes. Time: the compile, then the arithmetic."""
    profile = program_profile(traced.jaxpr)
    item = itemsize(traced.out_shapes[0].dtype)
    if method == "hessian":
        memory = item * (n * n + 4 * n * profile.peak_elements)
        ops = batch * 6.0 * n * (profile.linear_work + profile.nonlinear_work)
    else:
        memory = item * (n + 2) * (profile.peak_series_elements + JET_TEMPORARIES * profile.largest_nonlinear)
        ops = batch * 4.0 * (n + 2) * (profile.linear_work + profile.nonlinear_work)
    at_once = min(batch, max(1, int(BATCH_CHUNK_BYTES // max(memory, 1.0))))
    seconds = setup_cost(profile).seconds + ops / JET_OPS_PER_SECOND
    return Cost(at_once * memory, seconds,
                f"the Laplacian in {n} variables" + (f" at {batch} points" if batch > 1 else ""))


def _has_complex_values(jaxpr) -> bool:
    """Collapsed rules are written for real series; JAX's own Hessian handles complex steps."""
    from ..core.jaxpr import iter_equations

    return any(jnp.issubdtype(v.aval.dtype, jnp.complexfloating)
               for eqn in iter_equations(jaxpr) for v in eqn.outvars if hasattr(v.aval, "dtype"))


def laplacian(f: Callable, x: Any, *, method: str = "auto") -> jax.Array:
    """The Laplacian ``sum_i d^2 f / dx_i^2`` of ``f: R^n -> R`` at x (shape (n,)), or at each
    row of a batch (shape (B, n)). jit-, vmap- and sharding-friendly.

    ``method="collapsed"``: collapsed Taylor mode, no Hessian formed.
    ``method="hessian"``: ``trace(jax.hessian(f)(x))``, for comparison.
    ``method="auto"`` (default): collapsed, falling back to the Hessian with a warning for a
    function using a primitive the collapsed engine has no rule for.

    >>> import jax.numpy as jnp
    >>> round(float(laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 2), jnp.ones(5))), 4)
    -3.1081
    """
    if method not in ("auto", "collapsed", "hessian"):
        raise JaxCalcError(f"unknown method {method!r}: use 'auto', 'collapsed' or 'hessian'")
    if method == "auto":
        try:
            return laplacian(f, x, method="collapsed")
        except UnsupportedPrimitiveError as err:
            warnings.warn(f"{err.primitive_name}: no collapsed rule, using trace(hessian)",
                          JaxCalcWarning, stacklevel=2)
            return laplacian(f, x, method="hessian")
    x = _float_array(x)
    if x.ndim not in (1, 2):
        raise JaxCalcError(f"x must be a point (n,) or a batch of points (B, n), got shape {x.shape}")
    traced = trace_function(f, x if x.ndim == 1 else x[0])
    if method == "collapsed" and _has_complex_values(traced.jaxpr):
        raise UnsupportedPrimitiveError("complex intermediate values")
    leaves = traced.out_shapes
    if len(leaves) != 1 or leaves[0].shape != ():
        raise JaxCalcError("the Laplacian needs a scalar function f: R^n -> R")
    n, batch = x.shape[-1], (x.shape[0] if x.ndim == 2 else 1)
    cost = laplacian_cost(traced, n, batch, method)
    check(cost, lambda: _fitting_request(traced, n, batch, method, cost))
    chunk = batch_chunk(traced, n, batch, method) if x.ndim == 2 else None
    if chunk is not None and chunk >= batch:
        chunk = 0                              # the whole batch fits in one chunk
    return wait_briefly(_compiled(traced, method, chunk)(traced.consts, x))


def _fitting_request(traced: TracedFunction, n: int, batch: int, method: str, cost: Cost) -> str:
    """What to ask instead: a smaller batch when the batch is the problem; else what is large."""
    from ..core.budget import fits, largest_fitting

    if batch > 1:
        best = largest_fitting(lambda b: laplacian_cost(traced, n, b, method), 1, batch)
        if best:
            return f"a batch of {best} points fits"
    return too_large_value(traced.jaxpr) or "f's program is too large for the limit: simplify it"


def hessian_trace_estimate(f: Callable, x: Any, key: jax.Array, samples: int = 64) -> jax.Array:
    """Hutchinson's estimate of the Laplacian of ``f: R^n -> R``: the mean of ``v^T H v`` over
    Rademacher vectors v, each ``v^T H v`` read off one order-2 Taylor pass along v (no Hessian,
    no reverse pass). At a point (shape (n,)) or at each row of a batch (shape (B, n), each row
    with its own vectors), as :func:`laplacian`.

    >>> import jax, jax.numpy as jnp
    >>> est = hessian_trace_estimate(lambda x: jnp.sum(x ** 2), jnp.ones(4), jax.random.key(0), 8)
    >>> float(est)
    8.0
    >>> hessian_trace_estimate(lambda x: jnp.sum(x ** 2), jnp.ones((3, 4)), jax.random.key(0), 8).tolist()
    [8.0, 8.0, 8.0]
    """
    from .engine.coefficients import taylor_mode

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise JaxCalcError(f"samples must be a whole number >= 1, got {samples!r}")
    x = _float_array(x)
    if x.ndim not in (1, 2):
        raise JaxCalcError(f"x must be a point (n,) or a batch of points (B, n), got shape {x.shape}")
    traced = trace_function(f, x if x.ndim == 1 else x[0])
    leaves = traced.out_shapes
    if len(leaves) != 1 or leaves[0].shape != ():
        raise JaxCalcError("the Laplacian needs a scalar function f: R^n -> R")
    v = jax.random.rademacher(key, (samples,) + x.shape, dtype=x.dtype)
    g = traced.as_function(traced.consts)   # the traced program: the user's Python ran once

    def at(point, directions):
        return 2 * jnp.mean(jax.vmap(lambda d: taylor_mode(g, 2, point, d)[2])(directions))

    return at(x, v) if x.ndim == 1 else jax.vmap(at, in_axes=(0, 1))(x, v)
