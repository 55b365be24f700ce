"""Taylor polynomials recomputed as a centre or an order moves: the core of the live view.

One Taylor program is compiled per (function, highest order); moving the centre calls it
again (the centre is an argument, not a constant), a lower order is a truncation, and f's
samples are kept per range, since they do not depend on the centre. A frame at a point where
no polynomial exists (a jump, a pole) carries the one-line reason instead of a curve.

>>> import jax.numpy as jnp
>>> live = LiveTaylor(jnp.tan, 0.0, order=5, max_order=20, span=[(-1.0, 1.0)], points=50)
>>> frame = live.frame(center=0.3, order=3)
>>> frame.order, round(float(frame.polynomial.coefficients[1]), 4), round(frame.radius.radius, 4)
(3, 1.0957, 1.2708)
>>> frame.radius.describe()
'pole of order 1 at 1.5707963... (R = 1.2708 ± ...)'
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..core.errors import JaxCalcError
from .polynomial import TaylorPolynomial, taylor_polynomial
from .radius import RadiusEstimate, radius_estimate
from .study import check_span, sample_function, sample_polynomials, taylor_study

DEFAULT_MAX_ORDER = {1: 20, 2: 10}  # by number of variables: an update stays within ~10 ms


@dataclass(frozen=True)
class LiveFrame:
    """One state of the live view: f and T_order on the grid, or why there is no T_order."""

    center: tuple[float, ...]
    order: int
    grid: tuple[np.ndarray, ...]
    values: np.ndarray
    approximation: np.ndarray | None
    polynomial: TaylorPolynomial | None
    radius: RadiusEstimate | None
    message: str = ""
    compute_ms: float = 0.0
    pade: Any = None                      # the robust Padé approximant of the same order, when asked
    pade_values: np.ndarray | None = None

    @property
    def error(self) -> np.ndarray | None:
        return None if self.approximation is None else np.abs(self.values - self.approximation)

    @property
    def max_error(self) -> float | None:
        error = self.error
        return None if error is None or not np.isfinite(error).any() else float(np.nanmax(error))


class LiveTaylor:
    """Taylor polynomials of ``f`` that follow a moving centre, order and range."""

    def __init__(self, f: Callable, x0: Any, order: int, *, max_order: int | None = None,
                 span: Sequence[tuple[float, float]] | None = None, points: int | None = None,
                 variables: Sequence[str] | None = None, method: str = "auto") -> None:
        from .study import number_of_variables

        default = DEFAULT_MAX_ORDER.get(number_of_variables(f, x0), 10)
        self.max_order = max(int(order), default if max_order is None else int(max_order))
        if not 0 <= order <= self.max_order:
            raise JaxCalcError(f"the order {order} is outside 0 .. {self.max_order}")
        first = taylor_study(f, x0, [self.max_order], span=span, points=points,
                             variables=variables, method=method)  # checks, compiles, samples
        self.f, self.method, self.variables = f, method, first.variables
        self.points = len(first.grid[0])
        self.dtype = first.values.dtype
        self.center = tuple(float(c) for c in np.atleast_1d(first.center))
        self.order = int(order)
        self.span = tuple((float(a[0]), float(a[-1])) for a in first.grid)
        self._samples = {self.span: (first.grid, first.values)}
        self._top = first.polynomials[self.max_order]
        self._program = first.program

    def study(self, order: int | None = None):
        """The current view as a :class:`.study.TaylorStudy` at ``order`` (default: the current
        one), from what is computed already: the static picture of a live view."""
        from .study import TaylorStudy

        order = self.order if order is None else int(order)
        grid, values = self._sampled(self.span)
        approximation = sample_polynomials(self._top, grid, [order])
        return TaylorStudy({order: self._top.truncate(order)}, grid, values, approximation, self.variables)

    def radius(self) -> RadiusEstimate | None:
        """The radius of convergence estimated from the current highest-order coefficients."""
        return radius_estimate(self._top.monomial_coefficients, float(self._top.center)) if self.dimensions == 1 else None

    @property
    def dimensions(self) -> int:
        return len(self.center)

    def _checked_center(self, center) -> tuple[float, ...]:
        point = np.atleast_1d(np.asarray(center, dtype=float))
        if point.shape != (self.dimensions,) or not np.all(np.isfinite(point)):
            raise JaxCalcError(f"the centre must be {self.dimensions} finite number(s), got {center!r}")
        return tuple(point.tolist())

    def _sampled(self, span) -> tuple[tuple, np.ndarray]:
        if span not in self._samples:
            check_span(span)
            if len(self._samples) >= 8:
                self._samples.pop(next(iter(self._samples)))
            point = np.asarray(self.center if self.dimensions > 1 else self.center[0])
            self._samples[span] = sample_function(self.f, point, span, self.points, self.dtype)
        return self._samples[span]

    def frame(self, center=None, order: int | None = None, span=None, pade: bool = False) -> LiveFrame:
        """The view at ``center`` (default: the current one) for ``order`` over ``span``; with
        ``pade``, also the robust Padé approximant from the same coefficients (one variable)."""
        start = time.perf_counter()
        center = self.center if center is None else self._checked_center(center)
        order = self.order if order is None else int(np.clip(int(order), 0, self.max_order))
        span = self.span if span is None else tuple((float(lo), float(hi)) for lo, hi in span)
        grid, values = self._sampled(span)
        self.center, self.order, self.span = center, order, span
        try:
            if center != tuple(float(c) for c in np.atleast_1d(self._top.center)):
                x0 = center[0] if self.dimensions == 1 else center
                self._top = taylor_polynomial(self.f, x0, self.max_order, variables=self.variables,
                                              method=self.method)
        except JaxCalcError as err:
            return LiveFrame(center, order, grid, values, None, None, None, str(err),
                             (time.perf_counter() - start) * 1e3)
        polynomial = self._top.truncate(order)
        approximation = sample_polynomials(self._top, grid, [order])[order]
        radius = radius_estimate(self._top.monomial_coefficients, float(self._top.center)) if self.dimensions == 1 else None
        approximant = self._pade(polynomial) if pade and self.dimensions == 1 and order >= 2 else None
        return LiveFrame(center, order, grid, values, approximation, polynomial, radius, "",
                         (time.perf_counter() - start) * 1e3, approximant,
                         approximant(grid[0]) if approximant is not None else None)

    @staticmethod
    def _pade(polynomial: TaylorPolynomial):
        """The robust [L/M] Padé approximant with L + M = the order, M = order // 2."""
        from .pade import pade_from_coefficients

        c = np.where(polynomial.below_rounding, 0.0, np.asarray(polynomial.monomial_coefficients, dtype=float))
        order = len(c) - 1
        return pade_from_coefficients(c, order - order // 2, order // 2, center=float(polynomial.center))

    def band(self, center=None, order: int | None = None, span=None):
        """A certified remainder of the current T_n on the range (holding x0), for the coefficients
        drawn (:func:`.enclosure.remainder.certified_remainder`)."""
        from .enclosure.remainder import certified_remainder

        frame = self.frame(center, order, span)
        if frame.polynomial is None:
            raise JaxCalcError(frame.message)
        x0, (lo, hi) = frame.center[0], self.span[0]
        return certified_remainder(self.f, x0, frame.order, (min(lo, x0), max(hi, x0)),
                                   polynomial=np.asarray(frame.polynomial.monomial_coefficients, dtype=float))

    def band_is_cheap(self, seconds: float = 1.0) -> bool:
        """Whether a certified band is estimated to take less than ``seconds`` at the top order
        (from the program traced when the view was made: the user's Python does not run again)."""
        from .enclosure.remainder import band_cost

        if self.dimensions != 1 or self._program is None:
            return False
        return band_cost(self._program, self.max_order).seconds < seconds

