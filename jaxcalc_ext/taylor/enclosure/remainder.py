"""A certified remainder: ``f(x) in T_n(x) + [lo, hi] (x - x0)^(n+1)`` on an interval, proved.

The enclosed quantity is ``r(t) = (f(x0 + t) - T_n(t)) / t^(n+1)``, bounded on pieces of the
interval by two methods whose answers are intersected (both are sound, each is tight where the
other is not):

A. near x0, the series at x0 continued: ``r(t) = sum_{k=n+1..N} c_k t^(k-n-1) + c_{N+1}(xi) t^(N-n)``,
   the c_k from balls at the point x0, ``c_{N+1}(xi)`` bounded over the hull of x0 and the piece
   (Lagrange's remainder), for every N from n to n + extra;
B. away from x0, a Taylor model of r on the piece about its midpoint p: the series of
   ``f - T_n`` at p divided by the series of ``t^(n+1)``, with the last coefficient bounded over
   the piece. It cannot be used at x0 (it divides by t) and loses float64's digits where
   ``f - T_n`` is below f's rounding; A is tight there.

Every number comes from :mod:`.balls` (outward rounding), so float64 cannot make the claim false.
Pieces are split where their bound sticks out of the range the others suggest; a piece with a
kink or a jump in it (``relu``, ``where``, ``abs``) is bounded branch by branch by method B (each
branch is an analytic formula on the piece, and f is one of them at every point); a piece where f
is singular or refused stops the band, which then holds on the largest interval around x0 that
was certified (``holds_on``), and says why.

>>> import jax.numpy as jnp
>>> band = certified_remainder(jnp.exp, 0.0, 3, 0.5)
>>> band.lo <= float(jnp.exp(0.5) - 1 - 0.5 - 0.125 - 0.5**3 / 6) / 0.5**4 <= band.hi
True
>>> print(band)                                   # doctest: +ELLIPSIS
|f - T_3| <= ... on [-0.5, 0.5], guaranteed
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...core.errors import JaxCalcError
from . import balls as B
from .balls import Ball, NotEnclosed

EXTRA_ORDERS = 12            # method A continues the series this far past n
MODEL_ORDER = 6              # method B's Taylor models on the pieces
FIRST_PIECES = 12            # per side, before any split
MAX_PIECES = 256             # per side
MAX_ROUNDS = 40
STICKING_OUT = 0.03          # a piece is split when its bound passes the others' range by this much of it
MAX_FORCED = 3               # kinks or jumps in one piece, bounded branch by branch


@dataclass(frozen=True)
class CertifiedRemainder:
    """``f(x) - T_n(x) in [lo, hi] (x - x0)^(n+1)`` for every x in ``holds_on`` (proved), where
    T_n is the exact Taylor polynomial; ``max_error`` bounds ``|f - T_n|`` there for T_n with the
    float coefficients ``polynomial``. ``pieces`` and ``piece_lo``/``piece_hi`` give the bound
    piece by piece (tighter than [lo, hi], and what the band in a figure draws)."""

    x0: float
    degree: int
    interval: tuple[float, float]
    holds_on: tuple[float, float]
    lo: float
    hi: float
    max_error: float
    polynomial: np.ndarray
    pieces: np.ndarray = field(repr=False)
    piece_lo: np.ndarray = field(repr=False)
    piece_hi: np.ndarray = field(repr=False)
    coefficient_error: np.ndarray = field(repr=False)    # |polynomial_k - c_k| <= this
    reason: str | None = None
    evaluations: int = 0

    @property
    def complete(self) -> bool:
        """Whether the band holds on the whole interval asked for."""
        return self.holds_on == self.interval

    def band(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of f at the points x (within ``holds_on``; NaN outside):
        T_n(x) + [lo, hi] (x - x0)^(n+1) with the piece's own [lo, hi]."""
        x = np.asarray(x, dtype=np.float64)
        t = x - self.x0
        poly = np.polynomial.polynomial.polyval(t, self.polynomial)
        which = np.clip(np.searchsorted(self.pieces[:, 1], x, side="left"), 0, len(self.pieces) - 1)
        p = t ** (self.degree + 1)
        a, b = self.piece_lo[which] * p, self.piece_hi[which] * p
        inside = (x >= self.holds_on[0]) & (x <= self.holds_on[1])
        slack = np.polynomial.polynomial.polyval(np.abs(t), self.coefficient_error)
        return (np.where(inside, poly + np.minimum(a, b) - slack, np.nan),
                np.where(inside, poly + np.maximum(a, b) + slack, np.nan))

    def __str__(self) -> str:
        where = _interval_text(self.holds_on)
        text = f"|f - T_{self.degree}| <= {self.max_error:.2g} on {where}, guaranteed"
        if not self.complete:
            text += f" (asked {_interval_text(self.interval)}: {self.reason})"
        return text


