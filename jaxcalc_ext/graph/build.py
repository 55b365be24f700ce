"""jaxpr -> ComputationGraph: flatten, sweep forward for values and backward for adjoints, draw.

One loop walks the jaxpr (:func:`_Flattener.walk`); call-like equations (``jit``,
``custom_jvp_call``, ``custom_vjp_call``, ``checkpoint``) found through their params are
either expanded into a cluster or kept as one node named after the function (``relu``,
``where``). The forward sweep evaluates every kept equation; the reverse sweep applies
JAX's own ``vjp`` of each equation to the cotangents of its outputs, so every node's
adjoint d(output)/d(node) comes from JAX, never from formulas written here.

>>> import jax.numpy as jnp
>>> g = computation_graph(lambda w: jnp.tanh(w) * jnp.cos(w) + jnp.log(w), 1.5, values=True, adjoints=True)
>>> round(float(g.node("tanh").value), 3), round(float(g.node("tanh").adjoint), 4)
(0.905, 0.0707)
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import JaxCalcError
from ..jaxpr_tools import call_body, call_name, is_backward, labelled_sub_jaxprs, sub_jaxprs
from .format import format_aval, format_literal, format_params
from .model import Cluster, ComputationGraph, Node

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
    """One equation as drawn: what it computes, from which values, in which cluster."""

    label: str
    detail: str
    inputs: list          # value keys (int) or _Literal
    outputs: list[int]
    cluster: str | None
    backward: bool
    evaluate: Callable[..., list]
    avals: list = field(default_factory=list)
    repeat: int = 1
    identity: bool = False
    bodies: list = field(default_factory=list)  # (name, jaxpr) of loops and branches, drawn as structure


def _bind(eqn) -> Callable[..., list]:
    prim, params = eqn.primitive, eqn.params

    def run(*args):
        out = prim.bind(*args, **params)
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
    def __init__(self, depth: int | None, fold: bool):
        self.depth, self.fold = depth, fold
        self.steps: list[_Step] = []
        self.clusters: dict[str, Cluster] = {}
        self.consts: dict[int, Any] = {}
        self.avals: dict[int, Any] = {}
        self.counter = 0

    def new_key(self, aval) -> int:
        self.counter += 1
        self.avals[self.counter] = aval
        return self.counter

    def expand(self, name: str, raw_name: str, body, level: int) -> bool:
        if self.depth is not None and level >= self.depth:
            return False
        if self.fold and (name in FOLD_NAMES or raw_name.startswith("_")):
            return False  # a library wrapper (relu, jnp.where's _where): one node under its name
        return True

    def walk(self, jaxpr, consts, inputs, cluster, level) -> list:
        from jax.extend.core import Literal

        env: dict = {}
        for var, value in zip(jaxpr.constvars, consts):
            key = self.new_key(var.aval)
            self.consts[key] = value
            env[var] = key
        env.update(zip(jaxpr.invars, inputs))
        read = lambda a: _Literal(a.val) if isinstance(a, Literal) else env[a]
        for eqn in jaxpr.eqns:
            ins = [read(a) for a in eqn.invars]
            body = call_body(eqn.params, len(eqn.invars))
            name = call_name(eqn)
            raw_name = str(eqn.params.get("name", ""))
            if body is not None and self.expand(name, raw_name, body, level):
                cid = f"c{len(self.clusters)}"
                self.clusters[cid] = Cluster(cid, name, cluster)
                outs = self.walk(body.jaxpr, body.consts, ins, cid, level + 1)
                env.update(zip(eqn.outvars, outs))
                continue
            outs = [self.new_key(v.aval) for v in eqn.outvars]
            env.update(zip(eqn.outvars, outs))
            if body is not None:
                label, detail, run = name, f"{len(body.jaxpr.eqns)} equations", _run_body(body)
            else:
                label, detail, run = eqn.primitive.name, format_params(eqn.params), _bind(eqn)
                subs = sub_jaxprs(eqn.params)
                if subs:
                    detail = (detail + "; " if detail else "") + f"body {sum(len(s.eqns) for s in subs)} eqns"
            bodies = []
            if body is None and (self.depth is None or level < self.depth):
                bodies = labelled_sub_jaxprs(eqn.params)
            self.steps.append(_Step(label, detail, ins, outs, cluster, is_backward(eqn), run,
                                    [format_aval(v.aval) for v in eqn.outvars], identity=_is_identity(eqn),
                                    bodies=bodies))
        return [read(a) for a in jaxpr.outvars]


def _argument_names(f: Callable, args: tuple) -> list[str]:
    """One name per flattened argument leaf: the parameter name plus the pytree path."""
    import jax

    try:
        params = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for i, arg in enumerate(args):
        base = params[i] if i < len(params) else f"arg{i}"
        leaves = jax.tree_util.tree_flatten_with_path(arg)[0]
        for path, _ in leaves:
            names.append(base + jax.tree_util.keystr(path))
    return names


def _trace(f, args):
    import jax

    try:
        return jax.make_jaxpr(f)(*args)
    except jax.errors.TracerArrayConversionError:
        raise JaxCalcError("the function calls NumPy on a traced value: use jax.numpy instead") from None
    except (jax.errors.TracerBoolConversionError, jax.errors.ConcretizationTypeError):
        raise JaxCalcError("the function uses Python control flow on a traced value: "
                           "use jnp.where or jax.lax.cond") from None
    except TypeError as err:
        raise JaxCalcError(f"calling the function on these arguments failed: {err}") from None


def _forward(flat: _Flattener, inputs: list[int], args_flat: list) -> dict[int, Any]:
    values = dict(flat.consts)
    values.update(zip(inputs, args_flat))
    read = lambda k: k.value if isinstance(k, _Literal) else values[k]
    for step in flat.steps:
        values.update(zip(step.outputs, step.evaluate(*[read(k) for k in step.inputs])))
    return values


def _reverse(flat: _Flattener, values: dict, outputs: list, cotangents: list) -> dict[int, Any]:
    """Adjoints of every value: JAX's vjp of each equation, applied from the output back."""
    import jax
    import jax.numpy as jnp

    adj: dict[int, Any] = {}
    for key, ct in zip(outputs, cotangents):
        if not isinstance(key, _Literal):
            adj[key] = adj.get(key, 0) + ct
    for step in reversed(flat.steps):
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
        for i, ct in zip(diff, in_cts):
            key = step.inputs[i]
            adj[key] = adj[key] + ct if key in adj else ct
    return adj


