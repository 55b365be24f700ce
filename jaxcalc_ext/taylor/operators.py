"""Gradient, Hessian and Laplacian of a scalar function at a point, as one small result.

The gradient and Hessian are the derivative tensors D^1 f and D^2 f (univariate Taylor
passes along lattice directions, see :mod:`.multivariate`); the Laplacian comes from the
collapsed Taylor mode (:mod:`.laplacian`), independently of the Hessian.

>>> import jax.numpy as jnp
>>> ops = derivative_operators(lambda x, y: x**2 + 2*x*y + y**3, (1.0, 2.0))
>>> ops.gradient.tolist(), ops.hessian.tolist(), float(ops.laplacian)
([6.0, 14.0], [[2.0, 2.0], [2.0, 12.0]], 14.0)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import JaxCalcError
from . import format as fmt


@dataclass(frozen=True)
class DerivativeOperators:
    """f, its gradient, Hessian and Laplacian at ``center``."""

    center: np.ndarray
    variables: tuple[str, ...]
    value: float
    gradient: np.ndarray   # (n,)
    hessian: np.ndarray    # (n, n)
    laplacian: float

    @property
    def dtype(self) -> str:
        return str(self.hessian.dtype)

    def latex_lines(self, digits: int = 6) -> list[str]:
        """One LaTeX line per object: ``f``, ``\\nabla f``, ``\\nabla^2 f``, ``\\Delta f`` at the center."""
        at = ", ".join(fmt.number(c, digits) for c in np.atleast_1d(self.center))
        column = "\\\\ ".join(fmt.number(g, digits) for g in self.gradient)
        rows = "\\\\ ".join(" & ".join(fmt.number(h, digits) for h in row) for row in self.hessian)
        return [f"f({at}) = {fmt.number(self.value, digits)}",
                f"\\nabla f({at}) = \\begin{{pmatrix}}{column}\\end{{pmatrix}}",
                f"\\nabla^2 f({at}) = \\begin{{pmatrix}}{rows}\\end{{pmatrix}}",
                f"\\Delta f({at}) = \\operatorname{{tr}} \\nabla^2 f = {fmt.number(self.laplacian, digits)}"]

    def to_latex(self) -> str:
        return "\\begin{aligned}" + " \\\\ ".join(
            line.replace(" = ", " &= ", 1) for line in self.latex_lines()) + "\\end{aligned}"


def derivative_operators(f: Callable, x0: Any, *, variables: Sequence[str] | None = None,
                         method: str = "auto") -> DerivativeOperators:
    """Gradient, Hessian and Laplacian of ``f(v)`` or ``f(x, y, ...)`` at the point x0."""
    from .laplacian import laplacian
    from .multivariate import derivative_tensor
    from .polynomial import as_vector_function, coordinates, default_variables

    x0 = coordinates(x0)
    g, point, adapted = as_vector_function(f, x0)
    point = np.atleast_1d(np.asarray(point, dtype=float))
    if point.ndim != 1:
        raise JaxCalcError(f"the point must be a number or a vector, got shape {point.shape}")
    if np.ndim(x0) == 0:
        g = lambda v, f=f: f(v[0])  # noqa: E731  a function of one variable, seen as R^1 -> R
    gradient = np.asarray(derivative_tensor(g, point, 1, method=method))
    if gradient.ndim != 1:
        raise JaxCalcError(f"the gradient and Hessian need a scalar function; this one returns "
                           f"shape {gradient.shape[1:]}")
    hessian = np.asarray(derivative_tensor(g, point, 2, method=method))
    lap_method = "hessian" if method in ("jet", "nested") else "auto"
    value = float(np.asarray(g(point)))
    lap = float(laplacian(g, point.astype(hessian.dtype), method=lap_method))
    if not (np.isfinite(value) and np.all(np.isfinite(hessian)) and np.isfinite(lap)):
        raise JaxCalcError(f"f or its derivatives are not finite at {point.tolist()}: "
                           "choose a point inside the function's domain where f is smooth")
    variables = variables or default_variables(f, point.shape[0], adapted)
    return DerivativeOperators(point.astype(hessian.dtype), tuple(variables), value, gradient, hessian, lap)
