"""Series with a leading power: Laurent series at poles, Puiseux series at algebraic branch points.

A :class:`Leading` value is ``s^v (w_0 + w_1 s + ...)`` with ``w`` a ball series (:mod:`.balls`)
and ``v`` an integer, ``s`` the expansion variable: ``x - x0`` on both sides (Laurent), or
``|x - x0|^(1/q)`` on one side (Puiseux). The rules below are those where the leading power
matters, keyed by primitive like every other table: products add powers, quotients subtract
them, ``u^p`` multiplies them by p (and asks for a root of s when the result is not whole, or
for one side when u changes sign at x0), ``log`` of a power of s is a log term and is refused,
and an analytic function of a pole (``exp(1/x)``) is an essential singularity and is refused.
Everything else (index maps, sums, analytic functions of a finite value) is the ball rule
applied with the operands' powers aligned.

A leading coefficient is taken as 0 when its ball contains 0 (it is 0 within rounding), and a
divisor's when it is below the next one by less than the rounding of x0 (``sin`` at the float
nearest pi): that zero is then said to be at x0 (:data:`NOTES`).
"""
from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from . import balls as B
from .balls import Ball, NotEnclosed
from .rules import ENCLOSURES, NEEDS_PRIMITIVE, Decided, as_ball


class NoSeries(NotEnclosed):
    """f has neither a Laurent nor a Puiseux series at x0 (a log term, an essential singularity,
    a non-real value); the message says which."""


class NeedsOneSide(NotEnclosed):
    """f branches or kinks at x0: its series exists one side at a time."""


class NeedsRoot(NotEnclosed):
    """A power s^(v p) that is not whole: expand in s^(1/factor) instead."""

    def __init__(self, factor: int):
        super().__init__(f"needs powers of s^(1/{factor})")
        self.factor = factor


@dataclass(frozen=True)
class Leading:
    """``s^power * ball`` with ``known`` trustworthy rows."""

    power: int
    ball: Ball
    known: int

    @property
    def rows(self) -> int:
        return self.ball.rows


@dataclass
class Mode:
    rows: int            # rows of every series
    one_sided: bool      # s > 0 (one side of x0) or s = x - x0 of either sign
    delta: float         # a divisor's leading coefficient below delta * the next one is taken as 0
    moved: float = 0.0   # the largest such ratio met: how far a zero was moved to x0, relative


MODE: contextvars.ContextVar[Mode] = contextvars.ContextVar("laurent_mode")
NOTES: contextvars.ContextVar[list] = contextvars.ContextVar("laurent_notes")


# ---------------------------------------------------------------- powers and rows
def _shift(ball: Ball, d: int) -> Ball:
    """Rows moved down by d (multiplied by s^d), the last d dropped."""
    if d == 0:
        return ball
    zeros = np.zeros((d,) + ball.mid.shape[1:])
    return Ball(np.concatenate([zeros, ball.mid[:-d]]), np.concatenate([zeros, ball.rad[:-d]]))


def lift(value, rows: int) -> Leading:
    """A constant of the program, or a series without a leading power, as a Leading value."""
    if isinstance(value, Leading):
        return value
    ball = as_ball(value)
    if ball.rows > rows:
        raise AssertionError("a series longer than the mode's")
    return Leading(0, ball.padded(rows), rows)


def _aligned(values: list[Leading]) -> tuple[int, list[Ball], int]:
    power = min(v.power for v in values)
    balls = [_shift(v.ball, v.power - power) for v in values]
    known = min(v.known + v.power - power for v in values)
    return power, balls, min(known, values[0].rows)


def _is_zero(ball: Ball, k: int) -> bool:
    lo, hi = B.bounds(ball[k:k + 1])
    return bool(np.all((lo <= 0) & (hi >= 0)))


def normalized(v: Leading, divisor: bool = False) -> Leading:
    """The same value with its leading coefficient nonzero: leading rows that are 0 within
    rounding moved into the power. For a divisor, a leading coefficient whose zero lies within
    the rounding of x0 counts as 0 too, and is noted."""
    mode = MODE.get()
    k = 0
    while k < v.known:
        if _is_zero(v.ball, k):
            k += 1
            continue
        if divisor and k + 1 < v.known and not _is_zero(v.ball, k + 1):
            a, b = np.abs(v.ball.mid[k]).max(), np.abs(v.ball.mid[k + 1]).max()
            if a <= mode.delta * b:
                mode.moved = max(mode.moved, float(a / b))
                NOTES.get().append(f"a zero within rounding of x0 ({a / b:.1g} away) is taken as at x0")
                k += 1
                continue
        break
    if k == v.known:
        raise NoSeries("a value is 0 to every order computed near x0" + (" and divides" if divisor else ""))
    if k == 0:
        return v
    ball = Ball(np.concatenate([v.ball.mid[k:], np.zeros((k,) + v.ball.mid.shape[1:])]),
                np.concatenate([v.ball.rad[k:], np.zeros((k,) + v.ball.rad.shape[1:])]))
    return Leading(v.power + k, ball, v.known - k)


