"""Taylor rules: one row per JAX primitive, mapping input series to the output series.

The table :data:`TAYLOR_RULES` is keyed by primitive name. A rule receives the
order K and the equation's inputs (each a :class:`Series` or a plain array that
does not depend on t) and returns the output(s). Equations whose inputs are all
constant never reach a rule; comparisons are decided for small t > 0 by
:data:`DECISIONS`, and other non-floating outputs (argmax, integer casts) are
evaluated on the primal values.

The recurrences are those of Griewank & Walther, *Evaluating Derivatives* (2008),
table 13.2, written as one triangular solve each (see :mod:`.series`). With
``u = x(t)`` and ``u'`` its t-derivative:

    exp:   y' = u' y                     log:   u y' = u'
    pow:   u y' = p u' y                 div:   b y = a
    sin, cos: w = exp(i u), cos = Re w, sin = Im w
    atan:  y' = u' / (1 + u^2)           erf:   y' = 2/sqrt(pi) exp(-u^2) u'

>>> import jax.numpy as jnp
>>> sorted(name for name in TAYLOR_RULES if name.startswith("ex"))
['exp', 'exp2', 'expand_dims', 'expm1']
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import jax
import jax.numpy as jnp
from jax import lax

from . import series as S
from .series import Series

Value = Any  # Series | jax.Array
TaylorRule = Callable[..., Any]


@dataclass(frozen=True)
class Rule:
    """One primitive's row: how series go through it, and what the other tables derive from it."""

    apply: TaylorRule                        # (prim, order, *inputs, **params) -> output(s)
    linear: bool = False                     # a linear map of the coefficient rows
    complex_safe: bool = False               # right for complex series (t real) too
    coefficients: Callable | None = None     # elementwise in one operand: u -> coefficients of g(u)
    piecewise: bool = False                  # may jump or kink: follows the side t > 0 (see below)
    # How balls go through it (..enclosure.rules fills it in): a rule, or the reason it has none.
    enclosure: Callable | str | None = None


REGISTRY: dict[str, Rule] = {}


def taylor_rule(*names: str, linear: bool = False, complex_safe: bool = False, elementwise: bool = False,
                piecewise: bool = False):
    """The one way a rule is registered: ``@taylor_rule("add", "sub", linear=True)`` over a rule
    ``(prim, order, *inputs, **params) -> outputs``; with ``elementwise=True`` the decorated
    function maps the coefficients ``u`` of one operand to those of ``g(u)``, and the rule's value
    row is the primitive's own (:func:`with_own_value`). ``piecewise=True`` marks a primitive
    whose output can jump or kink as its input moves (abs, max, floor, sort, comparisons,
    argmax, integer casts): its rule follows the side the series is on for small t > 0, so the
    passes along -s and +s take different sides at a break and the two-sided check refuses the
    point. The tables the interpreter, the cost model and the Laplacian read
    (:data:`TAYLOR_RULES`, :data:`LINEAR_PRIMITIVES`, :data:`COMPLEX_SAFE`, :data:`UNARY_SERIES`,
    :data:`PIECEWISE`) are derived from these rows, never kept by hand.
    """
    def register(fn):
        if elementwise:
            apply = lambda prim, order, x, **p: Series(with_own_value(prim, fn(x.coeffs, **p), x.primal, p))
            row = Rule(apply, linear, complex_safe, coefficients=fn, piecewise=piecewise)
        else:
            row = Rule(fn, linear, complex_safe, piecewise=piecewise)
        for name in names:
            REGISTRY[name] = row
        return fn
    return register


def _order(values) -> int:
    return next(v.order for v in values if isinstance(v, Series))


def _coeffs(value: Value, order: int, dtype=None) -> jax.Array:
    """A value's coefficients, promoting a constant to ``[value, 0, ...]``."""
    if isinstance(value, Series):
        return value.coeffs if dtype is None else value.coeffs.astype(dtype)
    return S.constant_series(value, order, dtype)


def _is_float(value: Value) -> bool:
    return isinstance(value, Series) or jnp.issubdtype(jnp.result_type(value), jnp.inexact)


