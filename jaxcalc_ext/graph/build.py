"""jaxpr -> full graph -> the view that fits: flatten, sweep forward and backward, organise.

One loop walks the jaxpr (:func:`_Flattener.walk`); call-like equations (``jit``,
``custom_jvp_call``, ``custom_vjp_call``, ``checkpoint``) found through their params are
expanded (a ``call`` level in each step's scope) or kept as one step named after the function
(``relu``, ``where``). The forward sweep evaluates every step; the reverse sweep applies JAX's
own ``vjp`` of each step to the cotangents of its outputs, so every node's adjoint
d(output)/d(node) comes from JAX, never from formulas written here. ``organise.py`` arranges the
steps into groups, ``view.py`` picks the groups that open within the budget.

>>> import jax.numpy as jnp
>>> g = computation_graph(lambda w: jnp.tanh(w) * jnp.cos(w) + jnp.log(w), 1.5, values=True, adjoints=True)
>>> round(float(g.node("tanh").value), 3), round(float(g.node("tanh").adjoint), 4)
(0.905, 0.0707)
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import JaxCalcError
from ..progress import step as progress_step
from ..jaxpr_tools import (bind_equation, call_body, call_name, is_backward, labelled_sub_jaxprs,
                           split_static, sub_jaxprs)
from .format import format_aval, format_literal, operation_label
from .model import ComputationGraph, Node
from .modules import named_modules
from .organise import Step as OrganisedStep
from .organise import organise
from .scopes import Level, equation_source, place_named_scopes
from .view import FullGraph, NanOrigin, count_residuals

# Library wrappers drawn as one node under their own name when ``fold`` is on (so are calls
# whose name starts with "_", jax.numpy's private helpers such as _where).
FOLD_NAMES = {"relu", "relu6", "where", "clip", "logsumexp", "softplus", "sigmoid", "silu", "gelu",
              "softmax", "log_softmax", "logaddexp", "leaky_relu", "elu", "celu", "selu",
              "hard_tanh", "standardize", "sign", "maximum", "minimum", "_where", "mean", "var"}


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass
class _Step:
    """One equation as drawn: what it computes, from which values, where it came from."""

    label: str
    detail: str
    inputs: list          # value keys (int) or _Literal
    outputs: list[int]
    backward: bool
    evaluate: Callable[..., list]
    avals: list = field(default_factory=list)
    repeat: int = 1
    identity: bool = False
    bodies: list = field(default_factory=list)  # (name, jaxpr) of loops and branches, drawn as structure
    scope: list = field(default_factory=list)   # Levels, outermost first (see scopes.py)
    flops: int = 0
    origin: tuple = ()   # the user's call that made it (scopes._frames_origin)


def _bind(eqn) -> Callable[..., list]:
    prim, params = eqn.primitive, eqn.params

    def run(*args):
        out = bind_equation(prim, params, *args)
        return list(out) if prim.multiple_results else [out]
    return run


def _run_body(body) -> Callable[..., list]:
    from jax.extend.core import jaxpr_as_fun

    fun = jaxpr_as_fun(body)
    return lambda *args: list(fun(*args))


def _is_identity(eqn) -> bool:
    """Equations that only rename a value: mul by 1, casts that keep the dtype, copies."""
    name = eqn.primitive.name
    if name in ("copy", "copy_p"):
        return True
    if name == "convert_element_type":
        return eqn.invars[0].aval.dtype == eqn.outvars[0].aval.dtype
    if name == "mul":
        from jax.extend.core import Literal

        lits = [a for a in eqn.invars if isinstance(a, Literal)]
        return len(lits) == 1 and np.all(np.asarray(lits[0].val) == 1) and \
            eqn.outvars[0].aval.shape == [a for a in eqn.invars if not isinstance(a, Literal)][0].aval.shape
    return False


class _Flattener:
    """Walks a jaxpr into a flat list of steps, each knowing where it came from (its scope).

    Calls (jit, custom_jvp, checkpoint) are expanded with a ``call`` level in the scope,
    except library wrappers (relu, jnp.where's _where), kept as one step under their name.
    """

    def __init__(self, fold: bool):
        self.fold = fold
        self.steps: list[_Step] = []
        self.consts: dict[int, Any] = {}
        self.avals: dict[int, Any] = {}
        self.counter = 0
        self.calls = 0

    def new_key(self, aval) -> int:
        self.counter += 1
        self.avals[self.counter] = aval
        return self.counter

    def expand(self, name: str, raw_name: str) -> bool:
        return not (self.fold and (name in FOLD_NAMES or raw_name.startswith("_")))

    def walk(self, jaxpr, consts, inputs, prefix: list, backward: bool = False) -> list:
        """``backward``: the jaxpr is the body of a transposed call, whose own equations carry
        no transpose mark in their name stacks: every step of it is in the backward sweep."""
        from jax.extend.core import Literal

        env: dict = {}
        for var, value in zip(jaxpr.constvars, consts):
            key = self.new_key(var.aval)
            self.consts[key] = value
            env[var] = key
        env.update(zip(jaxpr.invars, inputs))
        read = lambda a: _Literal(a.val) if isinstance(a, Literal) else env[a]
        sources = []
        for i, e in enumerate(jaxpr.eqns):
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(jaxpr.eqns), "reading tracebacks")
            sources.append(equation_source(e))
        scopes = _relative_scopes([levels for levels, _ in sources])
        for i, (eqn, scope, (_, origin)) in enumerate(zip(jaxpr.eqns, scopes, sources)):
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(jaxpr.eqns), "reading the program")
            ins = [read(a) for a in eqn.invars]
            body = call_body(eqn.params, len(eqn.invars))
            name = call_name(eqn)
            raw_name = str(eqn.params.get("name", ""))
            if body is not None and self.expand(name, raw_name):
                self.calls += 1
                call = Level(("call", self.calls), name, "call")
                outs = self.walk(body.jaxpr, body.consts, ins, prefix + scope + [call],
                                 backward or is_backward(eqn))
                env.update(zip(eqn.outvars, outs))
                continue
            outs = [self.new_key(v.aval) for v in eqn.outvars]
            env.update(zip(eqn.outvars, outs))
            if body is not None:
                label, detail, run = name, f"{len(body.jaxpr.eqns)} equations", _run_body(body)
            else:
                (label, detail), run = operation_label(eqn), _bind(eqn)
                subs = sub_jaxprs(eqn.params)
                if subs:
                    detail = (detail + "; " if detail else "") + f"body {sum(len(s.eqns) for s in subs)} eqns"
            bodies = labelled_sub_jaxprs(eqn.params) if body is None else []
            self.steps.append(_Step(label, detail, ins, outs, backward or is_backward(eqn), run,
                                    [format_aval(v.aval) for v in eqn.outvars], identity=_is_identity(eqn),
                                    bodies=bodies, scope=prefix + scope, flops=_flops(eqn, body),
                                    origin=origin))
        return [read(a) for a in jaxpr.outvars]


def _flops(eqn, body=None) -> int:
    """Floating-point operations of an equation, from its shapes: 2·m·n·k for a contraction,
    one per output element otherwise (a call: the sum over its body)."""
    if body is not None:
        return sum(_flops(e, call_body(e.params, len(e.invars))) for e in body.jaxpr.eqns)
    size = sum(math.prod(getattr(v.aval, "shape", ())) for v in eqn.outvars)
    if eqn.primitive.name == "dot_general":
        (contract, _), _ = eqn.params["dimension_numbers"]
        shape = eqn.invars[0].aval.shape
        return 2 * size * math.prod(shape[d] for d in contract)
    return size


def _relative_scopes(scopes: list[list[Level]]) -> list[list[Level]]:
    """Each equation's scope without the levels every equation here shares (the function
    being drawn, or the body of a call)."""
    scopes = place_named_scopes(scopes)
    if not scopes:
        return scopes
    common = 0
    shortest = min(len(s) for s in scopes)
    while common < shortest and all(s[common].key == scopes[0][common].key for s in scopes):
        common += 1
    return [s[common:] for s in scopes]


def _argument_names(f: Callable, args: tuple) -> list[str]:
    """One name per flattened argument leaf: the parameter name plus the pytree path."""
    import jax

    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i, arg in enumerate(args):
        if i < len(params) and params[i].kind is not inspect.Parameter.VAR_POSITIONAL:
            base = params[i].name
        else:
            star = next((p.name for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
            base = f"{star}[{i - params.index(next(p for p in params if p.name == star))}]" if star else f"arg{i}"
        leaves = jax.tree_util.tree_flatten_with_path(arg)[0]
        for path, _ in leaves:
            names.append(base + jax.tree_util.keystr(path))
    return names


def _trace(f, args):
    import jax

    from ..taylor.traced import tracing_mistakes

    try:
        with tracing_mistakes():   # the same words as the Taylor engine's tracer
            return jax.make_jaxpr(f, return_shape=True)(*args)
    except TypeError as err:
        message = " ".join(str(err).split("\n")[0].split()).rstrip(".")
        if "is not a valid JAX type" in message or "of type <class 'function'>" in message:
            raise JaxCalcError(f"calling the function on these arguments failed: {message}; a transformation "
                               "such as jax.grad takes arrays only: for a model with functions or flags "
                               "inside (an Equinox module) use eqx.filter_grad, or split it with "
                               "eqx.partition") from None
        raise JaxCalcError(f"calling the function on these arguments failed: {message}") from None


class _Sweep:
    """What the sweeps saw: the order the reverse sweep visited steps, and the first step whose
    input adjoints came out non-finite from finite output adjoints."""

    def __init__(self):
        self.reverse_order: list[_Step] = []
        self.adjoint_birth: _Step | None = None


def _all_finite(values) -> bool:
    for v in values:
        a = np.asarray(v)
        if np.issubdtype(a.dtype, np.inexact) and not np.all(np.isfinite(a)):
            return False
    return True


def _forward(flat: _Flattener, inputs: list[int], args_flat: list, sweep: _Sweep) -> dict[int, Any]:
    values = dict(flat.consts)
    values.update(zip(inputs, args_flat))
    read = lambda k: k.value if isinstance(k, _Literal) else values[k]
    for i, step in enumerate(flat.steps):
        if i % CHECKPOINT_EVERY == 0:
            progress_step(i, len(flat.steps), "forward values")   # an interrupt stops here
        values.update(zip(step.outputs, step.evaluate(*[read(k) for k in step.inputs])))
    return values


def _reverse(flat: _Flattener, values: dict, outputs: list, cotangents: list, sweep: _Sweep) -> dict[int, Any]:
    """Adjoints of every value: JAX's vjp of each equation, applied from the output back."""
    import jax
    import jax.numpy as jnp

    adj: dict[int, Any] = {}
    for key, ct in zip(outputs, cotangents):
        if not isinstance(key, _Literal):
            adj[key] = adj.get(key, 0) + ct
    for i, step in enumerate(reversed(flat.steps)):
        if i % CHECKPOINT_EVERY == 0:
            progress_step(i, len(flat.steps), "adjoints")
        if not any(k in adj for k in step.outputs):
            continue
        invals = [k.value if isinstance(k, _Literal) else values[k] for k in step.inputs]
        diff = [i for i, (k, v) in enumerate(zip(step.inputs, invals))
                if not isinstance(k, _Literal) and jnp.issubdtype(jnp.result_type(v), jnp.inexact)]
        if not diff:
            continue

        def partial(*xs, step=step, invals=invals, diff=diff):
            full = list(invals)
            for i, x in zip(diff, xs):
                full[i] = x
            return step.evaluate(*full)

        outs_ct = [adj.get(k, None) for k in step.outputs]
        try:
            outs, pullback = jax.vjp(partial, *[invals[i] for i in diff])
            cts = [jnp.zeros_like(o) if c is None else jnp.asarray(c, jnp.result_type(o)) for o, c in zip(outs, outs_ct)]
            in_cts = pullback(cts)
        except Exception:  # e.g. reverse mode through while_loop: no adjoint upstream of here
            continue
        sweep.reverse_order.append(step)
        if sweep.adjoint_birth is None and _all_finite(cts) and not _all_finite(in_cts):
            sweep.adjoint_birth = step
        for i, ct in zip(diff, in_cts):
            key = step.inputs[i]
            adj[key] = adj[key] + ct if key in adj else ct
    return adj