def _interval_text(interval: tuple[float, float]) -> str:
    return f"[{interval[0]:.4g}, {interval[1]:.4g}]"


# ---------------------------------------------------------------- the series we need
def _binomials(n: int) -> np.ndarray:
    return np.array([[math.comb(k, j) for j in range(n + 1)] for k in range(n + 1)], dtype=np.float64)


def _ball_of(lo: np.ndarray, hi: np.ndarray) -> Ball:
    """Values in [lo, hi] (floats, exact) as a one-row ball with a batch axis."""
    m, r = B.from_bounds(np.asarray(lo, np.float64), np.asarray(hi, np.float64))
    return Ball(m[None], r[None])


def _difference_ball(a: np.ndarray, b: float) -> Ball:
    """a - b for floats, exactly enclosed."""
    d = a - b
    return Ball(d[None], B.grow(B.U * np.abs(d), 1)[None])


def _polynomial_shifted(c: list[Ball], d: Ball, rows: int) -> Ball:
    """The first ``rows`` Taylor coefficients at x0 + d of ``sum_k c_k (x - x0)^k``:
    row j is sum_{k >= j} c_k binom(k, j) d^(k-j)."""
    n = len(c) - 1
    binom = _binomials(n)
    powers = [B.exact(1.0)]
    for _ in range(n):
        powers.append(B.mul(powers[-1], d))
    out_mid, out_rad = [], []
    for j in range(rows):
        acc = B.exact(0.0)
        for k in range(j, n + 1):
            acc = B.add(acc, B.mul(B.scale(c[k], binom[k, j]), powers[k - j]))
        acc = Ball(np.broadcast_to(acc.mid, (1,) + d.mid.shape[1:]), np.broadcast_to(acc.rad, (1,) + d.mid.shape[1:]))
        out_mid.append(acc.mid[0]), out_rad.append(acc.rad[0])
    return Ball(np.stack(out_mid), np.stack(out_rad))


def _power_series_of_t(d: Ball, n: int, rows: int) -> Ball:
    """Coefficients in s of (d + s)^n: binom(n, j) d^(n-j)."""
    out_m, out_r = [], []
    for j in range(rows):
        if j > n:
            out_m.append(np.zeros_like(d.mid[0])), out_r.append(np.zeros_like(d.mid[0]))
            continue
        p = B.scale(B.integer_power(d, n - j), float(math.comb(n, j)))
        out_m.append(np.broadcast_to(p.mid[0], d.mid.shape[1:]))
        out_r.append(np.broadcast_to(p.rad[0], d.mid.shape[1:]))
    return Ball(np.stack(out_m), np.stack(out_r))


def _rows(ball: Ball, rows: int) -> list[Ball]:
    return [ball[k:k + 1] for k in range(rows)]


def _intersect(lo_a, hi_a, lo_b, hi_b):
    lo, hi = np.fmax(lo_a, lo_b), np.fmin(hi_a, hi_b)
    return lo, hi