# ---------------------------------------------------------------- linear primitives
def _map_coefficients(prim, params, values, promote: bool):
    """Apply ``prim`` to every coefficient at once (vmap over the order axis).

    Correct for primitives linear in their series operands. With ``promote``,
    floating constants become series ``[c, 0, ...]`` (needed when the primitive is
    jointly linear, e.g. ``add(u, c)`` adds c to the value only).
    """
    order = _order(values)
    args, axes = [], []
    for v in values:
        if isinstance(v, Series):
            args.append(v.coeffs), axes.append(0)
        elif promote and _is_float(v):
            args.append(S.constant_series(v, order)), axes.append(0)
        else:
            args.append(v), axes.append(None)
    out = jax.vmap(lambda *a: prim.bind(*a, **params), in_axes=axes)(*args)
    if prim.multiple_results:
        return [Series(o) for o in out]
    return Series(out)


def _linear_map(promote: bool) -> TaylorRule:
    return lambda prim, order, *xs, **p: _map_coefficients(prim, p, xs, promote)


# Linear in their single floating operand (others are indices or shapes).
taylor_rule("neg", "reshape", "broadcast_in_dim", "transpose", "squeeze", "expand_dims",
            "rev", "slice", "dynamic_slice", "gather", "reduce_sum", "cumsum",
            "convert_element_type", "copy", "copy_p", "real", "imag", "conj",
            "reduce_precision", "split", "device_put", linear=True)(_linear_map(promote=False))


@taylor_rule("add", "sub", "add_any", linear=True)
def _add(prim, order, a, b, **params):
    """u + c, u - c, c - u: the constant changes the value row only."""
    if isinstance(a, Series) and isinstance(b, Series):
        return _map_coefficients(prim, params, (a, b), promote=False)
    series, const = (a, b) if isinstance(a, Series) else (b, a)
    c = series.coeffs
    if prim.name == "sub" and series is b:  # c - u
        c = -c
        value = const - series.primal
    else:
        value = prim.bind(series.primal, const, **params) if series is a else prim.bind(const, series.primal, **params)
    shape = jnp.shape(value)   # a scalar series plus an array constant (JAX broadcasts rank 0)
    rows = c[1:].reshape((c.shape[0] - 1,) + (1,) * (len(shape) - (c.ndim - 1)) + c.shape[1:])
    tail = jnp.broadcast_to(rows, (c.shape[0] - 1,) + shape)
    return Series(jnp.concatenate([jnp.asarray(value, c.dtype)[None], tail]))


# Jointly linear in several floating operands: constants enter the value only.
taylor_rule("concatenate", "pad", "dynamic_update_slice", "scatter", "scatter-add", "scatter_add",
            "complex", "select_n", "stack", linear=True)(_linear_map(promote=True))
# Equinox's loop primitives, which every Diffrax solve runs through: a buffer write under a
# predicate (xs.at[i].set(x) or xs), a select that only differs under vmap, and identities
# (nonbatchable; nondifferentiable_backward, which only refuses reverse mode).
taylor_rule("maybe_set", "select_if_vmap", "nonbatchable", "nondifferentiable_backward",
            linear=True)(_linear_map(promote=True))


def _bilinear(cauchy: Callable[[jax.Array, jax.Array, dict], jax.Array]) -> TaylorRule:
    """Products: with one constant operand the map is linear; with two series, a Cauchy product."""
    def rule(prim, order, a, b, **params):
        if not (isinstance(a, Series) and isinstance(b, Series)):
            return _map_coefficients(prim, params, (a, b), promote=False)
        return Series(cauchy(a.coeffs, b.coeffs, params))
    return rule


def _dot_cauchy(a, b, params):
    # c_k = sum_{m<=k} dot(a_{k-m}, b_m), as one batched dot over (k, m) pairs.
    n = a.shape[0]
    offsets = jnp.arange(n)[:, None] - jnp.arange(n)[None, :]
    shifted = a[jnp.clip(offsets, 0, n - 1)]
    dot = lambda u, v: lax.dot_general(u, v, **params)
    pairs = jax.vmap(jax.vmap(dot, in_axes=(0, 0)), in_axes=(0, None))(shifted, b)
    mask = (offsets >= 0).reshape(offsets.shape + (1,) * (pairs.ndim - 2))
    return jnp.sum(jnp.where(mask, pairs, 0), axis=1)


