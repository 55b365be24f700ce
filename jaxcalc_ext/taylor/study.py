"""Everything a Taylor plot shows, computed without plotting: polynomials, samples, errors.

>>> import jax.numpy as jnp
>>> s = taylor_study(lambda x: jnp.sin(x) + jnp.cos(x), 0.0, [1, 2], span=((-1, 1),), points=5)
>>> [round(float(e), 3) for e in s.max_errors.values()]
[0.618, 0.199]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..core.errors import JaxCalcError, NoTaylorSeries
from .polynomial import TaylorPolynomial, as_vector_function, expansion_request, taylor_polynomial


@dataclass(frozen=True)
class TaylorStudy:
    """f and its Taylor polynomials sampled on a grid around the center."""

    polynomials: dict[int, TaylorPolynomial]
    grid: tuple[np.ndarray, ...]         # one axis per variable (1 or 2 axes)
    values: np.ndarray                    # f on the grid
    approximations: dict[int, np.ndarray]  # T_n on the grid
    variables: tuple[str, ...]
    notes: tuple[str, ...] = ()          # what the figure must say (a range clipped to what can be drawn)
    pade: Any = None                     # a robust Padé approximant (.pade.PadeApproximant), when asked
    pade_values: np.ndarray | None = None   # it, on the grid
    bands: dict = field(default_factory=dict)   # order -> certified remainder, when asked
    program: Any = None                  # the traced jaxpr, for estimating later work without a new trace

    @property
    def orders(self) -> list[int]:
        return sorted(self.polynomials)

    @property
    def center(self) -> np.ndarray:
        return self.polynomials[self.orders[-1]].center

    @property
    def dtype(self) -> str:
        return self.polynomials[self.orders[-1]].dtype

    @property
    def errors(self) -> dict[int, np.ndarray]:
        """|f - T_n| on the grid: inf where one of them overflows, NaN where f is undefined."""
        with np.errstate(over="ignore", invalid="ignore"):
            return {n: np.abs(self.values - t) for n, t in self.approximations.items()}

    @property
    def max_errors(self) -> dict[int, float]:
        """The largest error of each order where it is defined (NaN where it is nowhere)."""
        out = {}
        for n, e in self.errors.items():
            defined = e[~np.isnan(e)]
            out[n] = float(defined.max()) if defined.size else float("nan")
        return out


MAX_CURVES = 12                  # orders drawn in one figure
MAX_POINTS = {1: 100_000, 2: 2_000}   # samples per axis
SAMPLE_RATE = 1e9                     # element operations per second when f is sampled (memory-bound)


def _spread(orders: list[int]) -> list[int]:
    """At most MAX_CURVES orders spread over the requested ones, the highest included."""
    picks = np.unique(np.linspace(0, len(orders) - 1, MAX_CURVES).round().astype(int))
    return [orders[i] for i in picks]


def number_of_variables(f: Callable, x0: Any) -> int:
    """How many variables a plot of f at x0 has, without running f."""
    from .polynomial import coordinates

    _, point, _ = as_vector_function(f, coordinates(x0))
    return 1 if np.ndim(point) == 0 else int(np.shape(point)[0])


def _check_grid_cost(request, n_vars: int, points: int, curves: int) -> None:
    """Sampling f and the polynomials on points**n_vars grid points: f's values alive at once
    at every point (its peak), plus one array per curve. When even two points do not fit, the
    refusal names the array of f's that is too large, not an option."""
    from ..core.budget import Cost, check, largest_fitting
    from ..core.dtypes import itemsize
    from ..core.jaxpr import too_large_value
    from .engine.cost import program_profile

    profile = program_profile(request.traced.jaxpr)
    elements = max(profile.peak_elements, 1)
    item = itemsize(np.asarray(request.point).dtype)

    def cost(p):
        grid = float(p) ** n_vars
        return Cost(item * grid * (elements + curves + n_vars + 2), grid * max(profile.linear_work, 1) / SAMPLE_RATE,
                    f"{p} points per axis in {n_vars} variable{'s' * (n_vars != 1)}")

    def suggestion():
        from ..core.budget import LIMITS, human_seconds

        best = largest_fitting(cost, 2, points)
        if best is not None:
            return {"points": best}
        if cost(2).memory_bytes <= LIMITS.memory_bytes:   # time: one evaluation of f is what costs
            return (f"one evaluation of f alone would take ~{human_seconds(cost(1).seconds)} "
                    f"({profile.linear_work:.1e} element operations, loops included): make f cheaper")
        return too_large_value(request.traced.jaxpr) or "f's own values do not fit: make its arrays smaller"

    check(cost(points), suggestion)


