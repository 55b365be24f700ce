"""Everything a Taylor plot shows, computed without plotting: polynomials, samples, errors.

>>> import jax.numpy as jnp
>>> s = taylor_study(lambda x: jnp.sin(x) + jnp.cos(x), 0.0, [1, 2], span=((-1, 1),), points=5)
>>> [round(float(e), 3) for e in s.max_errors.values()]
[0.459, 0.081]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import JaxCalcError
from .polynomial import TaylorPolynomial, as_vector_function, taylor_polynomial


@dataclass(frozen=True)
class TaylorStudy:
    """f and its Taylor polynomials sampled on a grid around the center."""

    polynomials: dict[int, TaylorPolynomial]
    grid: tuple[np.ndarray, ...]         # one axis per variable (1 or 2 axes)
    values: np.ndarray                    # f on the grid
    approximations: dict[int, np.ndarray]  # T_n on the grid
    variables: tuple[str, ...]

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
        return {n: np.abs(self.values - t) for n, t in self.approximations.items()}

    @property
    def max_errors(self) -> dict[int, float]:
        return {n: float(np.nanmax(e)) for n, e in self.errors.items()}


def default_span(center: float) -> tuple[float, float]:
    """Three units either side of the center: wide enough to see the polynomials part ways."""
    return (float(center) - 3.0, float(center) + 3.0)


def taylor_study(f: Callable, x0: Any, orders: Sequence[int], *, span: Sequence[tuple[float, float]] | None = None,
                 points: int | None = None, variables: Sequence[str] | None = None,
                 method: str = "auto") -> TaylorStudy:
    """Polynomials of every order in ``orders`` (one Taylor pass at the highest), sampled on a grid.

    Functions of one variable are sampled on a line, of two variables on a square grid;
    more variables cannot be drawn and raise.
    """
    import jax
    import jax.numpy as jnp

    orders = sorted(set(int(n) for n in orders))
    if not orders:
        raise JaxCalcError("give at least one order")
    top = taylor_polynomial(f, x0, orders[-1], variables=variables, method=method)
    polynomials = {n: top.truncate(n) for n in orders}
    center = np.atleast_1d(top.center)
    n_vars = center.shape[0]
    if top.is_univariate:
        if np.asarray(top.monomial_coefficients).ndim > 1:
            raise JaxCalcError(f"a Taylor plot needs a scalar function; this one returns shape "
                               f"{top.monomial_coefficients.shape[1:]}: reduce it (jnp.sum) or pick a component")
        n_vars = 1
    if n_vars > 2:
        raise JaxCalcError(f"cannot draw a function of {n_vars} variables: use taylor_polynomial() "
                           "for its polynomial")
    span = list(span) if span else [default_span(c) for c in center]
    if len(span) == 1 and n_vars == 2:
        span = span * 2
    for lo, hi in span:
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise JaxCalcError(f"the range [{lo}, {hi}] is empty: give --range A B with A < B")
    points = points or (400 if n_vars == 1 else 80)
    if not 2 <= points <= 5000:
        raise JaxCalcError(f"--points must be between 2 and 5000, got {points}")
    dtype = top.monomial_coefficients.dtype
    axes = tuple(np.linspace(lo, hi, points).astype(dtype) for lo, hi in span)
    if n_vars == 1:
        xs = jnp.asarray(axes[0])
        values = np.asarray(jax.vmap(f)(xs))
        approx = {n: np.asarray(p(xs)) for n, p in polynomials.items()}
    else:
        g, _, _ = as_vector_function(f, center)
        mesh = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1)  # (P, P, 2)
        flat = jnp.asarray(mesh.reshape(-1, 2))
        values = np.asarray(jax.vmap(g)(flat)).reshape(mesh.shape[:2])
        approx = {n: np.asarray(p(flat)).reshape(mesh.shape[:2]) for n, p in polynomials.items()}
    return TaylorStudy(polynomials, axes, values, approx, top.variables)