taylor_rule("mul", complex_safe=True)(_bilinear(lambda a, b, p: S.cauchy_product(a, b)))
taylor_rule("dot_general", complex_safe=True)(_bilinear(_dot_cauchy))


@taylor_rule("div", complex_safe=True)
def _div(prim, order, a, b, **params):
    if not isinstance(b, Series):
        return _map_coefficients(prim, params, (a, b), promote=False)
    return Series(S.divide_removable(_coeffs(a, order, b.coeffs.dtype), b.coeffs))




# ---------------------------------------------------------------- elementary functions
def with_own_value(prim, coeffs: jax.Array, primal: jax.Array, params: dict) -> jax.Array:
    """``coeffs`` with its value row replaced by the primitive's own value at ``primal``.

    A recurrence's row 0 can round worse than the library function it stands for (tanh as
    (1 - e)/(1 + e) loses 7e-9 relative at 3e-9); the higher rows are built around the value,
    so its own accuracy is the result's.
    """
    value = prim.bind(primal, **params)
    return coeffs.at[0].set(jnp.asarray(value, coeffs.dtype))


def _accuracy_free(fn):
    """Elementwise primitives carry an ``accuracy`` param we do not need."""
    def wrapped(u, accuracy=None, **params):
        return fn(u, **params)
    return wrapped


def _exp_series(u, y0=None):                     # y' = u' y
    y0 = jnp.exp(u[0]) if y0 is None else y0
    return S.solve_linear_ode(y0, None, S.derivative(u), None, like=u)


def _log_series(u, y0=None):                     # u y' = u'
    y0 = jnp.log(u[0]) if y0 is None else y0
    return S.solve_linear_ode(y0, u, None, S.derivative(u), like=u)


def _power_series(u, p):                         # u y' = p u' y
    return S.solve_linear_ode(u[0] ** p, u, p * S.derivative(u), None, like=u)


# Values computed once per propagation pass and shared by rules (sin and cos of one value
# share one solve): keyed by function and input object, live only while a pass runs.
_PASS_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("taylor_pass_memo", default=None)


@contextlib.contextmanager
def pass_memo() -> Iterator[None]:
    """Share :func:`_once_per_pass` results within the block (one interpreter pass)."""
    token = _PASS_MEMO.set({})
    try:
        yield
    finally:
        _PASS_MEMO.reset(token)


def _once_per_pass(fn: Callable[[jax.Array], jax.Array]) -> Callable[[jax.Array], jax.Array]:
    """Memoise ``fn(u)`` on the identity of the array u within a :func:`pass_memo` block."""
    @functools.wraps(fn)
    def shared(u):
        memo = _PASS_MEMO.get()
        if memo is None:
            return fn(u)
        key = (fn, id(u))
        if key in memo and memo[key][0] is u:  # the entry holds u, so its id is not reused
            return memo[key][1]
        memo[key] = (u, fn(u))
        return memo[key][1]
    return shared


@_once_per_pass
def _unit_circle(u):                             # w = exp(i u): cos u + i sin u
    cdtype = jnp.result_type(u.dtype, jnp.complex64)
    w0 = lax.complex(jnp.cos(u[0]), jnp.sin(u[0]))
    return S.solve_linear_ode(w0, None, 1j * S.derivative(u).astype(cdtype), None,
                              like=u.astype(cdtype))


def _one(u):
    return S.constant_series(jnp.ones(u.shape[1:], u.dtype), u.shape[0] - 1)


def _sign_of_value(u):
    return jnp.where(u[0] >= 0, 1, -1).astype(u.dtype)


taylor_rule("exp", elementwise=True, complex_safe=True)(_accuracy_free(_exp_series))
taylor_rule("exp2", elementwise=True)(_accuracy_free(lambda u: _exp_series(u * math.log(2.0), jnp.exp2(u[0]))))
taylor_rule("expm1", elementwise=True, complex_safe=True)(_accuracy_free(lambda u: _exp_series(u).at[0].set(jnp.expm1(u[0]))))
taylor_rule("log", elementwise=True)(_accuracy_free(_log_series))
taylor_rule("log1p", elementwise=True)(_accuracy_free(lambda u: _log_series(u.at[0].add(1), jnp.log1p(u[0]))))
taylor_rule("sqrt", elementwise=True)(_accuracy_free(lambda u: _power_series(u, 0.5)))
taylor_rule("rsqrt", elementwise=True)(_accuracy_free(lambda u: _power_series(u, -0.5)))
def _complex_cos(u):                              # cos u = (e^(iu) + e^(-iu)) / 2
    return (_exp_series(1j * u) + _exp_series(-1j * u)) / 2