def _nan_origin(sweep: _Sweep, step_id: dict, producer: dict, atoms: dict, edges: list,
                resolve, outputs: list) -> NanOrigin:
    """Where a non-finite output comes from: an input that already holds NaN or Inf, else the
    first step that made one from finite inputs (counted only if the way of non-finite values
    from it reaches an output, which is marked); and the first step whose input adjoints went
    non-finite."""
    origin = NanOrigin()
    finite = lambda node: node.value is None or _all_finite([node.value])
    by_id = {nid: n for nid, n in atoms.items()}
    readers: dict[str, list[str]] = {}
    feeds: dict[str, list[str]] = {}
    for a, b in edges:
        readers.setdefault(a, []).append(b)
        feeds.setdefault(b, []).append(a)

    def way_to_output(start: str) -> list[str]:
        """The shortest way of non-finite values from ``start`` to a non-finite output, or []."""
        previous = {start: None}
        queue, end = [start], None
        while queue and end is None:
            nxt = []
            for a in queue:
                for b in readers.get(a, []):
                    if b not in previous and not finite(by_id[b]):
                        previous[b] = a
                        if by_id[b].kind == "output":
                            end = b
                            break
                        nxt.append(b)
                if end:
                    break
            queue = nxt
        path = []
        while end is not None:
            path.insert(0, end)
            end = previous[end]
        return path

    # Only a non-finite value that reaches the output counts (a solver's harmless 1*inf does not):
    # an input that already holds one, else the first operation that made one from finite inputs.
    inputs = [nid for nid, n in atoms.items() if n.kind == "input" and not finite(n)]
    born = [nid for nid in atoms if nid.startswith("n") and atoms[nid].kind == "op"
            and not finite(by_id[nid]) and all(finite(by_id[a]) for a in feeds.get(nid, []))]
    for nid in inputs + born:
        path = way_to_output(nid)
        if path:
            origin.forward, origin.path = nid, path
            break
    if sweep.adjoint_birth is not None:
        origin.adjoint = step_id.get(id(sweep.adjoint_birth))
    parts = []
    if origin.forward and by_id[origin.forward].kind == "input":
        node = by_id[origin.forward]
        parts.append(f"the input {node.label} = {_short(node.value)} is already not finite, and reaches "
                     f"the output (marked in red)")
    elif origin.forward:
        node = by_id[origin.forward]
        parts.append(f"first non-finite value: {node.label} = {_short(node.value)} from finite inputs "
                     f"(node {origin.forward}, marked in red)")
    if origin.adjoint:
        node = by_id[origin.adjoint]
        parts.append(f"first non-finite adjoint: made by {node.label} in the reverse sweep "
                     f"(node {origin.adjoint}, marked in purple)")
    if not parts and born:
        parts.append(f"no NaN or Inf reaches the output or the adjoints; {len(born)} operation"
                     f"{'s' * (len(born) != 1)} inside make{'s' * (len(born) == 1)} one that does not "
                     f"(first: {by_id[born[0]].label})")
    origin.message = "; ".join(parts) if parts else "no NaN or Inf: every value and adjoint is finite"
    return origin