def computation_graph(f: Callable, *args: Any, values: bool = False, adjoints: bool = False,
                      cotangent: Any = None, depth: int | None = None, fold: bool = True,
                      max_nodes: int = 400, show_identity: bool = False, keep_dead: bool = False,
                      rankdir: str = "LR", title: str | None = None) -> ComputationGraph:
    """The computation graph of ``f(*args)``, optionally annotated.

    ``values``: each node's forward value. ``adjoints``: each node's d(output)/d(node) from the
    reverse sweep (scalar output, or give ``cotangent``). ``depth``: how many levels of
    function calls to expand (None: all). ``fold``: draw library wrappers (relu, where, ...)
    as one node. Beyond ``max_nodes`` the graph is collapsed level by level, then repeated
    identical calls are rolled into one node "name × N".
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise JaxCalcError(f"rankdir must be LR or TB, got {rankdir!r}")
    closed_jaxpr = _trace(f, args)
    name = title or getattr(f, "__name__", None) or "f"
    budget_depth, roll = depth, False
    while True:
        graph, steps = _build(closed_jaxpr, f, args, values, adjoints, cotangent, budget_depth, fold,
                              show_identity, keep_dead, rankdir, name, roll)
        if len(graph.nodes) <= max_nodes:
            return graph
        current = budget_depth if budget_depth is not None else _max_depth(closed_jaxpr.jaxpr)
        if current > 0:
            budget_depth = current - 1
        elif not roll:
            roll = True
        else:
            raise JaxCalcError(f"the graph has {len(graph.nodes)} nodes, more than max_nodes={max_nodes}: "
                               "raise max_nodes, or draw a smaller function (wrap layers in jax.jit "
                               "so they collapse)")
        budget_depth = current - 1


def _max_depth(jaxpr) -> int:
    depths = [1 + _max_depth(call_body(e.params, len(e.invars)).jaxpr)
              for e in jaxpr.eqns if call_body(e.params, len(e.invars)) is not None]
    return max(depths, default=0)


def _roll(steps: list[_Step]) -> list[_Step]:
    """Runs of chained calls with the same name and shape become one node 'name × N'."""
    rolled: list[_Step] = []
    for step in steps:
        prev = rolled[-1] if rolled else None
        if (prev is not None and step.detail.endswith("equations") and prev.label == step.label
                and prev.detail == step.detail and prev.cluster == step.cluster
                and prev.backward == step.backward and any(k in prev.outputs for k in step.inputs)):
            prev.repeat += 1
            prev.inputs = prev.inputs + [k for k in step.inputs if k not in prev.outputs]
            prev.outputs = step.outputs + prev.outputs  # the newest first: it is the value shown
            continue
        rolled.append(step)
    return rolled


def _build(closed_jaxpr, f, args, values, adjoints, cotangent, depth, fold, show_identity,
           keep_dead, rankdir, title, roll):
    import jax
    import jax.numpy as jnp

    jaxpr = closed_jaxpr.jaxpr
    flat = _Flattener(depth, fold)
    inputs = [flat.new_key(v.aval) for v in jaxpr.invars]
    outputs = flat.walk(jaxpr, closed_jaxpr.consts, inputs, None, 0)
    args_flat = jax.tree_util.tree_leaves(args)

    value_of: dict = {}
    adjoint_of: dict = {}
    if values or adjoints:
        value_of = _forward(flat, inputs, args_flat)
    if adjoints:
        out_vals = [k.value if isinstance(k, _Literal) else value_of[k] for k in outputs]
        if cotangent is None:
            if len(out_vals) != 1 or jnp.size(out_vals[0]) != 1:
                shapes = [tuple(jnp.shape(v)) for v in out_vals]
                raise JaxCalcError(f"adjoints need a scalar output, this function returns {shapes}: "
                                   "reduce it (jnp.sum) or give a cotangent for the output")
            cotangents = [jnp.ones_like(out_vals[0])]
        else:
            cotangents = [jnp.asarray(c) for c in jax.tree_util.tree_leaves(cotangent)]
            if [jnp.shape(c) for c in cotangents] != [jnp.shape(v) for v in out_vals]:
                raise JaxCalcError("the cotangent must have the shape of the output")
        adjoint_of = _reverse(flat, value_of, outputs, cotangents)

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
        return next((k for k in step.outputs if k in consumed), step.outputs[0] if step.outputs else None)

    if roll:
        steps = _roll(steps)

    nodes: list[Node] = []
    edges: list[tuple[str, str]] = []
    producer: dict = {}
    names = _argument_names(f, args)
    for i, key in enumerate(inputs):
        nid = f"in{i}"
        nodes.append(Node(nid, "input", names[i] if i < len(names) else f"arg{i}", aval=format_aval(flat.avals[key]),
                          value=value_of.get(key), adjoint=adjoint_of.get(key)))
        producer[key] = nid
    for key, const in flat.consts.items():
        if used_inputs is not None and key not in used_inputs:
            continue
        nid = f"k{key}"
        nodes.append(Node(nid, "const", "const", aval=format_aval(flat.avals[key]),
                          value=const if values else None, adjoint=adjoint_of.get(key)))
        producer[key] = nid
    for i, s in enumerate(steps):
        nid = f"n{i}"
        first = shown_output(s)
        nodes.append(Node(nid, "op", s.label, s.detail, ", ".join(dict.fromkeys(s.avals)),
                          value=value_of.get(first), adjoint=adjoint_of.get(first),
                          phase="backward" if s.backward else "forward", cluster=s.cluster, repeat=s.repeat))
        for k in s.outputs:
            producer[k] = nid
    for i, s in enumerate(steps):
        for j, k in enumerate(s.inputs):
            if isinstance(k, _Literal):
                lid = f"n{i}l{j}"
                nodes.append(Node(lid, "literal", format_literal(k.value), cluster=s.cluster))
                edges.append((lid, f"n{i}"))
            elif k in producer:
                edges.append((producer[k], f"n{i}"))
    for j, k in enumerate(outputs):
        oid = f"out{j}"
        val = k.value if isinstance(k, _Literal) else value_of.get(k)
        nodes.append(Node(oid, "output", "output" if len(outputs) == 1 else f"output {j}",
                          aval=format_aval(flat.avals[k]) if not isinstance(k, _Literal) else "",
                          value=val, adjoint=None if isinstance(k, _Literal) else adjoint_of.get(k)))
        if isinstance(k, _Literal):
            nodes.append(Node(f"{oid}l", "literal", format_literal(k.value)))
            edges.append((f"{oid}l", oid))
        elif k in producer:
            edges.append((producer[k], oid))
    extra_clusters: dict[str, Cluster] = {}
    for i, s in enumerate(steps):
        for b, (body_name, body) in enumerate(s.bodies):
            cid = f"s{i}b{b}"
            extra_clusters[cid] = Cluster(cid, f"{s.label} {body_name}", s.cluster)
            _draw_structure(body, f"n{i}", cid, nodes, edges)
    flat.clusters.update(extra_clusters)
    used_clusters = {n.cluster for n in nodes if n.cluster}
    clusters = {}
    for cid in list(used_clusters):
        while cid is not None and cid not in clusters:
            clusters[cid] = flat.clusters[cid]
            cid = flat.clusters[cid].parent
    edges = list(dict.fromkeys(edges))  # one arrow per pair, however many operands it carries
    stats = {"equations": len(steps), "backward": sum(s.backward for s in steps)}
    graph = ComputationGraph(nodes, edges, clusters, title, rankdir, values, adjoints, stats)
    return graph, steps


def _draw_structure(jaxpr, owner: str, cluster: str, nodes: list, edges: list) -> None:
    """A loop body or branch as structure only (its values change every iteration)."""
    from jax.extend.core import Literal

    producer = {}
    for j, var in enumerate(list(jaxpr.constvars) + list(jaxpr.invars)):
        nid = f"{cluster}i{j}"
        nodes.append(Node(nid, "loop-input", f"in {j}", aval=format_aval(var.aval), cluster=cluster))
        producer[var] = nid
        if j == 0:
            edges.append((owner, nid))
    for k, eqn in enumerate(jaxpr.eqns):
        nid = f"{cluster}e{k}"
        label = call_name(eqn) or eqn.primitive.name
        nodes.append(Node(nid, "op", label, format_params(eqn.params),
                          ", ".join(format_aval(v.aval) for v in eqn.outvars), cluster=cluster))
        for a in eqn.invars:
            if not isinstance(a, Literal) and a in producer:
                edges.append((producer[a], nid))
        for v in eqn.outvars:
            producer[v] = nid
