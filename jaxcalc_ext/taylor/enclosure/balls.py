"""Ball arithmetic on truncated Taylor series, in NumPy float64, rounded outward.

A :class:`Ball` is a pair of arrays ``mid`` and ``rad`` of one shape ``(rows, batch, *shape)``:
row k is the k-th Taylor coefficient, and the true coefficient lies in ``[mid - rad, mid + rad]``
for every point the ball stands for (a point, or every point of an interval at once). A value
that does not depend on the expansion variable has one row; one that is the same for every
batch entry has a batch axis of 1. Every operation returns a ball that contains the exact
result of the operation on any members of its operands: a floating-point rounding only ever
widens ``rad`` (Arb's midpoint-radius arithmetic; Rump's error bounds for sums and products).

The elementary functions follow the recurrences of the Taylor engine (Griewank and Walther,
table 13.2): each is ``y' = u' g`` for a ``g`` built from ``y`` or ``u``, so

    y_k = (1/k) sum_{j=1..k} j u_j g_{k-j}

and row 0 is the function's range over the ball (monotone functions at the ends of the ball;
sin and cos by their Lipschitz bound), widened by the library's own error.

>>> x = point_series([0.5], order=3)          # x(t) = 0.5 + t, one batch entry
>>> y = exp(x)                                # e^0.5 (1 + t + t^2/2 + t^3/6)
>>> lo, hi = bounds(y)
>>> bool(lo[3, 0] <= 1.6487212707001282 / 6 <= hi[3, 0]), float(y.rad.max()) < 1e-12
(True, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

U = 2.0 ** -53           # unit roundoff of float64
ETA = 2.0 ** -1060       # absorbs underflow: more than any number of subnormal roundings we make
LIBM = 2.0 ** -44        # relative error allowed to NumPy's and SciPy's elementary functions (a few ulp)


class NotEnclosed(Exception):
    """The value cannot be enclosed on this ball: a kink, a jump or a singularity may lie in it
    (``abs`` of a ball containing 0, ``log`` of one reaching 0, a pole of ``tan``, a comparison
    the ball does not decide). The message says which."""


@dataclass(frozen=True)
class Ball:
    """Coefficients ``(rows, batch, *shape)`` as midpoints and radii (see the module docstring)."""

    mid: np.ndarray
    rad: np.ndarray

    @property
    def rows(self) -> int:
        return self.mid.shape[0]

    @property
    def is_constant(self) -> bool:
        """One row: the value does not depend on the expansion variable."""
        return self.mid.shape[0] == 1

    @property
    def shape(self) -> tuple:
        """The value's own shape (without the rows and the batch)."""
        return self.mid.shape[2:]

    def row(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k >= self.rows:
            zero = np.zeros_like(self.mid[0])
            return zero, zero
        return self.mid[k], self.rad[k]

    def padded(self, rows: int) -> "Ball":
        """The same series with ``rows`` rows (the missing ones are exact zeros)."""
        if self.rows == rows:
            return self
        extra = np.zeros((rows - self.rows,) + self.mid.shape[1:])
        return Ball(np.concatenate([self.mid, extra]), np.concatenate([self.rad, extra]))

    def __getitem__(self, k) -> "Ball":
        return Ball(self.mid[k], self.rad[k])


# ---------------------------------------------------------------- rounding
def grow(x: np.ndarray, operations: int = 1) -> np.ndarray:
    """A nonnegative quantity computed with ``operations`` roundings, made an upper bound of its
    exact value (each rounding is at most a factor 1 + U)."""
    return x * (1.0 + 2.0 * (operations + 2) * U) + ETA


def lower(x: np.ndarray) -> np.ndarray:
    """A float at most the exact value of a once-rounded ``x``."""
    return x - (np.abs(x) * (2 * U) + ETA)


def upper(x: np.ndarray) -> np.ndarray:
    return x + (np.abs(x) * (2 * U) + ETA)


def bounds(ball: Ball) -> tuple[np.ndarray, np.ndarray]:
    """``[lo, hi]`` containing every member of the ball, rounded outward (an exact ball, of
    radius 0, is its midpoint)."""
    exact_ = ball.rad == 0
    return (np.where(exact_, ball.mid, lower(ball.mid - ball.rad)),
            np.where(exact_, ball.mid, upper(ball.mid + ball.rad)))


def from_bounds(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mid, rad) of a ball containing ``[lo, hi]``."""
    mid = 0.5 * lo + 0.5 * hi
    return mid, grow(np.maximum(mid - lo, hi - mid), 2)


def _check(mid: np.ndarray, rad: np.ndarray, what: str) -> None:
    if not (np.all(np.isfinite(mid)) and np.all(np.isfinite(rad))):
        raise NotEnclosed(f"{what} is unbounded on this interval")


# ---------------------------------------------------------------- constructors
def exact(values, rows: int = 1) -> Ball:
    """A value known exactly (a float64 constant of the program), as a ball of radius 0."""
    mid = np.asarray(values, dtype=np.float64)[None, None]
    if rows > 1:
        mid = np.concatenate([mid, np.zeros((rows - 1,) + mid.shape[1:])])
    return Ball(mid, np.zeros_like(mid))


def point_series(points, order: int) -> Ball:
    """``x(t) = p + t`` for each float point p (the batch): exact."""
    p = np.asarray(points, dtype=np.float64).reshape(-1)
    mid = np.zeros((order + 1, p.size))
    mid[0] = p
    if order >= 1:
        mid[1] = 1.0
    return Ball(mid, np.zeros_like(mid))


def interval_series(lo, hi, order: int) -> Ball:
    """``x(t) = xi + t`` for every xi in [lo, hi] at once (one ball per batch entry)."""
    m, r = from_bounds(np.asarray(lo, np.float64).reshape(-1), np.asarray(hi, np.float64).reshape(-1))
    mid = np.zeros((order + 1, m.size))
    rad = np.zeros_like(mid)
    mid[0], rad[0] = m, r
    if order >= 1:
        mid[1] = 1.0
    return Ball(mid, rad)


# ---------------------------------------------------------------- linear arithmetic
def _common_rows(a: Ball, b: Ball) -> tuple[Ball, Ball]:
    rows = max(a.rows, b.rows)
    return a.padded(rows), b.padded(rows)


def add(a: Ball, b: Ball) -> Ball:
    a, b = _common_rows(a, b)
    mid = a.mid + b.mid
    return Ball(mid, grow(a.rad + b.rad + U * np.abs(mid), 2))


def neg(a: Ball) -> Ball:
    return Ball(-a.mid, a.rad)


def sub(a: Ball, b: Ball) -> Ball:
    return add(a, neg(b))


def scale(a: Ball, c: float) -> Ball:
    """``c * a`` for a float c taken as exact."""
    mid = a.mid * c
    return Ball(mid, grow(a.rad * abs(c) + U * np.abs(mid), 2))


def shift_rows_weighted(a: Ball) -> Ball:
    """``j a_j`` in row j: the coefficients of t u'(t) (exact integers times balls)."""
    j = np.arange(a.rows, dtype=np.float64).reshape((-1,) + (1,) * (a.mid.ndim - 1))
    mid = a.mid * j
    return Ball(mid, grow(a.rad * j + U * np.abs(mid), 2))


def divide_rows_by_index(a: Ball) -> Ball:
    """Row k divided by k (row 0 left as it is)."""
    k = np.maximum(np.arange(a.rows, dtype=np.float64), 1.0).reshape((-1,) + (1,) * (a.mid.ndim - 1))
    mid = a.mid / k
    return Ball(mid, grow(a.rad / k + U * np.abs(mid), 2))


# ---------------------------------------------------------------- products
def bilinear(a: Ball, b: Ball, contract: Callable[[np.ndarray, np.ndarray], np.ndarray], terms: int) -> Ball:
    """``B(a, b)`` for a bilinear map B of the values (a product, a dot product, an einsum)
    given as ``contract`` on arrays with the rows and batch axes leading; over the rows it is the
    Cauchy product. ``terms`` is how many products each output entry sums (for the rounding).
    """
    am, ar, bm, br = a.mid, a.rad, b.mid, b.rad
    abs_am, abs_bm = np.abs(am), np.abs(bm)
    if a.is_constant or b.is_constant:
        mid = contract(am, bm)
        rad = contract(abs_am, br) + contract(ar, abs_bm + br)
        spread = contract(abs_am, abs_bm)
        n = terms
    else:
        rows = max(a.rows, b.rows)
        a, b = a.padded(rows), b.padded(rows)
        am, ar, bm, br = a.mid, a.rad, b.mid, b.rad
        abs_am, abs_bm = np.abs(am), np.abs(bm)
        mid = rad = spread = None
        for j in range(rows):      # row k gathers a_j b_{k-j}
            parts = (contract(am[j:j + 1], bm[:rows - j]),
                     contract(abs_am[j:j + 1], br[:rows - j]) + contract(ar[j:j + 1], abs_bm[:rows - j] + br[:rows - j]),
                     contract(abs_am[j:j + 1], abs_bm[:rows - j]))
            if mid is None:
                shape = (rows,) + parts[0].shape[1:]
                mid, rad, spread = np.zeros(shape), np.zeros(shape), np.zeros(shape)
            mid[j:] += parts[0]
            rad[j:] += parts[1]
            spread[j:] += parts[2]
        n = terms * rows
    gamma = 2.0 * (n + 2) * U
    rad = grow(rad + gamma * spread, n + 4)
    _check(mid, rad, "a product")
    return Ball(mid, rad)


def mul(a: Ball, b: Ball) -> Ball:
    return bilinear(a, b, np.multiply, 1)


def _value_divide(am, ar, bm, br, what: str = "a quotient"):
    """Balls a / b for values (b must not contain 0)."""
    margin = np.abs(bm) - br
    if np.any(lower(margin) <= 0):
        raise NotEnclosed(f"{what}: a division by a value that may be 0 (a pole there)")
    mid = am / bm
    rad = grow((ar + np.abs(mid) * br) / lower(lower(margin)) + U * np.abs(mid), 4)
    return mid, rad


def divide(a: Ball, b: Ball, what: str = "a quotient") -> Ball:
    """The series of a / b: ``y_k = (a_k - sum_{j=1..k} b_j y_{k-j}) / b_0``."""
    if b.is_constant:
        mid, rad = _value_divide(a.mid, a.rad, b.mid[0], b.rad[0], what)
        return Ball(mid, rad)
    rows = max(a.rows, b.rows)
    a, b = a.padded(rows), b.padded(rows)
    mids, rads = [], []
    for k in range(rows):
        num_m, num_r = a.mid[k], a.rad[k]
        if k:
            s_m, s_r = _dot_rows(b.mid[1:k + 1], b.rad[1:k + 1], np.stack(mids[::-1]), np.stack(rads[::-1]))
            num_m, num_r = num_m - s_m, grow(num_r + s_r + U * np.abs(num_m - s_m), 2)
        m, r = _value_divide(num_m, num_r, b.mid[0], b.rad[0], what)
        mids.append(m), rads.append(r)
    mid, rad = np.stack(mids), np.stack(rads)
    _check(mid, rad, what)
    return Ball(mid, rad)


def _dot_rows(xm, xr, ym, yr):
    """sum_j x_j y_j over the leading axis, as a ball."""
    mid = np.sum(xm * ym, axis=0)
    n = xm.shape[0]
    rad = np.sum(np.abs(xm) * yr + xr * (np.abs(ym) + yr), axis=0)
    rad = grow(rad + 2.0 * (n + 2) * U * np.sum(np.abs(xm * ym), axis=0), n + 4)
    return mid, rad


# ---------------------------------------------------------------- elementary functions
def _widen_libm(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    slack = LIBM * np.abs(v) + ETA
    return v - slack, v + slack


def monotone_value(fn: Callable, m, r, increasing: bool = True):
    """(mid, rad) of ``fn`` over the ball (m, r) for a monotone fn, from its ends."""
    lo, hi = lower(m - r), upper(m + r)
    a, b = fn(lo), fn(hi)
    if not increasing:
        a, b = b, a
    a, _ = _widen_libm(a)
    _, b = _widen_libm(b)
    return from_bounds(a, b)


def _sin_cos_values(m, r):
    s, c = np.sin(m), np.cos(m)
    wide = r > 2.0
    ds = grow(np.abs(c) * (1 + LIBM) * r + 0.5 * r * r, 4) + LIBM * np.abs(s) + ETA
    dc = grow(np.abs(s) * (1 + LIBM) * r + 0.5 * r * r, 4) + LIBM * np.abs(c) + ETA
    out = []
    for v, d in ((s, ds), (c, dc)):
        lo, hi = np.maximum(v - d, -1.0), np.minimum(v + d, 1.0)
        lo, hi = np.where(wide, -1.0, lower(lo)), np.where(wide, 1.0, upper(hi))
        out.append(from_bounds(lo, hi))
    return out


def _rate_series(u: Ball, y0: tuple, rate: Ball) -> Ball:
    """y with y' = u' * rate, y(0) = y0: ``y_k = (1/k) sum_j j u_j rate_{k-j}``."""
    y = divide_rows_by_index(mul(shift_rows_weighted(u), rate))
    mid, rad = y.mid.copy(), y.rad.copy()
    mid[0], rad[0] = y0
    return Ball(mid, rad)


def _self_series(u: Ball, y0: tuple, g_row: Callable[[list, list, int], tuple]) -> Ball:
    """y with y' = u' g, where g's row i is ``g_row(mids, rads, i)`` of y's rows 0..i."""
    du = shift_rows_weighted(u)
    ym, yr = [y0[0]], [y0[1]]
    gm, gr = [], []
    for k in range(1, u.rows):
        m, r = g_row(ym, yr, k - 1)
        gm.append(m), gr.append(r)
        s_m, s_r = _dot_rows(du.mid[1:k + 1], du.rad[1:k + 1], np.stack(gm[::-1]), np.stack(gr[::-1]))
        ym.append(s_m / k), yr.append(grow(s_r / k + U * np.abs(s_m / k), 2))
    mid, rad = np.stack(ym), np.stack(yr)
    _check(mid, rad, "a series")
    return Ball(mid, rad)


def _square_row(ym, yr, i):
    """Row i of y^2 from y's rows 0..i."""
    return _dot_rows(np.stack(ym[:i + 1]), np.stack(yr[:i + 1]), np.stack(ym[i::-1]), np.stack(yr[i::-1]))


def _value_only(u: Ball, value: tuple) -> Ball:
    return Ball(value[0][None], value[1][None])


def exp(u: Ball) -> Ball:
    y0 = monotone_value(np.exp, u.mid[0], u.rad[0])
    _check(*y0, "exp")
    if u.is_constant:
        return _value_only(u, y0)
    return _self_series(u, y0, lambda ym, yr, i: (ym[i], yr[i]))


def expm1(u: Ball) -> Ball:                      # y' = u' (1 + y)
    y0 = monotone_value(np.expm1, u.mid[0], u.rad[0])
    _check(*y0, "expm1")
    if u.is_constant:
        return _value_only(u, y0)
    return _self_series(u, y0, lambda ym, yr, i: ((ym[i] + 1.0, grow(yr[i] + U * np.abs(ym[i] + 1.0), 2))
                                                  if i == 0 else (ym[i], yr[i])))


def _positive(u: Ball, what: str, floor: float = 0.0) -> None:
    if np.any(lower(u.mid[0] - u.rad[0]) <= floor):
        raise NotEnclosed(f"{what} of a value that may be <= {floor:g}")


def log(u: Ball) -> Ball:                        # y' = u' / u
    _positive(u, "log")
    y0 = monotone_value(np.log, u.mid[0], u.rad[0])
    if u.is_constant:
        return _value_only(u, y0)
    return _rate_series(u, y0, divide(exact(1.0), u, "log"))


def log1p(u: Ball) -> Ball:                      # y' = u' / (1 + u)
    _positive(u, "log1p", -1.0)
    y0 = monotone_value(np.log1p, u.mid[0], u.rad[0])
    if u.is_constant:
        return _value_only(u, y0)
    return _rate_series(u, y0, divide(exact(1.0), add(u, exact(1.0)), "log1p"))


def power(u: Ball, p: float) -> Ball:
    """u^p for a constant real p: y' = p (u'/u) y, y_0 = u_0^p (u > 0 unless p is a whole
    number; a negative base with a whole p goes through :func:`integer_power`)."""
    if float(p).is_integer() and abs(p) <= 64:
        return integer_power(u, int(p))
    _positive(u, f"a power {p:g}")
    y0 = monotone_value(lambda v: np.power(v, p), u.mid[0], u.rad[0], increasing=p > 0)
    _check(*y0, f"a power {p:g}")
    if u.is_constant:
        return _value_only(u, y0)
    v = scale(log(u), p)                          # y = y_0 exp(v - v_0)
    return _self_series(v, y0, lambda ym, yr, i: (ym[i], yr[i]))


def cbrt(u: Ball) -> Ball:                       # y' = (1/3) (u'/u) y, for u of either sign
    lo, hi = lower(u.mid[0] - u.rad[0]), upper(u.mid[0] + u.rad[0])
    if np.any((lo <= 0) & (hi >= 0)):
        raise NotEnclosed("cbrt of a value that may be 0 (its derivative is infinite there)")
    y0 = monotone_value(np.cbrt, u.mid[0], u.rad[0])
    if u.is_constant:
        return _value_only(u, y0)
    v = scale(_rate_series(u, (np.zeros_like(y0[0]), np.zeros_like(y0[0])), divide(exact(1.0), u, "cbrt")), 1 / 3)
    v = Ball(v.mid, grow(v.rad + U * np.abs(v.mid), 2))      # 1/3 is not a float
    return _self_series(v, y0, lambda ym, yr, i: (ym[i], yr[i]))


def integer_power(u: Ball, n: int) -> Ball:
    """u^n by repeated squaring (no division unless n < 0)."""
    if n < 0:
        return divide(exact(1.0), integer_power(u, -n), "a negative power")
    result, base = exact(1.0), u
    while n:
        if n & 1:
            result = mul(result, base)
        n >>= 1
        if n:
            base = mul(base, base)
    return result


def sin_cos(u: Ball) -> tuple[Ball, Ball]:       # s' = u' c, c' = -u' s
    (sm, sr), (cm, cr) = _sin_cos_values(u.mid[0], u.rad[0])
    if u.is_constant:
        return Ball(sm[None], sr[None]), Ball(cm[None], cr[None])
    du = shift_rows_weighted(u)
    s_m, s_r, c_m, c_r = [sm], [sr], [cm], [cr]
    for k in range(1, u.rows):
        a = _dot_rows(du.mid[1:k + 1], du.rad[1:k + 1], np.stack(c_m[::-1]), np.stack(c_r[::-1]))
        b = _dot_rows(du.mid[1:k + 1], du.rad[1:k + 1], np.stack(s_m[::-1]), np.stack(s_r[::-1]))
        s_m.append(a[0] / k), s_r.append(grow(a[1] / k + U * np.abs(a[0] / k), 2))
        c_m.append(-b[0] / k), c_r.append(grow(b[1] / k + U * np.abs(b[0] / k), 2))
    return Ball(np.stack(s_m), np.stack(s_r)), Ball(np.stack(c_m), np.stack(c_r))


def sinh_cosh(u: Ball) -> tuple[Ball, Ball]:     # s' = u' c, c' = u' s
    sm, sr = monotone_value(np.sinh, u.mid[0], u.rad[0])
    lo, hi = lower(u.mid[0] - u.rad[0]), upper(u.mid[0] + u.rad[0])
    (at_lo_down, at_lo_up), (at_hi_down, at_hi_up) = _widen_libm(np.cosh(lo)), _widen_libm(np.cosh(hi))
    bottom = np.where(lo > 0, at_lo_down, np.where(hi < 0, at_hi_down, 1.0))   # cosh is least at 0
    cm, cr = from_bounds(bottom, np.maximum(at_lo_up, at_hi_up))
    _check(sm, sr, "sinh"), _check(cm, cr, "cosh")
    if u.is_constant:
        return Ball(sm[None], sr[None]), Ball(cm[None], cr[None])
    du = shift_rows_weighted(u)
    s_m, s_r, c_m, c_r = [sm], [sr], [cm], [cr]
    for k in range(1, u.rows):
        a = _dot_rows(du.mid[1:k + 1], du.rad[1:k + 1], np.stack(c_m[::-1]), np.stack(c_r[::-1]))
        b = _dot_rows(du.mid[1:k + 1], du.rad[1:k + 1], np.stack(s_m[::-1]), np.stack(s_r[::-1]))
        s_m.append(a[0] / k), s_r.append(grow(a[1] / k + U * np.abs(a[0] / k), 2))
        c_m.append(b[0] / k), c_r.append(grow(b[1] / k + U * np.abs(b[0] / k), 2))
    return Ball(np.stack(s_m), np.stack(s_r)), Ball(np.stack(c_m), np.stack(c_r))


def _one_plus_or_minus_square(sign: float):
    """g = 1 + sign y^2 from y's rows (tan: +1, tanh: -1)."""
    def g_row(ym, yr, i):
        m, r = _square_row(ym, yr, i)
        if i == 0:
            v = 1.0 + sign * m
            return v, grow(r + U * np.abs(v) + U, 2)
        return sign * m, r
    return g_row


def tanh(u: Ball) -> Ball:                       # y' = u' (1 - y^2)
    y0 = monotone_value(np.tanh, u.mid[0], u.rad[0])
    if u.is_constant:
        return _value_only(u, y0)
    return _self_series(u, y0, _one_plus_or_minus_square(-1.0))


def tan(u: Ball) -> Ball:                        # y' = u' (1 + y^2)
    s, c = sin_cos(u[0:1])
    t = divide(s, c, "tan (sin / cos)")
    y0 = (t.mid[0], t.rad[0])
    if u.is_constant:
        return _value_only(u, y0)
    return _self_series(u, y0, _one_plus_or_minus_square(1.0))


def logistic(u: Ball) -> Ball:                   # y' = u' y (1 - y)
    from scipy.special import expit          # 1 / (1 + e^-v) to a few ulp, also where it is tiny
    y0 = monotone_value(expit, u.mid[0], u.rad[0])
    if u.is_constant:
        return _value_only(u, y0)

    def g_row(ym, yr, i):
        m, r = _square_row(ym, yr, i)
        v = ym[i] - m
        return v, grow(yr[i] + r + U * np.abs(v), 2)
    return _self_series(u, y0, g_row)


def _inverse(u: Ball, value: Callable, rate: Callable[[Ball], Ball], increasing: bool = True,
             domain: tuple[float, float] | None = None, name: str = "") -> Ball:
    """y = g(u) with y' = u' rate(u)."""
    if domain is not None:
        lo, hi = lower(u.mid[0] - u.rad[0]), upper(u.mid[0] + u.rad[0])
        if np.any(lo <= domain[0]) or np.any(hi >= domain[1]):
            raise NotEnclosed(f"{name} of a value that may reach {domain[0]:g} or {domain[1]:g}")
    y0 = monotone_value(value, u.mid[0], u.rad[0], increasing)
    if u.is_constant:
        return _value_only(u, y0)
    return _rate_series(u, y0, rate(u))


def _one_plus(u: Ball, sign: float, square_sign: float = 1.0) -> Ball:
    """sign + square_sign * u^2."""
    return add(exact(sign), scale(mul(u, u), square_sign))


def atan(u: Ball) -> Ball:
    return _inverse(u, np.arctan, lambda v: divide(exact(1.0), _one_plus(v, 1.0)))


def asin(u: Ball) -> Ball:
    return _inverse(u, np.arcsin, lambda v: power(_one_plus(v, 1.0, -1.0), -0.5), domain=(-1, 1), name="asin")


def acos(u: Ball) -> Ball:
    return _inverse(u, np.arccos, lambda v: neg(power(_one_plus(v, 1.0, -1.0), -0.5)), increasing=False,
                    domain=(-1, 1), name="acos")


def asinh(u: Ball) -> Ball:
    return _inverse(u, np.arcsinh, lambda v: power(_one_plus(v, 1.0), -0.5))


def acosh(u: Ball) -> Ball:
    return _inverse(u, np.arccosh, lambda v: power(_one_plus(v, -1.0), -0.5), domain=(1, math.inf), name="acosh")


def atanh(u: Ball) -> Ball:
    return _inverse(u, np.arctanh, lambda v: divide(exact(1.0), _one_plus(v, 1.0, -1.0)), domain=(-1, 1),
                    name="atanh")


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _gauss_rate(u: Ball, sign: float) -> Ball:
    r = scale(exp(neg(mul(u, u))), sign * _TWO_OVER_SQRT_PI)
    return Ball(r.mid, grow(r.rad + 4 * U * np.abs(r.mid), 2))   # 2/sqrt(pi) is not a float


def erf(u: Ball) -> Ball:
    from scipy.special import erf as value
    return _inverse(u, value, lambda v: _gauss_rate(v, 1.0))


def erfc(u: Ball) -> Ball:
    from scipy.special import erfc as value
    return _inverse(u, value, lambda v: _gauss_rate(v, -1.0), increasing=False)


PI = (np.float64(math.pi), np.float64(4 * U * math.pi))       # float pi is 1.2e-16 below pi


def atan2(y: Ball, x: Ball) -> Ball:
    """atan2(y, x): its value from atan of a quotient on the side the ball is on (a ball crossing
    the cut x < 0, y = 0 is refused), its rows from y' = (x y' - y x') / (x^2 + y^2)."""
    x0, y0 = x[0:1], y[0:1]
    x_lo, _ = bounds(x0)
    y_lo, y_hi = bounds(y0)
    if np.all(x_lo > 0):
        value = atan(divide(y0, x0))
    elif np.all(y_lo > 0) or np.all(y_hi < 0):
        sign = np.where(y_lo > 0, 1.0, -1.0)
        q = atan(divide(x0, y0))
        value = Ball(sign * 0.5 * PI[0] - q.mid, grow(q.rad + 0.5 * PI[1] + U * np.abs(q.mid), 2))
    else:
        raise NotEnclosed("atan2 across its branch cut (x < 0, y = 0) or where x and y may both be 0")
    if x.is_constant and y.is_constant:
        return value
    rows = max(x.rows, y.rows)
    x, y = x.padded(rows), y.padded(rows)
    num = sub(mul(x, _derivative(y)), mul(y, _derivative(x)))
    rate = divide(num, add(mul(x, x), mul(y, y)), "atan2")
    out = _integrate(rate)
    mid, rad = out.mid.copy(), out.rad.copy()
    mid[0], rad[0] = value.mid[0], value.rad[0]
    return Ball(mid, rad)


def _derivative(a: Ball) -> Ball:
    """Rows of da/dt: (k+1) a_{k+1}, the last row 0."""
    w = shift_rows_weighted(a)
    zero = np.zeros_like(a.mid[:1])
    return Ball(np.concatenate([w.mid[1:], zero]), np.concatenate([w.rad[1:], zero]))


def _integrate(a: Ball) -> Ball:
    """Rows of the antiderivative with row 0 = 0: row k = a_{k-1} / k."""
    zero = np.zeros_like(a.mid[:1])
    shifted = Ball(np.concatenate([zero, a.mid[:-1]]), np.concatenate([zero, a.rad[:-1]]))
    return divide_rows_by_index(shifted)


def sign_of(ball: Ball, what: str) -> np.ndarray:
    """+1 or -1 for every entry of row 0 whose ball excludes 0; a ball containing 0 is refused."""
    lo, hi = bounds(ball[0:1])
    if np.any((lo <= 0) & (hi >= 0)):
        raise NotEnclosed(f"{what} at a value that may be 0 (a kink or a jump there)")
    return np.where(lo > 0, 1.0, -1.0)[0]


def horner(coefficients: list[Ball], t: Ball) -> Ball:
    """sum_k c_k t^k for balls c_k and a ball t (values: one row each)."""
    acc = coefficients[-1]
    for c in coefficients[-2::-1]:
        acc = add(mul(acc, t), c)
    return acc