def _complex_sin(u):                              # sin u = (e^(iu) - e^(-iu)) / 2i
    return (_exp_series(1j * u) - _exp_series(-1j * u)) / 2j


taylor_rule("cos", elementwise=True, complex_safe=True)(_accuracy_free(lambda u: _complex_cos(u) if jnp.iscomplexobj(u) else jnp.real(_unit_circle(u))))
taylor_rule("sin", elementwise=True, complex_safe=True)(_accuracy_free(lambda u: _complex_sin(u) if jnp.iscomplexobj(u) else jnp.imag(_unit_circle(u))))
taylor_rule("integer_pow", elementwise=True, complex_safe=True)(lambda u, y: S.integer_power(u, y))
taylor_rule("square", elementwise=True, complex_safe=True)(lambda u: S.cauchy_product(u, u))


@taylor_rule("cbrt", elementwise=True, piecewise=True)
@_accuracy_free
def _cbrt(u):                                    # cbrt(u) = s |u|^(1/3), s = sign(u_0)
    s = _sign_of_value(u)
    return s * _power_series(s * u, 1.0 / 3.0)


@taylor_rule("tan", elementwise=True)
@_accuracy_free
def _tan(u):                                     # tan = sin / cos
    w = _unit_circle(u)
    return S.divide(jnp.imag(w), jnp.real(w))


@taylor_rule("tanh", elementwise=True)
@_accuracy_free
def _tanh(u):                                    # tanh u = s (1 - e) / (1 + e), e = exp(-2 s u)
    s = _sign_of_value(u)
    e = _exp_series(-2 * s * u)
    return s * S.divide(_one(u) - e, _one(u) + e)


@taylor_rule("logistic", elementwise=True)
@_accuracy_free
def _logistic(u):                                # 1/(1+e) or e/(1+e), e = exp(-|u|), no overflow
    s = _sign_of_value(u)
    e = _exp_series(-s * u)
    return S.divide(jnp.where(s > 0, _one(u), e), _one(u) + e)


@taylor_rule("sinh", elementwise=True)
@_accuracy_free
def _sinh(u):
    return (_exp_series(u) - _exp_series(-u)) / 2


@taylor_rule("cosh", elementwise=True)
@_accuracy_free
def _cosh(u):
    return (_exp_series(u) + _exp_series(-u)) / 2


def _inverse_function(name: str, value: Callable, rate: Callable) -> None:
    """y = g(u) with y' = rate(u) u', where rate is built from series arithmetic."""
    taylor_rule(name, elementwise=True)(_accuracy_free(lambda u: S.integrate(value(u[0]), rate(u), u)))


_sq = lambda u: S.cauchy_product(u, u)
_inverse_function("atan", jnp.arctan, lambda u: S.divide(_one(u), _one(u) + _sq(u)))
_inverse_function("asin", jnp.arcsin, lambda u: _power_series(_one(u) - _sq(u), -0.5))
_inverse_function("acos", jnp.arccos, lambda u: -_power_series(_one(u) - _sq(u), -0.5))
_inverse_function("asinh", jnp.arcsinh, lambda u: _power_series(_one(u) + _sq(u), -0.5))
_inverse_function("acosh", jnp.arccosh, lambda u: _power_series(_sq(u) - _one(u), -0.5))
_inverse_function("atanh", jnp.arctanh, lambda u: S.divide(_one(u), _one(u) - _sq(u)))
_inverse_function("erf", jax.scipy.special.erf,
                  lambda u: (2 / math.sqrt(math.pi)) * _exp_series(-_sq(u)))
_inverse_function("erfc", jax.scipy.special.erfc,
                  lambda u: (-2 / math.sqrt(math.pi)) * _exp_series(-_sq(u)))


