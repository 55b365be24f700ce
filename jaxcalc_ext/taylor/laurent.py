"""Where Taylor stops: the Laurent series at a pole, the Puiseux series at an algebraic branch point.

``laurent_series(f, x0, order)`` expands f at x0 in powers of ``x - x0`` that may be negative
(a pole of order m starts at ``(x - x0)^-m``) or, one side at a time, fractional (``sqrt(x) e^x``
in powers of ``x^(1/2)`` for x > 0). It runs the function's own jaxpr over ball series with a
leading power (:mod:`.enclosure.laurent_rules`), so each coefficient comes with a bound on its
rounding. What has a log term (``x**x`` at 0) or an essential singularity (``exp(1/x)``) has
neither series, and is refused with the reason.

>>> import jax.numpy as jnp
>>> s = laurent_series(lambda x: 1 / jnp.sin(x), 0.0, 3)
>>> s.kind, s.to_text()
('a pole of order 1', '1/x + 0.166667 x + 0.0194444 x^3')
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from ..core.errors import JaxCalcError
from .latex import number, plain_number

SIDES = ("both", "right", "left")
MAX_ROOT = 24              # powers of (x - x0)^(1/q) for q up to this
MAX_ORDER = 60


@dataclass(frozen=True)
class LaurentSeries:
    """``f(x) = sum_k c_k s^((leading + k) / root)`` near x0, with s = x - x0 on both sides
    (``side="both"``: a Laurent series), or s = x - x0 > 0 (``"right"``) or s = x0 - x > 0
    (``"left"``): a Puiseux series. ``errors`` bound each coefficient's rounding; terms up to the
    power ``order`` of s are kept."""

    x0: float
    side: str
    root: int
    leading: int
    coefficients: np.ndarray
    errors: np.ndarray
    order: int
    notes: tuple[str, ...] = ()

    @property
    def exponents(self) -> list[Fraction]:
        return [Fraction(self.leading + k, self.root) for k in range(len(self.coefficients))]

    def terms(self, up_to: float | None = None) -> list[tuple[Fraction, float]]:
        """(exponent, coefficient) of every term not zero within its rounding, up to ``up_to``."""
        top = self.order if up_to is None else up_to
        return [(e, float(c)) for e, c, err in zip(self.exponents, self.coefficients, self.errors)
                if e <= top and abs(c) > err]

    @property
    def kind(self) -> str:
        first = Fraction(self.leading, self.root)
        if self.root > 1:
            variable = "x - x0" if self.side == "right" else "x0 - x"
            return f"a Puiseux series in ({variable})^(1/{self.root}), {self.side} side"
        what = (f"a pole of order {-first}" if first < 0 else "a Taylor series" if first == 0
                else f"a zero of order {first}")
        return what if self.side == "both" else f"{what}, {self.side} side"

    def __call__(self, x, up_to: float | None = None) -> np.ndarray:
        """The series summed at x (NaN on the side it is not for)."""
        x = np.asarray(x, dtype=np.float64)
        s = x - self.x0 if self.side != "left" else self.x0 - x
        out = np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for e, c in self.terms(up_to):
                if self.side == "both":
                    out = out + c * s ** float(e) if e.denominator == 1 else np.nan
                else:
                    out = out + c * np.where(s > 0, s, np.nan) ** float(e)
            if self.side != "both":
                out = np.where(s > 0, out, np.nan)
        return out

    def _base(self, latex: bool) -> str:
        if self.side == "left":
            return "(-x)" if self.x0 == 0 else f"({self.x0:g} - x)"
        return "x" if self.x0 == 0 else f"(x - {self.x0:g})"

    def to_latex(self, digits: int = 6) -> str:
        """The series as LaTeX, lowest power first: ``\\frac{1}{x} + 0.166667 x + ...``."""
        return self._written(True, digits)

    def to_text(self, digits: int = 6) -> str:
        return self._written(False, digits)

    def _written(self, latex: bool, digits: int) -> str:
        base = self._base(latex)
        pieces = []
        for e, c in self.terms():
            magnitude = abs(c)
            if e == 0:
                body = number(magnitude, digits) if latex else plain_number(magnitude, digits)
            elif e < 0:
                power = _power_of(base, -e, latex)
                coefficient = number(magnitude, digits) if latex else plain_number(magnitude, digits)
                body = f"\\frac{{{coefficient}}}{{{power}}}" if latex else f"{coefficient}/{power}"
            else:
                power = _power_of(base, e, latex)
                written = plain_number(magnitude, digits)
                coefficient = "" if written == "1" else (number(magnitude, digits) if latex else written) + " "
                body = f"{coefficient}{power}"
            sign = "-" if c < 0 else "+"
            pieces.append((sign, body))
        if not pieces:
            return "0"
        text = ("-" if pieces[0][0] == "-" else "") + pieces[0][1]
        for sign, body in pieces[1:]:
            text += f" {sign} {body}"
        return text

    def __str__(self) -> str:
        return f"{self.to_text()}  ({self.kind} at x0 = {self.x0:g})"


def _power_of(base: str, e: Fraction, latex: bool) -> str:
    """base^e: ``x``, ``x^{3}``, ``x^{3/2}`` (LaTeX) or ``x^3``, ``x^(3/2)`` (text)."""
    if e == 1:
        return base
    if e.denominator == 1:
        return f"{base}^{{{e.numerator}}}" if latex else f"{base}^{e.numerator}"
    return f"{base}^{{{e.numerator}/{e.denominator}}}" if latex else f"{base}^({e.numerator}/{e.denominator})"


def laurent_series(f: Callable, x0: Any, order: int, *, side: str | None = None) -> LaurentSeries:
    """The Laurent series of ``f`` at ``x0`` (at a pole), or its Puiseux series on one ``side``
    ("right" or "left") at an algebraic branch point, up to the power ``order`` of x - x0.

    With ``side=None``, the two-sided Laurent series; a function that branches at x0 is refused
    with a request to name a side. A pole within rounding of x0 (``1/sin`` at the float nearest
    pi) is taken as at x0, and ``notes`` says so.

    >>> import jax.numpy as jnp
    >>> laurent_series(lambda x: jnp.sqrt(x) * jnp.exp(x), 0.0, 2, side="right").to_text()
    'x^(1/2) + x^(3/2)'
    """
    from ..core.precision import float64_scope
    from ..core.tracing import trace_function
    from .engine.coefficients import require_concrete

    require_concrete(x0, "laurent_series")
    if np.ndim(x0) != 0:
        raise JaxCalcError("a Laurent or Puiseux series is of a function of one variable: give a number x0")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not -MAX_ORDER <= order <= MAX_ORDER:
        raise JaxCalcError(f"the order (the highest power kept) must be a whole number in "
                           f"[-{MAX_ORDER}, {MAX_ORDER}], got {order!r}")
    if side not in (None, "right", "left"):
        raise JaxCalcError(f"side must be 'right', 'left' or None (both sides), got {side!r}")
    x0 = float(x0)
    with float64_scope(), np.errstate(all="ignore"):
        traced = trace_function(f, np.float64(x0))
        if len(traced.out_shapes) != 1 or traced.out_shapes[0].shape != ():
            raise JaxCalcError("a Laurent or Puiseux series needs a function with one number as its value")
        return _expand(traced.closed, x0, int(order), side)


def _expand(closed, x0: float, order: int, side: str | None) -> LaurentSeries:
    from .enclosure import laurent_rules as L
    from .enclosure.balls import Ball, NotEnclosed
    from .enclosure.interpreter import enclose, equations_first_through

    root, rows = 1, max(order, 0) + 8
    ulp = math.ulp(x0) if x0 != 0 else 0.0
    for _ in range(40):
        rows = max(rows, root + 2)
        mode = L.Mode(rows=rows, one_sided=side is not None, delta=8 * ulp)
        notes: list[str] = []
        token_mode, token_notes = L.MODE.set(mode), L.NOTES.set(notes)
        try:
            with equations_first_through(L.apply_leading):
                out, = enclose(closed, [_variable(x0, side, root, rows)])
            out = L.normalized(L.lift(out, rows))
        except L.NeedsRoot as need:
            root *= need.factor
            if root > MAX_ROOT:
                raise JaxCalcError(f"f branches at x0 = {x0:g} in roots of order above {MAX_ROOT}") from None
            rows = max(rows, order * root + 8)
            continue
        except L.NeedsOneSide as need:
            if side is not None:
                raise JaxCalcError(f"no series at x0 = {x0:g}: {need}") from None
            raise JaxCalcError(f"f branches or kinks at x0 = {x0:g} ({need}): its series exists one side at a "
                               "time: give {side}", options={"side": "right"}) from None
        except L.NoSeries as why:
            raise JaxCalcError(f"no Laurent or Puiseux series at x0 = {x0:g}: {why}") from None
        except NotEnclosed as why:
            raise JaxCalcError(f"no Laurent or Puiseux series at x0 = {x0:g}: {why}") from None
        finally:
            L.MODE.reset(token_mode), L.NOTES.reset(token_notes)
        needed = L.rows_needed(Fraction(order), root, out.power)
        if out.known >= needed:
            ball: Ball = out.ball
            c = np.array(ball.mid[:needed, 0], dtype=float)
            errors = np.array(ball.rad[:needed, 0], dtype=float)
            if mode.moved:      # a zero moved to x0 by this much (relative): every coefficient moves too
                padded = np.pad(np.abs(c), 1)
                errors = errors + 4 * mode.moved * np.maximum(padded[:-2], np.maximum(padded[1:-1], padded[2:]))
            return LaurentSeries(x0, side or "both", root, out.power, c, errors, order, tuple(dict.fromkeys(notes)))
        rows += needed - out.known + 4
    raise JaxCalcError(f"the series at x0 = {x0:g} loses too many orders to cancellation: ask a lower order")


def _variable(x0: float, side: str | None, root: int, rows: int):
    """x as a series in s: x0 + s (both sides), x0 + s^q (right) or x0 - s^q (left)."""
    from .enclosure import laurent_rules as L
    from .enclosure.balls import Ball

    sign = -1.0 if side == "left" else 1.0
    mid = np.zeros((rows, 1))
    if x0 == 0:
        mid[0, 0] = sign
        return L.Leading(root, Ball(mid, np.zeros_like(mid)), rows)
    mid[0, 0], mid[root, 0] = x0, sign
    return L.Leading(0, Ball(mid, np.zeros_like(mid)), rows)
