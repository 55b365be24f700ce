"""jaxcalc_ext: a calculus lab for Jupyter built on JAX.

Load it in a notebook with ``%load_ext jaxcalc_ext`` to get ``%taylor``,
``%%taylor``, ``%jaxpr`` and ``%graddag``. The derivative tools underneath are
plain functions that work without IPython:

>>> import jaxcalc_ext as jc, jax.numpy as jnp
>>> jc.derivatives(jnp.sin, 0.0, 3).round(6).tolist()
[0.0, 1.0, 0.0, -1.0]

Heavy modules (jax, matplotlib) are imported on first use, so loading the
extension is quick.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it (imported lazily).
_PUBLIC = {
    "taylor_coefficients": "jaxcalc_ext.taylor.engine.coefficients",
    "derivatives": "jaxcalc_ext.taylor.engine.coefficients",
    "taylor_polynomial": "jaxcalc_ext.taylor.polynomial",
    "TaylorPolynomial": "jaxcalc_ext.taylor.polynomial",
    "convergence_order": "jaxcalc_ext.taylor.convergence",
    "ConvergenceResult": "jaxcalc_ext.taylor.convergence",
    "derivative_tensor": "jaxcalc_ext.taylor.multivariate",
    "derivative_operators": "jaxcalc_ext.taylor.operators",
    "DerivativeOperators": "jaxcalc_ext.taylor.operators",
    "laplacian": "jaxcalc_ext.taylor.laplacian",
    "hessian_trace_estimate": "jaxcalc_ext.taylor.laplacian",
    "pade": "jaxcalc_ext.taylor.pade",
    "certified_remainder": "jaxcalc_ext.taylor.enclosure.remainder",
    "CertifiedRemainder": "jaxcalc_ext.taylor.enclosure.remainder",
    "PadeApproximant": "jaxcalc_ext.taylor.pade",
    "singularities": "jaxcalc_ext.taylor.singularities",
    "laurent_series": "jaxcalc_ext.taylor.laurent",
    "LaurentSeries": "jaxcalc_ext.taylor.laurent",
    "Singularity": "jaxcalc_ext.taylor.singularities",
    "computation_graph": "jaxcalc_ext.graph.build",
    "ComputationGraph": "jaxcalc_ext.graph.model",
    "describe_jaxpr": "jaxcalc_ext.listing.describe",
    "JaxCalcError": "jaxcalc_ext.core.errors",
    "float64_scope": "jaxcalc_ext.core.precision",
}

__all__ = sorted(_PUBLIC) + ["load_ipython_extension", "unload_ipython_extension"]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'jaxcalc_ext' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if module.startswith("jaxcalc_ext.graph."):   # a graph shows itself as a picture in a notebook
        importlib.import_module("jaxcalc_ext.display.graph_picture")
    globals()[name] = value
    return value


def load_ipython_extension(ipython) -> None:
    """Register the magics (``%load_ext jaxcalc_ext``); loading twice is harmless."""
    from .magics import register

    register(ipython)


def unload_ipython_extension(ipython) -> None:
    """Forget the magics (``%unload_ext jaxcalc_ext``)."""
    from .magics import unregister

    unregister(ipython)