def _short(value) -> str:
    from .format import format_value

    return format_value(value)


CHECKPOINT_EVERY = 64   # equations between two looks at whether the user interrupted
DEFAULT_MAX_NODES = 60   # a view that fits a notebook's width at a legible font
FIT_WIDTH_PT = 760       # about 1000 CSS pixels: a notebook's width


def computation_graph(f: Callable, *args: Any, values: bool = False, adjoints: bool = False,
                      cotangent: Any = None, depth: int | None = None, fold: bool = True,
                      max_nodes: int | None = DEFAULT_MAX_NODES, show_identity: bool = False,
                      keep_dead: bool = False, rankdir: str = "auto", title: str | None = None,
                      nan: bool = False, fit_width: bool = True) -> ComputationGraph:
    """The computation graph of ``f(*args)``, optionally annotated, collapsed to fit.

    ``values``: each node's forward value. ``adjoints``: each node's d(output)/d(node) from the
    reverse sweep (scalar output, or give ``cotangent``: one shaped like the output, or
    ``"ones"`` for the adjoints of the sum of every output, e.g. of a gradient program). The graph is organised by the
    program's own structure (named scopes, your functions, jit calls, activations, source
    lines, layers by parameter group, the sweeps of a gradient); groups open outermost first
    while the drawing stays within ``max_nodes`` (None: open everything), and the others are
    drawn as one node with their operation count. ``depth`` caps how many levels open;
    ``fold=False`` opens library activations (gelu, softmax) too. ``nan=True`` finds where a
    NaN or Inf was first made, forward and in the adjoints, and marks its way to the output.
    ``g.expand('layer_norm')`` and ``g.collapse(...)`` give other views of the same graph.
    ``fit_width``: close more groups while the drawing is wider than a notebook (about 1000 px).
    """
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise JaxCalcError(f"rankdir must be LR or TB, got {rankdir!r}")
    if max_nodes is not None and max_nodes < 2:
        raise JaxCalcError("max_nodes must be at least 2")
    name = title or getattr(f, "__name__", None) or "f"
    # A model's functions and flags are static, as eqx.filter_jit takes them; its modules are
    # named by their paths (conv1: Conv) while it is traced.
    f, args = split_static(named_modules(f), args)
    closed_jaxpr, out_shape = _trace(f, args)
    if nan:
        values = True
        adjoints = adjoints or _scalar_output(out_shape) or cotangent is not None
    full = build_full_graph(closed_jaxpr, out_shape, f, args, values, adjoints, cotangent, fold,
                            show_identity, keep_dead, rankdir, name, nan)
    must_show = {a for a in (full.nan.forward, full.nan.adjoint) if a} if full.nan else set()
    graph = full.default_view(max_nodes, depth, fold, must_show)
    if fit_width and max_nodes is not None:
        graph = _fitted_to_width(full, graph, max_nodes, depth, fold, must_show)
    return graph