# ---------------------------------------------------------------- the two methods
class _Problem:
    """One request: the program, x0, n, and the series at x0."""

    def __init__(self, closed, x0: float, degree: int, extra: int):
        from .interpreter import enclose_with_sites

        self.closed, self.x0, self.n, self.extra = closed, x0, degree, extra
        self.top = degree + extra
        self.evaluations = 0
        self._enclose = enclose_with_sites
        # x0 give or take a few ulps: a kink or a jump within rounding of x0 is refused, not
        # expanded on one side as if it were not there
        near_x0 = 8 * B.U * max(abs(x0), 1e-300)
        center = self.series(B.interval_series([x0 - near_x0], [x0 + near_x0], self.top))
        self.c = _rows(center, self.top + 1)              # c_0..c_N at x0, balls of one row

    def series(self, x: Ball) -> Ball:
        self.evaluations += 1
        out, = self._enclose(self.closed, [x])
        if not isinstance(out, Ball):
            raise NotEnclosed("the function's value is not a real number")
        out = out.padded(x.rows)                  # a constant output has one row
        shape = (x.rows, x.mid.shape[1])
        return Ball(np.broadcast_to(out.mid.reshape(out.mid.shape[:2]), shape),
                    np.broadcast_to(out.rad.reshape(out.rad.shape[:2]), shape))

    # A: the series at x0, continued, with Lagrange's remainder over the hull of x0 and the piece
    def near(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, top = self.n, self.top
        hull = self.series(B.interval_series(np.minimum(u, self.x0), np.maximum(v, self.x0), top + 1))
        t = _ball_of(B.lower(u - self.x0), B.upper(v - self.x0))
        lo = np.full(u.shape, -np.inf)
        hi = np.full(u.shape, np.inf)
        poly = B.exact(0.0)
        t_power = B.exact(1.0)                               # t^(k-n-1)
        for k in range(n + 1, top + 2):
            tail = B.mul(hull[k:k + 1], t_power)             # c_k(xi) t^(k-n-1), xi in the hull
            a, b = B.bounds(B.add(poly, tail))
            lo, hi = _intersect(lo, hi, a[0], b[0])
            if k <= top:
                poly = B.add(poly, B.mul(self.c[k], t_power))
                t_power = B.mul(t_power, t)
        return lo, hi

    # B: a Taylor model of r on the piece, about its midpoint
    def away(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, rows = self.n, MODEL_ORDER + 1
        p = 0.5 * u + 0.5 * v
        at_p = self.series(B.point_series(p, MODEL_ORDER))
        on_piece = self.series(B.interval_series(u, v, MODEL_ORDER))
        d_p = _difference_ball(p, self.x0)
        d_piece = _ball_of(B.lower(u - self.x0), B.upper(v - self.x0))
        c = self.c[:n + 1]
        diff_p = B.sub(at_p, _polynomial_shifted(c, d_p, rows))
        diff_piece = B.sub(on_piece, _polynomial_shifted(c, d_piece, rows))
        model_p = B.divide(diff_p, _power_series_of_t(d_p, n + 1, rows))
        model_piece = B.divide(diff_piece, _power_series_of_t(d_piece, n + 1, rows))
        s = _ball_of(B.lower(u - p), B.upper(v - p))
        lo = np.full(u.shape, -np.inf)
        hi = np.full(u.shape, np.inf)
        acc = B.exact(0.0)
        s_power = B.exact(1.0)
        for j in range(rows):
            a, b = B.bounds(B.add(acc, B.mul(model_piece[j:j + 1], s_power)))
            lo, hi = _intersect(lo, hi, a[0], b[0])
            acc = B.add(acc, B.mul(model_p[j:j + 1], s_power))
            s_power = B.mul(s_power, s)
        return lo, hi


def _by_halves(method: Callable, u: np.ndarray, v: np.ndarray, failures: dict) -> tuple[np.ndarray, np.ndarray]:
    """``method`` on a batch of pieces; a batch that cannot be enclosed is halved until the
    pieces that cannot are alone (their bounds are infinite, their reasons in ``failures``)."""
    try:
        return method(u, v)
    except NotEnclosed as error:
        if u.size == 1:
            failures[float(u[0]), float(v[0])] = error
            return np.array([-np.inf]), np.array([np.inf])
    half = u.size // 2
    lo1, hi1 = _by_halves(method, u[:half], v[:half], failures)
    lo2, hi2 = _by_halves(method, u[half:], v[half:], failures)
    return np.concatenate([lo1, lo2]), np.concatenate([hi1, hi2])


def _branch_by_branch(problem: _Problem, u: float, v: float, forced: dict, depth: int = 0):
    """Method B on one piece with a kink or a jump in it: each branch bounded over the whole
    piece, the hull of the branches taken."""
    from .rules import Undecided, forcing

    try:
        with forcing(forced):
            return problem.away(np.array([u]), np.array([v]))
    except Undecided as undecided:
        if undecided.several or depth >= MAX_FORCED:
            raise
        lo, hi = np.array([np.inf]), np.array([-np.inf])
        for choice in undecided.choices:
            a, b = _branch_by_branch(problem, u, v, {**forced, undecided.site: (undecided.element, choice)},
                                     depth + 1)
            lo, hi = np.minimum(lo, a), np.maximum(hi, b)
        return lo, hi


def _enclose_pieces(problem: _Problem, u: np.ndarray, v: np.ndarray):
    """r's bounds on each piece [u, v] (one side of x0), and why a piece could not be bounded."""
    from .rules import Undecided

    near_failures, away_failures = {}, {}
    lo, hi = _by_halves(problem.near, u, v, near_failures)
    apart = (u != problem.x0) & (v != problem.x0)
    if np.any(apart):
        a, b = _by_halves(problem.away, u[apart], v[apart], away_failures)
        lo[apart], hi[apart] = _intersect(lo[apart], hi[apart], a, b)
    why = np.full(u.size, None, dtype=object)
    for i in np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi))):
        key = (float(u[i]), float(v[i]))
        error = away_failures.get(key) or near_failures.get(key)
        if isinstance(error, Undecided) and not error.several and apart[i]:
            try:
                a, b = _branch_by_branch(problem, key[0], key[1], {})
                lo[i], hi[i] = _intersect(lo[i], hi[i], a[0], b[0])
                continue
            except NotEnclosed as again:
                error = again
        why[i] = str(error) if error is not None else "the bound is not finite"
    if np.any(lo > hi):            # two sound bounds that do not meet: a bug, never a band
        raise AssertionError(f"inconsistent enclosures at pieces {np.flatnonzero(lo > hi)}")
    return lo, hi, why


