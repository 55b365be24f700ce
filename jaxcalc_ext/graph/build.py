"""A function -> its computation graph, in stages (each a module of ``graph/``):

trace (``core.tracing``, the one tracer) -> flatten (``flatten``) -> sweeps (``sweeps``:
values, adjoints) -> NaN origin (``nan_origin``) -> assembly and groups (``assemble``,
``organise``, ``scopes``, ``modules``) -> the view within the budget (``view``) -> the width
the display asks for (``fit``) -> DOT (``dot``) -> Graphviz (``backend``).

>>> import jax.numpy as jnp
>>> g = computation_graph(lambda w: jnp.tanh(w) * jnp.cos(w) + jnp.log(w), 1.5, values=True, adjoints=True)
>>> round(float(g.node("tanh").value), 3), round(float(g.node("tanh").adjoint), 4)
(0.905, 0.0707)
"""
from __future__ import annotations

from typing import Any, Callable

from ..core.collection import collector_paused
from ..core.errors import JaxCalcError
from ..core.jaxpr import split_static
from ..core.tracing import capturing_updates, trace
from .assemble import parameter_names
from .assemble import build_full_graph, scalar_output
from .fit import FIT_WIDTH_PT, fitted_to_width
from .model import ComputationGraph
from .modules import named_modules

DEFAULT_MAX_NODES = 60   # a view that fits a notebook's width at a legible font


def computation_graph(f: Callable, *args: Any, values: bool = False, adjoints: bool = False,
                      cotangent: Any = None, depth: int | None = None, fold: bool = True,
                      max_nodes: int | None = DEFAULT_MAX_NODES, show_identity: bool = False,
                      keep_dead: bool = False, rankdir: str = "auto", title: str | None = None,
                      nan: bool = False, fit_width: bool | float = True) -> ComputationGraph:
    """The computation graph of ``f(*args)``, optionally annotated, collapsed to fit.

    ``values``: each node's forward value. ``adjoints``: each node's d(output)/d(node) from the
    reverse sweep (scalar output, or give ``cotangent``: one shaped like the output, or
    ``"ones"`` for the adjoints of the sum of every output, e.g. of a gradient program). The
    graph is organised by the program's own structure (named scopes, your functions, jit calls, activations, source
    lines, layers by parameter group, the sweeps of a gradient); groups open outermost first
    while the drawing stays within ``max_nodes`` (None: open everything), and the others are
    drawn as one node with their operation count. ``depth`` caps how many levels open;
    ``fold=False`` opens library activations (gelu, softmax) too. ``nan=True`` finds where a
    NaN or Inf was first made, forward and in the adjoints, and marks its way to the output.
    ``g.expand('layer_norm')`` and ``g.collapse(...)`` give other views of the same graph.
    ``fit_width``: close more groups while the drawing is wider than a notebook (about 1000 px;
    a number: that many points, which the display chooses).
    """
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise JaxCalcError(f"rankdir must be LR or TB, got {rankdir!r}")
    if max_nodes is not None and max_nodes < 2:
        raise JaxCalcError("max_nodes must be at least 2")
    with collector_paused():   # millions of small objects, none of them garbage until the end
        return _computation_graph(f, args, values, adjoints, cotangent, depth, fold, max_nodes, show_identity,
                                  keep_dead, rankdir, title, nan, fit_width)


def _computation_graph(f, args, values, adjoints, cotangent, depth, fold, max_nodes, show_identity, keep_dead,
                       rankdir, title, nan, fit_width) -> ComputationGraph:
    name = title or getattr(f, "__name__", None) or "f"
    # A model's functions and flags are static, as eqx.filter_jit takes them; its modules are
    # named by their paths (conv1: Conv) while it is traced.
    f, args = split_static(capturing_updates(named_modules(f), parameter_names(f, len(args))), args)
    closed_jaxpr, out_shape = _traced(f, args)
    if nan:
        values = True
        adjoints = adjoints or scalar_output(out_shape) or cotangent is not None
    _check_cost(closed_jaxpr.jaxpr, values, adjoints, max_nodes)
    full = build_full_graph(closed_jaxpr, out_shape, f, args, values, adjoints, cotangent, fold,
                            show_identity, keep_dead, rankdir, name, nan)
    must_show = {a for a in (full.nan.forward, full.nan.adjoint) if a} if full.nan else set()
    graph = full.default_view(max_nodes, depth, fold, must_show)
    if fit_width and max_nodes is not None:
        width = FIT_WIDTH_PT if fit_width is True else float(fit_width)
        graph = fitted_to_width(full, graph, max_nodes, depth, fold, must_show, width)
    return graph




def _check_cost(jaxpr, values: bool, adjoints: bool, max_nodes: int | None) -> None:
    """Refuse, before any value, adjoint or layout is computed, a graph over the limits; name
    what fits (the structure without values, the values without adjoints, a view) or what is
    too large in f itself."""
    from ..core.budget import check, fits
    from ..core.jaxpr import too_large_value
    from .cost import graph_cost

    def suggestion():
        if adjoints and values and fits(graph_cost(jaxpr, values=True, adjoints=False, max_nodes=max_nodes)):
            return "without {adjoints} it fits", {"adjoints": None}
        if (values or adjoints) and fits(graph_cost(jaxpr, values=False, adjoints=False, max_nodes=max_nodes)):
            dropped = {name: None for name, on in (("values", values), ("adjoints", adjoints)) if on}
            return "without " + " and ".join(f"{{{name}}}" for name in dropped) + " it fits", dropped
        if max_nodes is None and fits(graph_cost(jaxpr, values=values, adjoints=adjoints, max_nodes=DEFAULT_MAX_NODES)):
            return "a view of at most {max_nodes} fits", {"max_nodes": DEFAULT_MAX_NODES}
        return too_large_value(jaxpr) or "the program is too large to draw within the limit: draw a part of it"

    check(graph_cost(jaxpr, values=values, adjoints=adjoints, max_nodes=max_nodes), suggestion)


def _traced(f: Callable, args: tuple):
    import jax

    closed, tree, shapes = trace(f, *args, static_outputs=True)
    return closed, jax.tree_util.tree_unflatten(tree, shapes)