def _leading_sign(v: Leading, what: str) -> np.ndarray:
    """The sign of v for small s > 0 (one side), or on both sides of x0 when its power is even."""
    v = normalized(v)
    if not MODE.get().one_sided and v.power % 2:
        raise NeedsOneSide(f"{what} changes at x0")
    lo, _ = B.bounds(v.ball[0:1])
    return np.where(lo[0] > 0, 1.0, -1.0)


# ---------------------------------------------------------------- rules
LAURENT_RULES: dict[str, Callable[..., Any]] = {}


def laurent_rule(*names: str):
    def register(fn):
        for name in names:
            LAURENT_RULES[name] = fn
        return fn
    return register


@laurent_rule("mul")
def _mul(params, a, b):
    from .rules import same_rank
    rows = MODE.get().rows
    a, b = lift(a, rows), lift(b, rows)
    x, y = same_rank(a.ball, b.ball)
    return Leading(a.power + b.power, B.mul(x, y), min(a.known, b.known))


@laurent_rule("dot_general")
def _dot(params, a, b):
    rows = MODE.get().rows
    a, b = lift(a, rows), lift(b, rows)
    return Leading(a.power + b.power, ENCLOSURES["dot_general"](params, a.ball, b.ball), min(a.known, b.known))


@laurent_rule("div")
def _div(params, a, b):
    from .rules import same_rank
    rows = MODE.get().rows
    a, b = lift(a, rows), normalized(lift(b, rows), divisor=True)
    x, y = same_rank(a.ball, b.ball)
    return Leading(a.power - b.power, B.divide(x, y), min(a.known, b.known))


def _whole_power(v: Leading, p: Fraction) -> int:
    """v.power * p, which must be a whole number (else a root of s is needed)."""
    power = v.power * p
    if power.denominator != 1:
        raise NeedsRoot(power.denominator)
    return int(power)


def _rational(p: float) -> Fraction:
    """An exponent as a fraction: 0.5, or 1/3 written as 0.333... (within 1e-12)."""
    f = Fraction(p).limit_denominator(64)
    if abs(float(f) - p) > 1e-12 * max(1.0, abs(p)):
        raise NoSeries(f"x**{p:g} at a zero of x: an irrational power has no Puiseux series")
    return f


def _power(v: Leading, p: Fraction, odd_root: bool = False) -> Leading:
    if p.denominator == 1 and p >= 0:
        return Leading(v.power * int(p), B.integer_power(v.ball, int(p)), v.known)
    v = normalized(v, divisor=p < 0)
    if p.denominator != 1:
        if v.power and not MODE.get().one_sided:
            raise NeedsOneSide("a root of a value that is 0 at x0")
        lo, _ = B.bounds(v.ball[0:1])
        if np.any(lo[0] <= 0) and not odd_root:
            raise NoSeries("f is not real on this side of x0 (a root of a negative value)")
    power = _whole_power(v, p)
    if p.denominator == 1:
        return Leading(power, B.integer_power(v.ball, int(p)), v.known)
    ball = B.cbrt(v.ball) if odd_root else B.power(v.ball, float(p))
    return Leading(power, ball, v.known)


@laurent_rule("integer_pow")
def _integer_pow(params, x):
    return _power(lift(x, MODE.get().rows), Fraction(int(params["y"])))


@laurent_rule("square")
def _square(params, x):
    return _power(lift(x, MODE.get().rows), Fraction(2))


@laurent_rule("sqrt")
def _sqrt(params, x):
    return _power(lift(x, MODE.get().rows), Fraction(1, 2))


@laurent_rule("rsqrt")
def _rsqrt(params, x):
    return _power(lift(x, MODE.get().rows), Fraction(-1, 2))


@laurent_rule("cbrt")
def _cbrt(params, x):
    return _power(lift(x, MODE.get().rows), Fraction(1, 3), odd_root=True)


@laurent_rule("pow")
def _pow(params, x, y):
    rows = MODE.get().rows
    y_ball = as_ball(y.ball if isinstance(y, Leading) else y)
    exact_constant = (not isinstance(y, Leading) and y_ball.is_constant and not np.any(y_ball.rad)
                      and np.unique(y_ball.mid).size == 1)
    if exact_constant:
        p = float(y_ball.mid.reshape(-1)[0])
        fraction = _rational(p)
        if float(fraction) != p:
            NOTES.get().append(f"the exponent {p!r} is read as {fraction}")
        return _power(lift(x, rows), fraction)
    return _exp(params, _mul(params, y, _log(params, x)))


@laurent_rule("log")
def _log(params, x):
    v = normalized(lift(x, MODE.get().rows))
    if v.power:
        raise NoSeries("f has a log(x - x0) term at x0 (as x**x = exp(x log x) at 0): "
                       "no Laurent or Puiseux series")
    return Leading(0, B.log(v.ball), v.known)


@laurent_rule("exp")
def _exp(params, x):
    return _analytic("exp", params, x)