def _horner(coefficients: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """sum_k c_k delta^k for a vector of deltas (NumPy: no device round trip per order)."""
    with np.errstate(over="ignore", invalid="ignore"):
        result = np.zeros_like(delta) + coefficients[-1]
        for c in coefficients[-2::-1]:
            result = result * delta + c
    return result


def _degree_sums(polynomial: TaylorPolynomial, delta: np.ndarray) -> np.ndarray:
    """``S_k = sum_{|a| = k} c_a delta^a`` on a grid of offsets (..., n), for k = 0..order, in
    NumPy: every truncation T_n is then a partial sum, at one pass over the monomials (a jitted
    evaluator would compile one program per polynomial, slow for thousands of monomials)."""
    from ..core.progress import step

    order = polynomial.order
    with np.errstate(over="ignore", invalid="ignore"):
        powers = delta[..., None] ** np.arange(order + 1)          # (..., n, K+1)
        sums = np.zeros((order + 1,) + delta.shape[:-1], delta.dtype)
        for i, (alpha, c) in enumerate(zip(polynomial.exponents, polynomial.monomial_coefficients)):
            if i % 2048 == 0:
                step(i, len(polynomial.exponents), "sampling the polynomials")
            term = c
            for var, a in enumerate(alpha):
                if a:
                    term = term * powers[..., var, a]
            sums[sum(alpha)] += term
    return sums


def default_span(center: float) -> tuple[float, float]:
    """Three units either side of the center: wide enough to see the polynomials part ways."""
    return (float(center) - 3.0, float(center) + 3.0)


def taylor_study(f: Callable, x0: Any, orders: Sequence[int], *, span: Sequence[tuple[float, float]] | None = None,
                 points: int | None = None, variables: Sequence[str] | None = None,
                 method: str = "auto", pade: tuple[int, int] | None = None, certify: bool = False) -> TaylorStudy:
    """Polynomials of every order in ``orders`` (one Taylor pass at the highest), sampled on a grid.

    Functions of one variable are sampled on a line, of two variables on a square grid;
    more variables cannot be drawn and raise. With ``certify``, each polynomial of one variable
    gets a certified remainder on the plotted range (:mod:`.enclosure.remainder`); when none can
    be proved, a note says why in one line.
    """
    orders = sorted(set(int(n) for n in orders))
    if not orders:
        raise JaxCalcError("give at least one order")
    if len(orders) > MAX_CURVES:
        raise JaxCalcError(f"{len(orders)} orders cannot be told apart in one figure: give at most "
                           f"{MAX_CURVES} (e.g. {{orders}})", options={"orders": tuple(_spread(orders))})
    n_vars = number_of_variables(f, x0)   # before anything runs: a plot of 4 variables is refused
    if n_vars > 2:
        raise JaxCalcError(f"cannot draw a function of {n_vars} variables: use taylor_polynomial() "
                           "for its polynomial, or fix all but two variables")
    if points is not None and not 2 <= points <= MAX_POINTS[n_vars]:
        raise JaxCalcError(f"{{points}} must be between 2 and {MAX_POINTS[n_vars]} for {n_vars} "
                           f"variable{'s' if n_vars > 1 else ''}, got {points}", options={"points": None})
    points = points or (400 if n_vars == 1 else 80)
    request = expansion_request(f, x0)   # f adapted and traced once, for every step below
    _check_grid_cost(request, n_vars, points, len(orders))
    if pade is not None and n_vars != 1:
        raise JaxCalcError("a Padé approximant is of a function of one variable")
    if certify and n_vars != 1:
        raise JaxCalcError("a certified band is for functions of one variable")
    needed = max(orders[-1], sum(pade)) if pade is not None else orders[-1]
    from .polynomial import POLES_HANDLED, pole_distance

    handled = POLES_HANDLED.set(True)        # a pole within rounding of x0: said below, not warned
    try:
        top = taylor_polynomial(f, x0, needed, variables=variables, method=method, request=request)
    finally:
        POLES_HANDLED.reset(handled)
    if top.is_univariate:

        distance = pole_distance(top.monomial_coefficients, float(np.atleast_1d(top.center)[0]))
        if distance is not None:
            raise NoTaylorSeries(f"x0 = {float(np.atleast_1d(top.center)[0]):.6g} is within rounding of a pole "
                                 f"(about {distance:.1g} away)")
    approximant = None
    if pade is not None:
        from .pade import pade_from_coefficients

        c = np.where(top.below_rounding, 0.0, np.asarray(top.monomial_coefficients, dtype=float))
        approximant = pade_from_coefficients(c, pade[0], pade[1], center=float(top.center))
        top = top.truncate(orders[-1])
    polynomials = {n: top.truncate(n) for n in orders}
    center = np.atleast_1d(top.center)
    if top.is_univariate and np.asarray(top.monomial_coefficients).ndim > 1:
        raise JaxCalcError(f"a Taylor plot needs a scalar function; this one returns shape "
                           f"{top.monomial_coefficients.shape[1:]}: reduce it (jnp.sum) or pick a component")
    defaulted = not span
    span = list(span) if span else [default_span(c) for c in center]
    for c, (lo, hi) in zip(center, span):
        if defaulted and not hi > lo and np.isfinite(c):
            raise JaxCalcError(f"x0 = {c:g} is too large to plot around: in float64, x0 - 3 and x0 + 3 are "
                               "the same number; give a range ({span}), or a smaller x0", options={"span": None})
    if len(span) == 1 and n_vars == 2:
        span = span * 2
    check_span(span)
    span, notes = _drawable_span(span)
    # the grid in the dtype f was traced with (its output may be narrower: a float32 array it fills)
    axes, values = sample_function(request.sampler(), center, span, points, np.asarray(request.point).dtype,
                                   adapted=True)
    approx = sample_polynomials(top, axes, orders)
    pade_values = approximant(axes[0]) if approximant is not None else None
    bands = {}
    if certify:
        bands, refusal = certified_bands(f, polynomials, span[0])
        notes = notes + ((refusal,) if refusal else ())
    return TaylorStudy(polynomials, axes, values, approx, top.variables, notes, approximant, pade_values, bands,
                       request.traced.jaxpr)


def certified_bands(f: Callable, polynomials: dict[int, TaylorPolynomial], span: tuple[float, float]):
    """A certified remainder of each polynomial on the span (widened to hold x0), for the
    coefficients drawn; a band that cannot be proved anywhere is the one-line note returned."""
    from .enclosure.remainder import certified_remainder

    bands = {}
    for n, p in sorted(polynomials.items()):
        x0 = float(np.atleast_1d(p.center)[0])
        interval = (min(span[0], x0), max(span[1], x0))
        try:
            bands[n] = certified_remainder(f, x0, n, interval, polynomial=np.asarray(p.monomial_coefficients, float))
        except JaxCalcError as error:
            return bands, f"no certified band: {error}"
    return bands, None


@dataclass(frozen=True)
class LaurentStudy:
    """f and the partial sums of its Laurent or Puiseux series (one per side when it branches)."""

    series: tuple                        # LaurentSeries, one (both sides) or one per side
    orders: list[int]
    grid: np.ndarray
    values: np.ndarray                   # f on the grid
    sums: dict[int, np.ndarray]          # order -> the series up to that power, on the grid
    notes: tuple[str, ...] = ()

    @property
    def center(self) -> float:
        return self.series[0].x0


def laurent_study(f: Callable, x0: float, orders: Sequence[int], *, span: tuple[float, float] | None = None,
                  points: int | None = None, why_not_taylor: str = "") -> LaurentStudy:
    """Where f has no Taylor series at x0: its Laurent series, or its Puiseux series on each side
    where it has one, summed up to each order on the plotted range. Refused in one line, naming
    both reasons, when it has neither."""
    from .laurent import laurent_series

    orders = sorted(set(int(n) for n in orders))
    x0 = float(x0)
    top = orders[-1]
    notes: list[str] = []
    try:
        series = (laurent_series(f, x0, top),)
    except JaxCalcError as both:
        if "one side at a time" not in str(both):
            raise JaxCalcError(f"no Taylor series at x0 = {x0:g} ({why_not_taylor}), nor a Laurent or Puiseux "
                               f"series: {str(both).split(': ', 1)[-1]}") from None
        series, reasons = [], []
        for side in ("left", "right"):
            try:
                series.append(laurent_series(f, x0, top, side=side))
            except JaxCalcError as one:
                reasons.append(f"{side} of x0: {str(one).split(': ', 1)[-1]}")
        if not series:
            raise JaxCalcError(f"no Taylor, Laurent or Puiseux series at x0 = {x0:g}: " + "; ".join(reasons)) from None
        notes += [f"no series on the {r}" for r in reasons]
        series = tuple(series)
    for s in series:
        notes += list(s.notes)
    span = span or default_span(x0)
    check_span([span])
    grid = np.linspace(span[0], span[1], points or 400)
    import jax
    import jax.numpy as jnp

    values = np.asarray(jax.vmap(f)(jnp.asarray(grid)), dtype=float)
    sums = {}
    for n in orders:
        total = np.full(grid.shape, np.nan)
        for s in series:
            part = s(grid, up_to=n)
            total = np.where(np.isfinite(part), part, total)
        sums[n] = total
    return LaurentStudy(series, orders, grid, values, sums, tuple(dict.fromkeys(notes)))


# The widest range sampled: a grid spacing and the axis' tick arithmetic stay finite in float64.
LARGEST_RANGE = 1e300


def _drawable_span(span) -> tuple[list, tuple[str, ...]]:
    """The span clipped to +-LARGEST_RANGE, and a note saying so when it was."""
    clipped = [(max(lo, -LARGEST_RANGE), min(hi, LARGEST_RANGE)) for lo, hi in span]
    if clipped == [tuple(s) for s in span]:
        return clipped, ()
    shown = " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in clipped)
    return clipped, (f"range clipped to {shown}: wider ranges cannot be sampled in float64",)


def check_span(span) -> None:
    for lo, hi in span:
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise JaxCalcError(f"the range [{lo}, {hi}] is empty: give a range from A to B with A < B")


def sample_function(f: Callable, center: np.ndarray, span, points: int, dtype,
                    adapted: bool = False) -> tuple[tuple, np.ndarray]:
    """The grid axes (one per variable) over ``span`` and f sampled on them (a line or a
    square grid). ``adapted``: f already takes one vector in several variables."""
    import jax
    import jax.numpy as jnp

    axes = tuple(np.linspace(lo, hi, points).astype(dtype) for lo, hi in span)
    if len(axes) == 1:
        return axes, np.asarray(jax.vmap(f)(jnp.asarray(axes[0])))
    g = f if adapted else as_vector_function(f, center)[0]
    mesh = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1)  # (P, P, 2)
    values = np.asarray(jax.vmap(g)(jnp.asarray(mesh.reshape(-1, 2)))).reshape(mesh.shape[:2])
    return axes, values


def sample_polynomials(top: TaylorPolynomial, axes: tuple, orders: Sequence[int]) -> dict[int, np.ndarray]:
    """T_n on the grid for each n in ``orders`` (truncations of ``top``), in NumPy."""
    center = np.atleast_1d(top.center)
    if len(axes) == 1:
        return {n: _horner(np.asarray(top.monomial_coefficients)[:n + 1], axes[0] - center[0]) for n in orders}
    mesh = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1)
    by_degree = _degree_sums(top, mesh - center)
    return {n: by_degree[:n + 1].sum(axis=0) for n in orders}