def _fitted_to_width(full, graph, budget, depth, fold, must_show) -> ComputationGraph:
    """Fewer open groups until the drawing is at most FIT_WIDTH_PT wide (laid out once per try;
    the last layout is kept for display)."""
    import re

    def width(g) -> float:
        match = re.search(r'<svg width="([\d.]+)pt"', g.svg() or "")
        return float(match.group(1)) if match else 0.0

    for _ in range(4):
        if width(graph) <= FIT_WIDTH_PT or budget <= 6:
            break
        budget = int(budget * 0.6)
        smaller = full.default_view(budget, depth, fold, must_show)
        if len(smaller.nodes) >= len(graph.nodes):
            break
        graph = smaller
    if width(graph) > FIT_WIDTH_PT and full.rankdir == "auto" and graph.rankdir == "LR":
        full.rankdir = "TB"     # a short chain too wide left to right: stack it
        tall = full.view(set(graph.open_groups))
        if width(tall) < width(graph):
            graph = tall
        else:
            full.rankdir = "auto"
    residuals = count_residuals(graph.nodes, graph.edges)
    if width(graph) > FIT_WIDTH_PT and residuals and graph.draw_residuals is not False:
        before = width(graph)
        graph.draw_residuals, graph._svg = False, None   # the light arrows between the sweeps take room
        if width(graph) < before:
            graph.notes.append(f"{residuals} arrows from forward values to the backward sweep are left out "
                               "to fit the notebook's width")
        else:
            graph.draw_residuals, graph._svg = None, None
    return graph