def _compose(u, coefficients):
    """y = sum_n g_n (u - u_0)^n, by Horner's rule on T(u - u_0) in a fixed-size loop."""
    order = u.shape[0] - 1
    shifted = S.toeplitz(u.at[0].set(0))
    e0 = _one(u) * 0
    e0 = e0.at[0].set(1)

    def step(i, acc):
        n = order - i
        return coefficients[n] * e0 + S._matvec(shifted, acc)

    return lax.fori_loop(0, order + 1, step, jnp.zeros_like(u))


def _zeta_coefficients(u):
    # (-1)^n zeta(n, u_0) for n = 0..K+1: the shared pieces of lgamma's and digamma's series.
    order = u.shape[0] - 1
    n = jnp.arange(order + 2, dtype=u.dtype).reshape((-1,) + (1,) * (u.ndim - 1))
    zeta = jax.scipy.special.zeta(jnp.maximum(n, 2), u[0])
    return jnp.where(n % 2 == 0, 1, -1).astype(u.dtype) * zeta, n


@taylor_rule("lgamma", elementwise=True)
@_accuracy_free
def _lgamma(u):                                  # g_1 = digamma, g_n = (-1)^n zeta(n, u0) / n
    signed_zeta, n = _zeta_coefficients(u)
    g = signed_zeta[:-1] / jnp.maximum(n[:-1], 1)
    g = g.at[0].set(lax.lgamma(u[0])).at[1].set(lax.digamma(u[0]))
    return _compose(u, g)


@taylor_rule("digamma", elementwise=True)
@_accuracy_free
def _digamma(u):                                 # g_n = (-1)^(n+1) zeta(n+1, u0)
    signed_zeta, _ = _zeta_coefficients(u)
    g = signed_zeta[1:].at[0].set(lax.digamma(u[0]))
    return _compose(u, g)


@taylor_rule("zeta")
def _hurwitz_zeta(prim, order, s, q, **params):
    """zeta(s, q) in q for a constant s: g_k = (-1)^k (s)_k / k! zeta(s + k, q_0)."""
    if isinstance(s, Series):
        from ...core.errors import UnsupportedPrimitiveError
        raise UnsupportedPrimitiveError("zeta (in its first argument)")
    u = q.coeffs
    s = jnp.asarray(s, u.dtype)
    k = jnp.arange(order + 1, dtype=u.dtype).reshape((-1,) + (1,) * (u.ndim - 1))
    log_rising = lax.lgamma(s + k) - lax.lgamma(s) - lax.lgamma(k + 1)   # (s)_k / k!, s > 1
    g = jnp.where(k % 2 == 0, 1, -1).astype(u.dtype) * jnp.exp(log_rising) * jax.scipy.special.zeta(s + k, u[0])
    return Series(_compose(u, g))




# Scaled Bessel functions i0e(u) = exp(-|u|) I_0(u) and i1e(u) = exp(-|u|) I_1(u): with
# v = |u| (the side of 0 chosen as for abs) and a = v(0) >= 0, the derivatives of I_n are
# I_n^(k) = 2^-k sum_j binom(k, j) I_|n-k+2j|, and the ratios R_m = I_m(a) / I_0(a) come from
# the backward continued fraction R_m / R_(m-1) = 1 / (2m/a + R_(m+1) / R_m): stable, free of
# overflow, and exact at a = 0 (every ratio is 0 there).
BESSEL_TAIL = 300     # extra fraction depth: the ratios past K + 300 are below 1e-300 for a < 2000


def _bessel_ratios(a, count: int):
    """R_0..R_(count-1) of I_m(a) / I_0(a), stacked on a new leading axis."""
    depth = count + BESSEL_TAIL

    def step(i, carry):
        ratio, ratios = carry
        m = depth - i
        ratio = 1 / (2 * m / a + ratio)
        return ratio, ratios.at[m].set(ratio)

    ratios = jnp.zeros((depth + 1,) + a.shape, a.dtype)
    _, ratios = lax.fori_loop(0, depth, step, (jnp.zeros_like(a), ratios))
    return jnp.cumprod(ratios.at[0].set(1)[:count], axis=0)