@laurent_rule("tan")
def _tan(params, x):                               # sin / cos: a pole where cos is 0
    return _div(params, _analytic("sin", params, x), _analytic("cos", params, x))


@laurent_rule("abs")
def _abs(params, x):
    v = lift(x, MODE.get().rows)
    sign = _leading_sign(v, "abs's sign")
    return Leading(v.power, Ball(v.ball.mid * sign[None], v.ball.rad), v.known)


def _difference_sign(a, b, what: str) -> np.ndarray:
    from .rules import same_rank
    rows = MODE.get().rows
    a, b = lift(a, rows), lift(b, rows)
    power, (x, y), known = _aligned([a, b])
    x, y = same_rank(x, y)
    return _leading_sign(Leading(power, B.sub(x, y), known), what)


def _pick(first: np.ndarray, a, b) -> Leading:
    from .rules import same_rank
    rows = MODE.get().rows
    power, (x, y), known = _aligned([lift(a, rows), lift(b, rows)])
    x, y = same_rank(x, y)
    keep = first[None]
    return Leading(power, Ball(np.where(keep, x.mid, y.mid), np.where(keep, x.rad, y.rad)), known)


@laurent_rule("max")
def _max(params, a, b):
    return _pick(_difference_sign(a, b, "max's choice") > 0, a, b)


@laurent_rule("min")
def _min(params, a, b):
    return _pick(_difference_sign(a, b, "min's choice") < 0, a, b)


_DECISIONS = {"gt": lambda s: s > 0, "ge": lambda s: s > 0, "lt": lambda s: s < 0, "le": lambda s: s < 0,
              "ne": lambda s: s != 0, "eq": lambda s: s == 0}


def _decide(name):
    def rule(params, a, b):
        if a is b:
            return Decided(np.full((1,) + np.shape(lift(a, MODE.get().rows).ball.mid)[2:], name in ("eq", "ge", "le")))
        return Decided(_DECISIONS[name](_difference_sign(a, b, f"the comparison {name}")))
    return rule


for _name in _DECISIONS:
    laurent_rule(_name)(_decide(_name))


@laurent_rule("sign")
def _sign(params, x):
    s = _leading_sign(lift(x, MODE.get().rows), "sign")
    return Ball(s[None], np.zeros((1,) + s.shape))


@laurent_rule("select_n")
def _select(params, which, *cases):
    rows = MODE.get().rows
    power, balls, known = _aligned([lift(c, rows) for c in cases])
    return Leading(power, ENCLOSURES["select_n"](params, which, *balls), known)


def _analytic(name: str, params, x) -> Leading:
    """An analytic function of a value finite at x0: the ball rule on its plain series."""
    rows = MODE.get().rows
    v = lift(x, rows)
    if v.power < 0:
        v = normalized(v)
        if v.power < 0:
            raise NoSeries(f"{name} of a value with a pole at x0: an essential singularity (as exp(1/x) at 0)")
    plain = _shift(v.ball, v.power)
    try:
        out = ENCLOSURES[name](params, plain)
    except NotEnclosed as error:
        raise NoSeries(f"{name} is singular at x0 ({error})") from None
    return Leading(0, out, min(rows, v.known + v.power))


def apply_leading(eqn, invals: list) -> Any:
    """The interpreter's hook: equations with a Leading operand."""
    if not any(isinstance(v, Leading) for v in invals):
        return NotImplemented
    name = eqn.primitive.name
    rule = LAURENT_RULES.get(name)
    if rule is not None:
        return rule(eqn.params, *invals)
    enclosure = ENCLOSURES.get(name)
    if enclosure is None or isinstance(enclosure, str):
        raise NoSeries(f"{name} is not expanded as a Laurent or Puiseux series"
                       + (f": {enclosure}" if isinstance(enclosure, str) else ""))
    from ..engine.rules import REGISTRY

    extra = {"prim": eqn.primitive} if name in NEEDS_PRIMITIVE else {}
    if REGISTRY[name].linear or name in ("reduce_sum", "cumsum"):
        rows = MODE.get().rows
        leading = [i for i, v in enumerate(invals) if isinstance(v, Leading) or isinstance(v, Ball)]
        power, balls, known = _aligned([lift(invals[i], rows) for i in leading])
        args = list(invals)
        for i, b in zip(leading, balls):
            args[i] = b
        out = enclosure(eqn.params, *args, **extra)
        if isinstance(out, list):
            return [Leading(power, o, known) if isinstance(o, Ball) else o for o in out]
        return Leading(power, out, known) if isinstance(out, Ball) else out
    if len(invals) == 1:
        return _analytic(name, eqn.params, invals[0])
    raise NoSeries(f"{name} of several values is not expanded as a Laurent or Puiseux series")


def rows_needed(order: Fraction, q: int, power: int) -> int:
    """Rows for every exponent up to ``order`` (in units of x - x0) from a leading power (in s)."""
    return max(1, math.floor(order * q) - power + 1)