# ---------------------------------------------------------------- pieces and their refinement
def _side(problem: _Problem, end: float):
    """Pieces from x0 to ``end`` with r's bounds, split until none sticks out of the range the
    others suggest; the pieces kept reach from x0 to the first that could not be bounded (split
    to find where that is), whose cause is returned with the reach."""
    x0 = problem.x0
    edges = np.linspace(x0, end, FIRST_PIECES + 1)
    u, v = np.minimum(edges[:-1], edges[1:]), np.maximum(edges[:-1], edges[1:])
    lo, hi, why = _enclose_pieces(problem, u, v)
    for _ in range(MAX_ROUNDS):
        order = np.argsort(np.abs(0.5 * (u + v) - x0))            # outward from x0
        u, v, lo, hi, why = u[order], v[order], lo[order], hi[order], why[order]
        failed = np.flatnonzero(why != None)                    # noqa: E711 (an object array)
        stop = int(failed[0]) if failed.size else u.size
        split = np.zeros(u.size, dtype=bool)
        if stop < u.size and v[stop] - u[stop] > 1e-12 * max(1.0, abs(x0)):
            split[stop] = True                                     # find where it stops holding
        if stop > 0:
            centers = 0.5 * (lo[:stop] + hi[:stop])
            inner_lo, inner_hi = centers.min(), centers.max()
            slack = STICKING_OUT * (inner_hi - inner_lo) + 1e-13 * max(abs(inner_lo), abs(inner_hi))
            split[:stop] = (lo[:stop] < inner_lo - slack) | (hi[:stop] > inner_hi + slack)
        keep = np.arange(u.size) <= stop
        chosen = np.flatnonzero(split)[:max(0, MAX_PIECES - int(keep.sum()))]
        if not chosen.size:
            break
        keep[chosen] = False
        mids = 0.5 * u[chosen] + 0.5 * v[chosen]
        new_u, new_v = np.concatenate([u[chosen], mids]), np.concatenate([mids, v[chosen]])
        n_lo, n_hi, n_why = _enclose_pieces(problem, new_u, new_v)
        u, v = np.concatenate([u[keep], new_u]), np.concatenate([v[keep], new_v])
        lo, hi = np.concatenate([lo[keep], n_lo]), np.concatenate([hi[keep], n_hi])
        why = np.concatenate([why[keep], n_why])
    order = np.argsort(np.abs(0.5 * (u + v) - x0))
    u, v, lo, hi, why = u[order], v[order], lo[order], hi[order], why[order]
    failed = np.flatnonzero(why != None)                        # noqa: E711
    stop = int(failed[0]) if failed.size else u.size
    reach = (v[stop - 1] if end > x0 else u[stop - 1]) if stop else x0
    return u[:stop], v[:stop], lo[:stop], hi[:stop], reach, (why[stop] if failed.size else None)