@functools.lru_cache(maxsize=None)
def _bessel_weights(order: int, n: int):
    """W with (W @ R)_k the k-th Taylor coefficient of exp(-s) I_n(a + s) / I_0(a)."""
    import numpy as np

    derivative = np.zeros((order + 1, order + 2))
    for k in range(order + 1):
        for j in range(k + 1):
            derivative[k, abs(n - k + 2 * j)] += math.exp(
                -k * math.log(2) - math.lgamma(j + 1) - math.lgamma(k - j + 1))
    decay = np.array([(-1) ** k * math.exp(-math.lgamma(k + 1)) for k in range(order + 1)])
    product = np.zeros((order + 1, order + 1))
    for k in range(order + 1):
        product[k, :k + 1] = decay[k::-1]
    return product @ derivative


def _scaled_bessel(u, n: int):
    order = u.shape[0] - 1
    side = _sign_near_zero_plus(u)
    v = side * u
    a = v[0]
    ratios = _bessel_ratios(a, order + 2)
    g = jnp.tensordot(jnp.asarray(_bessel_weights(order, n), u.dtype), ratios, axes=(1, 0))
    y = lax.bessel_i0e(a) * _compose(v, g)
    return y if n == 0 else side * y


taylor_rule("bessel_i0e", elementwise=True, piecewise=True)(_accuracy_free(lambda u: _scaled_bessel(u, 0)))
taylor_rule("bessel_i1e", elementwise=True, piecewise=True)(_accuracy_free(lambda u: _scaled_bessel(u, 1)))


@taylor_rule("pow")
def _pow(prim, order, x, y, **params):
    if not isinstance(y, Series):                # u^p with constant p
        return Series(_power_series(x.coeffs, y))
    u = _coeffs(x, order, y.coeffs.dtype)        # u^v = exp(v log u)
    return Series(_exp_series(S.cauchy_product(y.coeffs, _log_series(u)),
                              jnp.power(u[0], y.coeffs[0])))




@taylor_rule("atan2")
def _atan2(prim, order, y, x, **params):        # d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)
    dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (y, x)))
    yc, xc = _coeffs(y, order, dtype), _coeffs(x, order, dtype)
    rate = S.divide(S.cauchy_product(xc, S.derivative(yc)) - S.cauchy_product(yc, S.derivative(xc)),
                    _sq(xc) + _sq(yc))
    k = jnp.arange(1, order + 1, dtype=dtype).reshape((-1,) + (1,) * (xc.ndim - 1))
    return Series(jnp.concatenate([jnp.arctan2(yc[0], xc[0])[None], rate[:-1] / k]))




# ---------------------------------------------------------------- piecewise primitives
# At a kink (abs at 0, max at a tie) no two-sided series exists. We follow the branch
# taken for small t > 0: the sign of a series near 0+ is the sign of its first nonzero
# coefficient. This gives the exact one-sided expansion, and the exact two-sided one when
# kinks cancel (logaddexp, hence softplus, at 0). taylor_polynomial compares both sides.
def _sign_near_zero_plus(d):
    """Sign of d(t) for small t > 0, per element: sign of the first nonzero coefficient."""
    first = jnp.argmax(d != 0, axis=0)
    return jnp.sign(jnp.take_along_axis(d, first[None], axis=0)[0])


@taylor_rule("abs", elementwise=True, complex_safe=True, piecewise=True)
def _abs(u):                                     # |u| = sign(u(0+)) u; |z| = sqrt(re^2 + im^2)
    if jnp.iscomplexobj(u):                      # not finite where z(0) = 0: refused there
        re, im = jnp.real(u), jnp.imag(u)
        return _power_series(S.cauchy_product(re, re) + S.cauchy_product(im, im), 0.5)
    return _sign_near_zero_plus(u) * u


def _chooser(pick_first: Callable):
    """max/min: follow the operand that wins for small t > 0."""
    def rule(prim, order, a, b, **params):
        dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (a, b)))
        ac, bc = _coeffs(a, order, dtype), _coeffs(b, order, dtype)
        ac, bc = S.broadcast_series(ac, bc)
        return Series(jnp.where(pick_first(_sign_near_zero_plus(ac - bc)), ac, bc))
    return rule


taylor_rule("max", piecewise=True)(_chooser(lambda s: s >= 0))
taylor_rule("min", piecewise=True)(_chooser(lambda s: s <= 0))