def _scalar_output(out_shape) -> bool:
    import jax

    leaves = jax.tree_util.tree_leaves(out_shape)
    return len(leaves) == 1 and getattr(leaves[0], "size", 0) == 1


def build_full_graph(closed_jaxpr, out_shape, f, args, values, adjoints, cotangent, fold=True,
                     show_identity=False, keep_dead=False, rankdir="auto", title="f", nan=False) -> FullGraph:
    """Every atom, edge and group of the graph, with values and adjoints when asked."""
    import jax
    import jax.numpy as jnp

    jaxpr = closed_jaxpr.jaxpr
    flat = _Flattener(fold)
    inputs = [flat.new_key(v.aval) for v in jaxpr.invars]
    outputs = flat.walk(jaxpr, closed_jaxpr.consts, inputs, [])
    args_flat = jax.tree_util.tree_leaves(args)

    value_of: dict = {}
    adjoint_of: dict = {}
    sweep = _Sweep()
    if values or adjoints:
        value_of = _forward(flat, inputs, args_flat, sweep)
    if adjoints:
        out_vals = [k.value if isinstance(k, _Literal) else value_of[k] for k in outputs]
        if cotangent is None:
            if len(out_vals) != 1 or jnp.size(out_vals[0]) != 1:
                shapes = ", ".join(str(tuple(jnp.shape(v))) for v in out_vals[:4]) + (" …" if len(out_vals) > 4 else "")
                raise JaxCalcError(f"adjoints need a scalar output, this function returns {len(out_vals)} "
                                   f"array{'s' * (len(out_vals) != 1)} of shape {shapes}: give cotangent "
                                   "'ones' (the adjoints of the sum of every output) or one shaped like "
                                   "the output, or reduce the output (jnp.sum)")
            cotangents = [jnp.ones_like(out_vals[0])]
        elif isinstance(cotangent, str) and cotangent == "ones":
            cotangents = [jnp.ones_like(v) for v in out_vals]
        else:
            cotangents = [jnp.asarray(c) for c in jax.tree_util.tree_leaves(cotangent)]
            if [jnp.shape(c) for c in cotangents] != [jnp.shape(v) for v in out_vals]:
                raise JaxCalcError("the cotangent must have the shape of the output")
        adjoint_of = _reverse(flat, value_of, outputs, cotangents, sweep)

    steps = flat.steps
    # Identity noise: consumers read the renamed value directly.
    alias: dict = {}
    if not show_identity:
        kept = []
        for s in steps:
            source = next((k for k in s.inputs if not isinstance(k, _Literal)), None)
            if s.identity and source is not None:
                alias[s.outputs[0]] = source
            else:
                kept.append(s)
        steps = kept
    resolve = lambda k: k if isinstance(k, _Literal) else (resolve(alias[k]) if k in alias else k)
    outputs = [resolve(k) for k in outputs]
    for s in steps:
        s.inputs = [resolve(k) for k in s.inputs]
    # Dead code: equations none of whose outputs reach an output.
    if not keep_dead:
        live = {k for k in outputs if not isinstance(k, _Literal)}
        kept = []
        for s in reversed(steps):
            if any(k in live for k in s.outputs):
                kept.append(s)
                live.update(k for k in s.inputs if not isinstance(k, _Literal))
        steps = kept[::-1]
        used_inputs = live
    else:
        used_inputs = None
    consumed = {k for s in steps for k in s.inputs if not isinstance(k, _Literal)} | set(outputs)

    def shown_output(step):
        """The output a node's value and adjoint describe: the first one anything uses."""
        for k in step.outputs:
            if k in consumed:
                return k
        return step.outputs[0] if step.outputs else None

    atoms: dict[str, Node] = {}
    edges: list[tuple[str, str]] = []
    producer: dict = {}
    names = _argument_names(f, args)
    input_ids = []
    unused = 0
    for i, key in enumerate(inputs):
        nid = f"in{i}"
        if used_inputs is not None and key not in used_inputs:
            unused += 1   # a dropout key in eval mode, a parameter the function ignores
            continue
        atoms[nid] = Node(nid, "input", names[i] if i < len(names) else f"arg{i}",
                          aval=format_aval(flat.avals[key]), value=value_of.get(key), adjoint=adjoint_of.get(key))
        producer[key] = nid
        input_ids.append((nid, atoms[nid].label))
    const_ids = []
    for key, const in flat.consts.items():
        if used_inputs is not None and key not in used_inputs:
            continue
        nid = f"k{key}"
        atoms[nid] = Node(nid, "const", "const", aval=format_aval(flat.avals[key]),
                          value=const if values else None, adjoint=adjoint_of.get(key))
        producer[key] = nid
        const_ids.append(nid)
    organised = []
    step_id = {id(s): f"n{i}" for i, s in enumerate(steps)}
    origins: dict[tuple, int] = {}
    for i, s in enumerate(steps):
        nid = f"n{i}"
        first = shown_output(s)
        atoms[nid] = Node(nid, "op", s.label, s.detail, ", ".join(dict.fromkeys(s.avals)),
                          value=value_of.get(first), adjoint=adjoint_of.get(first),
                          phase="backward" if s.backward else "forward", flops=s.flops)
        if s.origin:
            atoms[nid].origin = origins.setdefault(s.origin, len(origins) + 1)
        for k in s.outputs:
            producer[k] = nid
    for i, s in enumerate(steps):
        nid = f"n{i}"
        attached = []
        for j, k in enumerate(s.inputs):
            if isinstance(k, _Literal):
                lid = f"n{i}l{j}"
                atoms[lid] = Node(lid, "literal", format_literal(k.value))
                edges.append((lid, nid))
                attached.append(lid)
            elif k in producer:
                edges.append((producer[k], nid))
        loops = []
        for b, (body_name, body) in enumerate(s.bodies):
            prefix = f"n{i}b{b}"
            loops.append((f"{s.label} {body_name}", _draw_structure(body, nid, prefix, atoms, edges)))
        organised.append(OrganisedStep(nid, s.scope, s.backward, attached, loops))
    output_names = _output_names(out_shape, len(outputs))
    output_ids = []
    for j, k in enumerate(outputs):
        oid = f"out{j}"
        val = k.value if isinstance(k, _Literal) else value_of.get(k)
        atoms[oid] = Node(oid, "output", output_names[j],
                          aval=format_aval(flat.avals[k]) if not isinstance(k, _Literal) else "",
                          value=val, adjoint=None if isinstance(k, _Literal) else adjoint_of.get(k))
        if isinstance(k, _Literal):
            atoms[f"{oid}l"] = Node(f"{oid}l", "literal", format_literal(k.value))
            edges.append((f"{oid}l", oid))
            output_ids.append((oid, None))
        elif k in producer:
            edges.append((producer[k], oid))
            output_ids.append((oid, producer[k]))
        else:
            output_ids.append((oid, None))
    edges = list(dict.fromkeys(edges))  # one arrow per pair, however many operands it carries
    labels = {nid: n.label for nid, n in atoms.items() if n.kind == "op"}
    hierarchy = organise(organised, input_ids, output_ids, edges, labels, const_ids)
    for oid, producer_id in output_ids:
        if producer_id is None and oid + "l" in atoms:
            hierarchy.place(oid + "l", hierarchy.parent.get(oid))
    stats = {"equations": len(steps), "backward": sum(s.backward for s in steps), "unused_inputs": unused,
             "summed_outputs": adjoints and isinstance(cotangent, str) and cotangent == "ones"}
    full = FullGraph(atoms, edges, hierarchy, title, rankdir, values, adjoints, stats)
    full.forward_order = [step_id[id(s)] for s in steps if id(s) in step_id]
    full.reverse_order = [step_id[id(s)] for s in sweep.reverse_order if id(s) in step_id]
    if nan:
        full.nan = _nan_origin(sweep, step_id, producer, atoms, edges, resolve, outputs)
    return full


