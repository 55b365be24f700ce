"""Flat steps, values and adjoints -> every atom, edge and group of the graph (a FullGraph):
identity steps and dead code dropped, inputs named by their parameters' pytree paths, outputs
by theirs, loop bodies drawn as structure, and the steps organised into groups."""
from __future__ import annotations

import inspect
from typing import Callable

from ..core.jaxpr import call_name
from ..core.jaxpr_text import format_aval, format_literal, operation_label
from ..core.paths import plain_path, readable_path, wrapped_function
from ..core.tracing import WithUpdates
from .flatten import Flattener, LiteralOperand, is_identity, name_by_call, relative_scopes
from .scopes import equation_source
from .model import Node
from .nan_origin import find_nan_origin
from .organise import Step as OrganisedStep
from .organise import organise
from .sweeps import Sweeps, forward_values, output_cotangents, reverse_adjoints
from .view import FullGraph

def parameter_names(f: Callable, count: int) -> list[str]:
    """The names of ``count`` positional arguments, as the function the user wrote calls them
    (through a transformation's wrapper): ``model``, ``images``; ``args[2]`` past its named ones."""
    try:
        params = [p for p in inspect.signature(wrapped_function(f)).parameters.values()
                  if p.kind is not inspect.Parameter.VAR_KEYWORD]
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        if i < len(params) and params[i].kind is not inspect.Parameter.VAR_POSITIONAL:
            names.append(params[i].name)
            continue
        star = next((j for j, p in enumerate(params) if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
        names.append(f"{params[star].name}[{i - star}]" if star is not None else f"arg{i}")
    return names


def argument_names(f: Callable, args: tuple) -> list[str]:
    """One name per flattened argument leaf: the parameter's name plus the leaf's path, as
    Python writes it (``model.conv1.kernel``, ``params['w']``)."""
    import jax

    names = []
    for base, arg in zip(parameter_names(f, len(args)), args):
        for path, _ in jax.tree_util.tree_flatten_with_path(arg)[0]:
            names.append(base + readable_path(path))
    return names



def scalar_output(out_shape) -> bool:
    import jax

    leaves = jax.tree_util.tree_leaves(out_shape)
    return len(leaves) == 1 and getattr(leaves[0], "size", 0) == 1



def build_full_graph(closed_jaxpr, out_shape, f, args, values, adjoints, cotangent, fold=True,
                     show_identity=False, keep_dead=False, rankdir="auto", title="f", nan=False) -> FullGraph:
    """Every atom, edge and group of the graph, with values and adjoints when asked."""
    import jax

    jaxpr = closed_jaxpr.jaxpr
    flat = Flattener(fold)
    inputs = [flat.new_key(v.aval) for v in jaxpr.invars]
    outputs = flat.walk(jaxpr, closed_jaxpr.consts, inputs, [])
    name_by_call(flat.steps)
    args_flat = jax.tree_util.tree_leaves(args)

    value_of: dict = {}
    adjoint_of: dict = {}
    sweep = Sweeps()
    if values or adjoints:
        value_of = forward_values(flat, inputs, args_flat)
    if adjoints:
        out_vals = [k.value if isinstance(k, LiteralOperand) else value_of[k] for k in outputs]
        cotangents = output_cotangents(out_vals, cotangent)
        adjoint_of = reverse_adjoints(flat, value_of, inputs, outputs, cotangents, sweep)

    steps = flat.steps
    # Identity noise: consumers read the renamed value directly.
    alias: dict = {}
    if not show_identity:
        kept = []
        for s in steps:
            source = next((k for k in s.inputs if not isinstance(k, LiteralOperand)), None)
            if s.identity and source is not None:
                alias[s.outputs[0]] = source
            else:
                kept.append(s)
        steps = kept
    resolve = lambda k: k if isinstance(k, LiteralOperand) else (resolve(alias[k]) if k in alias else k)
    outputs = [resolve(k) for k in outputs]
    for s in steps:
        s.inputs = [resolve(k) for k in s.inputs]
    # Dead code: equations none of whose outputs reach an output.
    if not keep_dead:
        live = {k for k in outputs if not isinstance(k, LiteralOperand)}
        kept = []
        for s in reversed(steps):
            if any(k in live for k in s.outputs):
                kept.append(s)
                live.update(k for k in s.inputs if not isinstance(k, LiteralOperand))
        steps = kept[::-1]
        used_inputs = live
    else:
        used_inputs = None
    consumed = {k for s in steps for k in s.inputs if not isinstance(k, LiteralOperand)} | set(outputs)

    def shown_output(step):
        """The output a node's value and adjoint describe: the first one anything uses."""
        for k in step.outputs:
            if k in consumed:
                return k
        return step.outputs[0] if step.outputs else None

    atoms: dict[str, Node] = {}
    edges: list[tuple[str, str]] = []
    producer: dict = {}
    names = argument_names(f, args)
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
            if isinstance(k, LiteralOperand):
                lid = f"n{i}l{j}"
                atoms[lid] = Node(lid, "literal", format_literal(k.value))
                edges.append((lid, nid))
                attached.append(lid)
            elif k in producer:
                edges.append((producer[k], nid))
        loops = []
        for b, (body_name, body) in enumerate(s.bodies):
            prefix = f"n{i}b{b}"
            loops.append((f"{s.label} {body_name}", draw_structure(body, nid, prefix, atoms, edges)))
        organised.append(OrganisedStep(nid, s.scope, s.backward, attached, loops, s.callee, s.call_name))
    made_backward = {k for s in steps if s.backward for k in s.outputs}
    names_of_outputs = output_names(out_shape, len(outputs), args, names,
                                    {j for j, k in enumerate(outputs) if k in made_backward})
    output_ids = []
    handed_back = set(inputs)
    for j, k in enumerate(outputs):
        if names_of_outputs[j].endswith(" (updated)") and k in handed_back:
            continue   # written back unchanged (nnx.jit returns all its state): not an update
        oid = f"out{j}"
        val = k.value if isinstance(k, LiteralOperand) else value_of.get(k)
        atoms[oid] = Node(oid, "output", names_of_outputs[j],
                          aval=format_aval(flat.avals[k]) if not isinstance(k, LiteralOperand) else "",
                          value=val, adjoint=None if isinstance(k, LiteralOperand) else adjoint_of.get(k))
        if isinstance(k, LiteralOperand):
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
    hierarchy = organise(organised, input_ids, output_ids, edges, labels, const_ids,
                         {oid: atoms[oid].label for oid, _ in output_ids},
                         types={nid: n.aval for nid, n in atoms.items() if n.kind == "op"})
    for oid, producer_id in output_ids:
        if producer_id is None and oid + "l" in atoms:
            hierarchy.place(oid + "l", hierarchy.parent.get(oid))
    inside_rules = sum(1 for s in steps if s.rule is not None) if adjoints else 0
    stats = {"equations": len(steps), "backward": sum(s.backward for s in steps), "unused_inputs": unused,
             "summed_outputs": adjoints and isinstance(cotangent, str) and cotangent == "ones",
             "inside_rules": inside_rules, "rules": sorted({s.rule.label for s in steps if s.rule is not None}),
             "not_reversed": list(sweep.not_reversed)}
    full = FullGraph(atoms, edges, hierarchy, title, rankdir, values, adjoints, stats)
    full.forward_order = [step_id[id(s)] for s in steps if id(s) in step_id]
    full.reverse_order = [step_id[id(s)] for s in sweep.reverse_order if id(s) in step_id]
    if nan:
        full.nan = find_nan_origin(sweep, step_id, atoms, edges, full.readers())
    return full


def output_names(out_shape, count: int, args: tuple = (), arg_names: list[str] | None = None,
                 backward: set | None = None) -> list[str]:
    """Outputs named by their pytree path (``output``, ``output[1]``); a gradient, an output
    subtree mirroring an argument and made in the backward sweep, by ``grads`` and the path
    of the argument's leaf (``grads.conv1.kernel``); an argument updated in place by its own
    name (``model.conv1.kernel (updated)``)."""
    import jax

    flat = jax.tree_util.tree_flatten_with_path(out_shape)[0]
    if len(flat) != count:
        return ["output" if count == 1 else f"output {j}" for j in range(count)]
    if isinstance(out_shape, WithUpdates):
        result = jax.tree_util.tree_flatten_with_path(out_shape.result)[0]
        names = _gradient_names(out_shape.result, args, backward or set(), ["output" + readable_path(p) for p, _ in result])
        return names + [f"{name} (updated)" for name in out_shape.names]
    names = ["output" + readable_path(p) for p, _ in flat]
    return _gradient_names(out_shape, args, backward or set(), names)


def _gradient_names(out_shape, args: tuple, backward: set, names: list[str]) -> list[str]:
    """``grads...`` for every output subtree whose leaves follow one argument's leaves, path
    for path (an NNX State's ``['conv1']['kernel']`` follows ``model.conv1.kernel``), all made in
    the backward sweep (``backward``: the indices of such output leaves)."""
    import jax

    if not args or not backward:
        return names
    arg_paths = [[plain_path(readable_path(p)) for p, _ in jax.tree_util.tree_flatten_with_path(a)[0]] for a in args]
    arg_texts = [[readable_path(p) for p, _ in jax.tree_util.tree_flatten_with_path(a)[0]] for a in args]
    index = {path: i for i, (path, _) in enumerate(jax.tree_util.tree_flatten_with_path(out_shape)[0])}
    renamed, done = list(names), set()
    for path, sub in _subtrees(out_shape):
        leaves = jax.tree_util.tree_flatten_with_path(sub)[0]
        indices = [index.get(path + p) for p, _ in leaves]
        if not leaves or None in indices or done & set(indices) or not all(i in backward for i in indices):
            continue
        if len(leaves) == 1 and len(index) > 1:   # one leaf matches any one-array argument: too loose
            continue
        mine = [plain_path(readable_path(p)) for p, _ in leaves]
        for paths, texts in zip(arg_paths, arg_texts):
            # every leaf one of the argument's (an NNX gradient holds the Params, not the BatchStats)
            text_of = dict(zip(paths, texts))
            if all(path in text_of for path in mine):
                for i, path in zip(indices, mine):
                    renamed[i] = "grads" + text_of[path]
                done.update(indices)
                break
    return renamed


def _subtrees(tree, path: tuple = ()):
    """Every subtree with its path, outermost first."""
    import jax

    yield path, tree
    children = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: x is not tree)[0]
    if len(children) == 1 and children[0][1] is tree:
        return
    for key_path, child in children:
        if child is not tree:
            yield from _subtrees(child, path + key_path)


def draw_structure(jaxpr, owner: str, prefix: str, atoms: dict, edges: list) -> list[tuple[str, list]]:
    """A loop body or branch as structure only (its values change every iteration): its atoms,
    each with the levels it comes from inside the body (a solver step, the user's vector
    field), so the body is organised as the program around it is."""
    from jax.extend.core import Literal as JaxLiteral

    phase = atoms[owner].phase   # the body runs in its loop's sweep
    producer = {}
    made = []
    sources: dict[str, list] = {}
    for j, var in enumerate(list(jaxpr.constvars) + list(jaxpr.invars)):
        nid = f"{prefix}i{j}"
        atoms[nid] = Node(nid, "loop-input", f"in {j}", aval=format_aval(var.aval), phase=phase)
        made.append(nid)
        producer[var] = nid
        if j == 0:
            edges.append((owner, nid))
    for k, eqn in enumerate(jaxpr.eqns):
        source = next((a for a in eqn.invars if not isinstance(a, JaxLiteral) and a in producer), None)
        if is_identity(eqn) and source is not None:   # same-dtype casts, copies: not drawn
            producer[eqn.outvars[0]] = producer[source]
            continue
        nid = f"{prefix}e{k}"
        label, detail = (call_name(eqn), "") if call_name(eqn) else operation_label(eqn)
        atoms[nid] = Node(nid, "op", label, detail, ", ".join(format_aval(v.aval) for v in eqn.outvars),
                          phase=phase)
        made.append(nid)
        sources[nid] = equation_source(eqn)[0]
        for a in eqn.invars:
            if not isinstance(a, JaxLiteral) and a in producer:
                edges.append((producer[a], nid))
        for v in eqn.outvars:
            producer[v] = nid
    ops = [nid for nid in made if nid in sources]
    levels = dict(zip(ops, relative_scopes([sources[nid] for nid in ops])))
    return [(nid, levels.get(nid, [])) for nid in made]