@taylor_rule("clamp", piecewise=True)
def _clamp(prim, order, lo, x, hi, **params):
    dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (lo, x, hi)))
    lo, x, hi = (_coeffs(v, order, dtype) for v in (lo, x, hi))
    lo, x, hi = S.broadcast_series(lo, x, hi)
    below, above = _sign_near_zero_plus(x - lo) < 0, _sign_near_zero_plus(x - hi) > 0
    return Series(jnp.where(below, lo, jnp.where(above, hi, x)))




def _winners(u, axes: tuple[int, ...], largest: bool):
    """Which entries of a series (K+1, ...) are extreme along ``axes`` for small t > 0: the
    extreme values, then among them the extreme first coefficients, and so on (the order of
    series near 0+ is lexicographic in their coefficients). Exact ties stay ties."""
    axes1 = tuple(a + 1 for a in axes)
    pick = jnp.max if largest else jnp.min
    far = jnp.asarray(-jnp.inf if largest else jnp.inf, u.dtype)

    def narrow(k, hit):
        row = u[k]
        best = pick(jnp.where(hit, row, far), axis=axes, keepdims=True)
        return hit & (row == best)

    return lax.fori_loop(0, u.shape[0], narrow, jnp.ones(u.shape[1:], bool)), axes1


def _reduce_chooser(largest: bool):
    """reduce_max/min: the coefficients of the entries that win for small t > 0 (their mean over
    exact ties, as JAX's derivative takes): a tie of values with different slopes is a kink."""
    def rule(prim, order, x, axes, **params):
        u = x.coeffs
        hit, axes1 = _winners(u, tuple(axes), largest)
        weight = hit.astype(u.dtype)
        return Series(jnp.sum(u * weight, axis=axes1) / jnp.sum(weight, axis=tuple(axes)))
    return rule


taylor_rule("reduce_max", piecewise=True)(_reduce_chooser(largest=True))
taylor_rule("reduce_min", piecewise=True)(_reduce_chooser(largest=False))


@taylor_rule("argmax", "argmin", piecewise=True)
def _arg_extreme(prim, order, x, axes, index_dtype, **params):
    """argmax/argmin of a series: the first entry that wins for small t > 0."""
    hit, _ = _winners(x.coeffs, tuple(axes), prim.name == "argmax")
    return jnp.argmax(hit, axis=axes[0]).astype(index_dtype)


@taylor_rule("sort", piecewise=True)
def _sort(prim, order, *operands, dimension, is_stable, num_keys):
    """The permutation that sorts the keys for small t > 0 (lexicographic in each key's
    coefficients), applied to every operand's coefficients."""
    keys = []
    for key in operands[:num_keys]:
        keys += list(key.coeffs) if isinstance(key, Series) else [key]
    shape = jnp.shape(keys[0])
    index = lax.broadcasted_iota(jnp.int32, shape, dimension)
    permutation = lax.sort([*keys, index], dimension=dimension, is_stable=True, num_keys=len(keys))[-1]
    take = lambda a: jnp.take_along_axis(a, permutation, axis=dimension)
    return [Series(jax.vmap(take)(v.coeffs)) if isinstance(v, Series) else take(v) for v in operands]


@taylor_rule("stop_gradient", "nextafter")
def _value_only(prim, order, *xs, **params):
    """stop_gradient, nextafter: the value, with no dependence on t."""
    return prim.bind(*(v.primal if isinstance(v, Series) else v for v in xs), **params)


def _just_after(u):
    """A number between u(0) and u(t) for small t > 0 that no step function tells from
    u(0+): u(0) moved by one relative ulp (at least the smallest normal number) in the
    direction of the first nonzero higher coefficient; u(0) itself if u does not move."""
    drift = _sign_near_zero_plus(u[1:]) if u.shape[0] > 1 else jnp.zeros_like(u[0])
    info = jnp.finfo(u.dtype)
    step = jnp.maximum(jnp.abs(u[0]) * info.eps, info.tiny)
    return u[0] + drift * step


@taylor_rule("sign", "floor", "ceil", "round", piecewise=True)
def _step_function(prim, order, x, **params):
    """sign, floor, ceil, round: constant in t, with the value they take just after t = 0,
    so the one-sided expansions are right and the two-sided check sees the jump."""
    return prim.bind(_just_after(x.coeffs), **params)