def _output_names(out_shape, count: int) -> list[str]:
    """Outputs named by their pytree path: output, output[3][0], output['w']."""
    import jax

    try:
        paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(out_shape)[0]]
    except Exception:
        paths = []
    if len(paths) != count:
        return ["output" if count == 1 else f"output {j}" for j in range(count)]
    return ["output" + p for p in paths]


def _draw_structure(jaxpr, owner: str, prefix: str, atoms: dict, edges: list) -> list[str]:
    """A loop body or branch as structure only (its values change every iteration)."""
    from jax.extend.core import Literal

    producer = {}
    made = []
    for j, var in enumerate(list(jaxpr.constvars) + list(jaxpr.invars)):
        nid = f"{prefix}i{j}"
        atoms[nid] = Node(nid, "loop-input", f"in {j}", aval=format_aval(var.aval))
        made.append(nid)
        producer[var] = nid
        if j == 0:
            edges.append((owner, nid))
    for k, eqn in enumerate(jaxpr.eqns):
        source = next((a for a in eqn.invars if not isinstance(a, Literal) and a in producer), None)
        if _is_identity(eqn) and source is not None:   # same-dtype casts, copies: not drawn
            producer[eqn.outvars[0]] = producer[source]
            continue
        nid = f"{prefix}e{k}"
        label, detail = (call_name(eqn), "") if call_name(eqn) else operation_label(eqn)
        atoms[nid] = Node(nid, "op", label, detail, ", ".join(format_aval(v.aval) for v in eqn.outvars))
        made.append(nid)
        for a in eqn.invars:
            if not isinstance(a, Literal) and a in producer:
                edges.append((producer[a], nid))
        for v in eqn.outvars:
            producer[v] = nid
    return made
