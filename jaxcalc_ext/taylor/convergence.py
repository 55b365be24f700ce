"""Does the Taylor remainder shrink like s^(order+1)? Measure it.

>>> import jax, jax.numpy as jnp
>>> from jaxcalc_ext import float64_scope
>>> with float64_scope():            # float32 remainders hit rounding at small scales
...     r = convergence_order(jnp.exp, 0.5, 2)
>>> round(r.order)
3
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..core.errors import JaxCalcError


@dataclass(frozen=True)
class ConvergenceResult:
    """Errors ``|f(x0 + s v) - T(s)|`` at each scale s and the fitted slope of log error vs log s."""

    scales: np.ndarray
    errors: np.ndarray
    order: float
    taylor_order: int
    fitted: np.ndarray  # which scales entered the fit (above rounding noise)

    @property
    def expected_order(self) -> int:
        return self.taylor_order + 1

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{s:.0e}</td><td>{e:.3e}</td><td>{'' if i == 0 else f'{self.errors[i - 1] / e:.3g}' if e else ''}</td></tr>"
            for i, (s, e) in enumerate(zip(self.scales, self.errors)))
        return (f"<table><tr><th>scale</th><th>|f - T<sub>{self.taylor_order}</sub>|</th>"
                f"<th>ratio</th></tr>{rows}</table><p>fitted order {self.order:.3f} "
                f"(expected {self.expected_order})</p>")

    def __repr__(self) -> str:
        lines = [f"scale      |f - T_{self.taylor_order}|"]
        lines += [f"{s:8.0e}   {e:.3e}" for s, e in zip(self.scales, self.errors)]
        lines.append(f"fitted order {self.order:.3f} (expected {self.expected_order})")
        return "\n".join(lines)


def convergence_order(f: Callable, x0: Any, order: int, *, direction: Any = None,
                      scales: Any = None, method: str = "auto") -> ConvergenceResult:
    """Fit the slope of log|f(x0 + s*direction) - T_order(s)| against log s.

    Scales default to 1e-1 .. 1e-5. Errors at the rounding level of the dtype are
    reported but left out of the fit.
    """
    import jax
    import jax.numpy as jnp

    from .engine.coefficients import as_point, check_order, coefficients_of_traced, require_concrete
    from ..core.tracing import trace_function

    require_concrete(x0, "convergence_order")
    order = check_order(order)
    x0, direction = as_point(x0, direction)
    scales = np.logspace(-1, -5, 5) if scales is None else np.asarray(scales, float)
    if scales.ndim != 1 or scales.size < 2 or np.any(scales <= 0):
        raise JaxCalcError("scales must be at least two positive numbers")
    traced = trace_function(f, x0)        # once: the samples below evaluate the same program
    coeffs = np.asarray(coefficients_of_traced(traced, x0, order, direction, method))
    if coeffs.ndim != 1:
        raise JaxCalcError(f"convergence_order needs a scalar function; this one returns shape {coeffs.shape[1:]}")
    s = jnp.asarray(scales, x0.dtype)
    along = traced.as_function(traced.consts)
    exact = np.asarray(jax.vmap(lambda t: along(x0 + t * direction))(s), dtype=np.float64)
    approx = np.polynomial.polynomial.polyval(np.asarray(s, np.float64), coeffs.astype(np.float64))
    errors = np.abs(exact - approx)
    eps = np.finfo(coeffs.dtype).eps
    floor = 100 * eps * max(1.0, abs(float(coeffs[0])))
    fitted = errors > floor
    if fitted.sum() < 2:
        raise JaxCalcError("the errors are at rounding level at every scale: use larger scales")
    slope = np.polyfit(np.log(scales[fitted]), np.log(errors[fitted]), 1)[0]
    return ConvergenceResult(scales, errors, float(slope), int(order), fitted)
