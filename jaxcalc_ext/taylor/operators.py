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

from ..core.errors import JaxCalcError
from . import latex as fmt


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
    """Gradient, Hessian and Laplacian of ``f(v)`` or ``f(x, y, ...)`` at the point x0.

    The gradient and Hessian come from JAX's reverse mode and forward-over-reverse
    (``jax.hessian``), which costs about n gradient evaluations: the cheapest way to a dense
    Hessian. The Laplacian is computed independently, by collapsed Taylor mode (``method``
    "jet" or "nested" take it from the Hessian's trace instead). Memory and time are checked
    against :mod:`jaxcalc_ext.core.budget` first.
    """
    import jax

    from ..core.budget import Cost, check
    from .engine.coefficients import require_concrete
    from .laplacian import laplacian, laplacian_cost

    require_concrete(x0, "derivative_operators")
    from .multivariate import vector_point
    from .polynomial import as_vector_function, coordinates, default_variables
    from ..core.tracing import trace_function

    x0 = coordinates(x0)
    g, point, adapted = as_vector_function(f, x0)
    if np.ndim(point) > 1:
        raise JaxCalcError(f"the point must be a number or a vector, got shape {np.shape(point)}")
    if np.ndim(x0) == 0:
        g = lambda v, f=f: f(v[0])  # noqa: E731  a function of one variable, seen as R^1 -> R
    point = vector_point(np.atleast_1d(np.asarray(point, dtype=float)))
    traced = trace_function(g, point)
    if len(traced.out_shapes) != 1 or traced.out_shapes[0].shape != ():
        shape = traced.out_shapes[0].shape if len(traced.out_shapes) == 1 else "a pytree"
        raise JaxCalcError(f"the gradient and Hessian need a scalar function; this one returns shape {shape}")
    n = point.shape[0]
    lap_method = "hessian" if method in ("jet", "nested") else "auto"
    hessian_cost = laplacian_cost(traced, n, 1, "hessian")
    check(hessian_cost + laplacian_cost(traced, n, 1, "collapsed"), lambda: _what_fits(traced, n))
    value, gradient, hessian = (np.asarray(a) for a in jax.device_get(
        _derivatives_program(traced)(traced.consts, point)))
    # the traced program, not g: the user's Python runs once per request
    lap = float(laplacian(traced.as_function(traced.consts), point, method=lap_method))
    if not (np.isfinite(value) and np.all(np.isfinite(hessian)) and np.isfinite(lap)):
        raise JaxCalcError(f"f or its derivatives are not finite at {point.tolist()}: "
                           "choose a point inside the function's domain where f is smooth")
    variables = variables or default_variables(f, n, adapted)
    return DerivativeOperators(np.asarray(point), tuple(variables), float(value), gradient, hessian, lap)


_PROGRAMS = None


def _what_fits(traced, n: int) -> str:
    """The variables, when the Hessian's n x n entries are what does not fit; else f's own array."""
    from ..core.budget import Cost, fits
    from ..core.dtypes import itemsize
    from ..core.jaxpr import too_large_value

    hessian_alone = Cost(itemsize(traced.out_shapes[0].dtype) * 3.0 * n * n, 0.0)
    if not fits(hessian_alone):
        return f"the Hessian alone needs {n}x{n} entries: use fewer variables, or jc.laplacian for the Laplacian only"
    return too_large_value(traced.jaxpr) or "f's program is too large for the limits: simplify it"


def _derivatives_program(traced):
    """``(consts, v) -> (f(v), grad f(v), hessian f(v))``, compiled once per traced program."""
    import jax

    from ..core.tracing import ProgramCache

    global _PROGRAMS
    if _PROGRAMS is None:
        _PROGRAMS = ProgramCache(32)

    def build():
        def run(consts, v):
            f = traced.as_function(consts)
            value, gradient = jax.value_and_grad(f)(v)
            return value, gradient, jax.hessian(f)(v)
        return jax.jit(run)

    return _PROGRAMS.get(traced.key, build)