# ---------------------------------------------------------------- decisions
# Comparisons on series are decided for small t > 0, lexicographically on the coefficients
# of a - b, like the kinks above: a branch (where, select, cond, a while loop's test, a search
# in a table) then follows the side the series is on, and taylor_polynomial's two-sided check
# sees every jump.
DECISIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "gt": lambda s: s > 0, "ge": lambda s: s >= 0, "lt": lambda s: s < 0,
    "le": lambda s: s <= 0, "eq": lambda s: s == 0, "ne": lambda s: s != 0,
    "lt_to": lambda s: s < 0, "le_to": lambda s: s <= 0,   # total-order forms (searchsorted)
}


def decide(prim, order, a, b, **params):
    """A comparison of two values, at least one a series: the answer for small t > 0."""
    dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (a, b)))
    if not jnp.issubdtype(dtype, jnp.floating):
        return prim.bind(*(v.primal if isinstance(v, Series) else v for v in (a, b)), **params)
    ac, bc = S.broadcast_series(_coeffs(a, order, dtype), _coeffs(b, order, dtype))
    return DECISIONS[prim.name](_sign_near_zero_plus(ac - bc))


taylor_rule(*DECISIONS, piecewise=True)(decide)


def value_just_after(prim, order, *xs, **params):
    """Any other primitive with a discrete output (an integer cast, a bucket index, is_finite):
    a step function of its inputs, evaluated at a point just after t = 0 (:func:`_just_after`),
    so that the two sides of a break see different steps. The interpreter applies it to every
    primitive without a row whose outputs are not floating point."""
    moved = [_just_after(v.coeffs) if isinstance(v, Series) and jnp.issubdtype(v.coeffs.dtype, jnp.floating)
             else (v.primal if isinstance(v, Series) else v) for v in xs]
    return prim.bind(*moved, **params)


@taylor_rule("rem", piecewise=True)
def _rem(prim, order, x, y, **params):           # rem(x, y) = x - trunc(x0 / y0) y
    dtype = jnp.result_type(*(v.coeffs if isinstance(v, Series) else v for v in (x, y)))
    xc, yc = _coeffs(x, order, dtype), _coeffs(y, order, dtype)
    q = jnp.trunc(xc[0] / yc[0])
    return Series((xc - q * yc).at[0].set(lax.rem(xc[0], yc[0])))




@taylor_rule("reduce_prod", complex_safe=True)
def _reduce_prod(prim, order, x, axes, **params):  # prod_i u_i: Cauchy products, one factor at a time
    u = x.coeffs
    axes1 = tuple(a + 1 for a in axes)
    kept = [d for d in range(1, u.ndim) if d not in axes1]
    factors = jnp.transpose(u, (*axes1, 0, *kept))          # (factors..., K+1, kept...)
    factors = factors.reshape((-1,) + factors.shape[len(axes1):])
    one = jnp.zeros_like(factors[0]).at[0].set(1)
    return Series(lax.fori_loop(0, factors.shape[0], lambda i, acc: S.cauchy_product(acc, factors[i]), one))


# ---------------------------------------------------------------- derived tables
# What the interpreter, the cost model and the Laplacian read: derived from the rows above.
TAYLOR_RULES: dict[str, TaylorRule] = {name: row.apply for name, row in REGISTRY.items()}
# Linear in their series operands: they act on every row alike, so any stack of rows (a Taylor
# series, or the collapsed jets of .laplacian) can go through them.
LINEAR_PRIMITIVES: frozenset[str] = frozenset(name for name, row in REGISTRY.items() if row.linear)
# Right for complex series too (every coefficient complex, t real); any other primitive meeting
# a complex series is refused by the interpreter, never approximated.
COMPLEX_SAFE: frozenset[str] = frozenset(name for name, row in REGISTRY.items() if row.complex_safe)
# Primitives that may jump or kink, whose rules follow the side t > 0 (plus every primitive with
# a discrete output, by value_just_after): the ones the two-sided check must see.
PIECEWISE: frozenset[str] = frozenset(name for name, row in REGISTRY.items() if row.piecewise)
# Elementwise functions of one operand: name -> coefficients map (used again by .laplacian).
UNARY_SERIES: dict[str, Callable] = {name: row.coefficients for name, row in REGISTRY.items() if row.coefficients}