# ---------------------------------------------------------------- the public function
def certified_remainder(f: Callable, x0: Any, degree: int, interval: Any, *,
                        polynomial: Any = None, extra_orders: int = EXTRA_ORDERS) -> CertifiedRemainder:
    """A proved bound of the Taylor remainder of ``f`` (a function of one variable) at ``x0``:
    ``f(x) - T_n(x) in [lo, hi] (x - x0)^(n+1)`` for every x of ``interval`` (a half-width, or
    ``(a, b)`` around x0), or of the largest interval around x0 where it could be proved. The
    arithmetic is midpoint-radius with outward rounding over the function's own jaxpr, in
    float64 (the user's configuration untouched). ``polynomial`` (optional) are the float
    coefficients of the T_n you draw; ``max_error`` bounds ``|f - T_n|`` for those.

    >>> import jax.numpy as jnp
    >>> band = certified_remainder(jnp.sin, 0.0, 5, (-1.0, 1.0))
    >>> band.holds_on, band.max_error < 2e-4           # |sin x - T_5(x)| <= 1/5040 on [-1, 1]
    ((-1.0, 1.0), True)
    """
    from ...core.precision import float64_scope
    from ...core.tracing import trace_function
    from ..engine.coefficients import check_order, require_concrete

    require_concrete(x0, "certified_remainder")
    degree = check_order(degree)
    if np.ndim(x0) != 0:
        raise JaxCalcError("a certified remainder is of a function of one variable: give a number x0")
    x0 = float(x0)
    a, b = _interval_around(x0, interval)
    with float64_scope(), np.errstate(all="ignore"):     # an overflow is an unbounded ball: refused
        traced = trace_function(f, np.float64(x0))
        if len(traced.out_shapes) != 1 or traced.out_shapes[0].shape != ():
            raise JaxCalcError("a certified remainder needs a function with one number as its value")
        check_band_cost(traced.jaxpr, degree)
        try:
            problem = _Problem(traced.closed, x0, degree, int(extra_orders))
        except NotEnclosed as error:
            raise JaxCalcError(f"no certified remainder at x0 = {x0:g}: {error}") from None
        sides = [_side(problem, end) for end in (a, b) if end != x0]
    ends = [end for end in (a, b) if end != x0]
    reach, reasons = {}, []
    for end, (_, _, _, _, edge, reason) in zip(ends, sides):
        reach[end] = edge
        if reason:
            reasons.append(f"at x = {edge:.6g}: {reason}")
    u, v, lo, hi = (np.concatenate([side[i] for side in sides]) for i in range(4))
    order = np.argsort(u)
    u, v, lo, hi = u[order], v[order], lo[order], hi[order]
    holds_on = (float(reach.get(a, x0)), float(reach.get(b, x0)))
    exact_c = problem.c[:degree + 1]
    coefficients = (np.array([c.mid[0, 0] for c in exact_c]) if polynomial is None
                    else np.asarray(polynomial, dtype=np.float64).reshape(-1))
    if coefficients.size != degree + 1:
        raise JaxCalcError(f"polynomial has {coefficients.size} coefficients; T_{degree} has {degree + 1}")
    mismatch = B.grow(np.array([abs(coefficients[k] - c.mid[0, 0]) + c.rad[0, 0] for k, c in enumerate(exact_c)]), 2)
    distance = np.maximum(np.abs(u - x0), np.abs(v - x0))
    remainder = B.grow(np.maximum(np.abs(lo), np.abs(hi)) * distance ** (degree + 1), degree + 4)
    h = max(abs(holds_on[0] - x0), abs(holds_on[1] - x0))
    max_error = float(B.grow(remainder.max(initial=0.0) + np.polynomial.polynomial.polyval(h, mismatch), degree + 4))
    whole_lo = float(lo.min()) if lo.size else math.nan
    whole_hi = float(hi.max()) if hi.size else math.nan
    return CertifiedRemainder(x0, degree, (a, b), holds_on, whole_lo, whole_hi, max_error, coefficients,
                              np.stack([u, v], axis=1), lo, hi, mismatch, "; ".join(reasons) or None,
                              problem.evaluations)


# The cost model: a band takes about EVALUATIONS passes of the program over balls, each pass
# about SECONDS_PER_STEP per equation and per pair of orders (the recurrences are quadratic in the
# order; NumPy's call overhead dominates), over up to MAX_PIECES pieces at once.
EVALUATIONS = 150
SECONDS_PER_STEP = 4e-6


def band_cost(jaxpr, degree: int, extra: int = EXTRA_ORDERS):
    """The estimated time and memory of one certified band of ``degree`` for ``jaxpr``."""
    from ...core.budget import Cost
    from ...core.jaxpr import count_equations
    from ..engine.cost import program_profile

    rows = degree + extra + 2
    equations = count_equations(jaxpr)
    elements = max(program_profile(jaxpr).peak_elements, 1)
    return Cost(memory_bytes=8.0 * 6 * rows * MAX_PIECES * elements,
                seconds=EVALUATIONS * equations * rows * rows * SECONDS_PER_STEP,
                what=f"a certified band of degree {degree}")


def check_band_cost(jaxpr, degree: int) -> None:
    """Refuse, before any work, a band over the budget, naming a degree that fits."""
    from ...core.budget import check, largest_fitting

    def suggestion():
        best = largest_fitting(lambda d: band_cost(jaxpr, d), 0, degree)
        return f"degree <= {best} fits" if best is not None else "the program is too large for a certified band"
    check(band_cost(jaxpr, degree), suggestion)


def _interval_around(x0: float, interval: Any) -> tuple[float, float]:
    if np.ndim(interval) == 0:
        h = float(interval)
        if not h > 0 or not math.isfinite(h):
            raise JaxCalcError(f"the half-width must be a positive number, got {interval!r}")
        return x0 - h, x0 + h
    a, b = (float(v) for v in interval)
    if not (a <= x0 <= b) or a == b or not (math.isfinite(a) and math.isfinite(b)):
        raise JaxCalcError(f"the interval ({a:g}, {b:g}) must contain x0 = {x0:g} and have a length")
    return a, b
