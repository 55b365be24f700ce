"""Arrange a flat list of drawn steps into a :class:`Hierarchy`: the user's structure first.

In order: the forward and backward sweeps of a gradient; each step's scope (named scopes, the
user's functions, calls, activations, source lines), as runs of consecutive steps; layers found
by which parameter group (``params[3]``) they read; inputs beside the layer that first reads
them and outputs beside the layer that makes them; runs of identical layers rolled into one
``× N`` group; long sequences cut into blocks. No JAX here: steps come as plain records.

>>> steps = [Step("n0", [], False), Step("n1", [], False)]
>>> h = organise(steps, inputs=[("in0", "x")], outputs=[("out0", "n1")], edges=[("in0", "n0"), ("n0", "n1"), ("n1", "out0")], labels={"n0": "sin", "n1": "cos"})
>>> h.top
['in0', 'n0', 'n1', 'out0']
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .hierarchy import Hierarchy
from .scopes import shortened

# Kinds of group an input may sit in, beside the operations that read it.
HOME_KINDS = ("layer", "function", "call", "scope", "module")
MIN_ITEMS_TO_SPLIT = 8
MAX_NAMES_IN_A_LABEL = 3    # a line named by more library calls keeps its source text
PHASE_LABELS = {"forward": "forward sweep", "backward": "backward sweep (transposed)",
                "after": "after the backward sweep"}


@dataclass
class Step:
    id: str
    scope: list            # scopes.Level, outermost first
    backward: bool
    attached: list = field(default_factory=list)   # atoms drawn with the step (its literals)
    loops: list = field(default_factory=list)      # (label, [(atom, its levels)]) of loop bodies, branches
    callee: str | None = None                      # the library function its source line called
    call_name: str | None = None                   # the folded library call (relu) that made it


def organise(steps: list[Step], inputs: list[tuple[str, str]], outputs: list[tuple[str, str | None]],
             edges: list[tuple[str, str]], labels: dict[str, str], consts: list[str] = (),
             output_names: dict[str, str] | None = None, types: dict[str, str] | None = None) -> Hierarchy:
    """The hierarchy of a graph; see the module docstring."""
    output_names = output_names or {}
    h = Hierarchy()
    two_phases = any(s.backward for s in steps) and not all(s.backward for s in steps)
    last_backward = max((i for i, s in enumerate(steps) if s.backward), default=-1)
    stack: list[tuple[tuple, str, int]] = []       # (level key, group id, last line)
    phases: dict[tuple, str] = {}
    # Levels every step shares (the whole step under one nnx.jit or jax.jit) say nothing: the
    # sweeps are drawn below them, not hidden inside them.
    shared = 0
    if steps:
        shortest = min(len(s.scope) for s in steps)
        while shared < shortest and all(s.scope[shared].key == steps[0].scope[shared].key for s in steps):
            shared += 1
    for index, step in enumerate(steps):
        path = list(step.scope[shared:])
        if two_phases:
            # what runs after the gradient (an optimiser's update) is not part of the forward sweep
            phase = "backward" if step.backward else ("after" if index > last_backward else "forward")
            path = [_phase_level(phase)] + path
        depth = 0
        while depth < len(stack) and depth < len(path) and stack[depth][0] == path[depth].key \
                and not _new_call(path[depth], stack[depth][2], step.backward):
            stack[depth] = (stack[depth][0], stack[depth][1], path[depth].line)
            depth += 1
        del stack[depth:]
        for level in path[depth:]:
            if level.kind == "phase":   # one group per sweep, however its equations interleave
                gid = phases.get(level.key) or phases.setdefault(level.key, h.add_group(level.label, "phase", None))
            else:
                gid = h.add_group(level.label, level.kind, stack[-1][1] if stack else None)
            stack.append((level.key, gid, level.line))
        home = stack[-1][1] if stack else None
        h.place(step.id, home)
        for atom in step.attached:
            h.place(atom, home)
        for label, placed in step.loops:
            _place_in_runs(h, h.add_group(label, "loop", home), placed)
    h.dissolve_trivial()

    layer_of_input = _layer_keys(inputs)
    readers: dict[str, set[str]] = {}
    for a, b in edges:
        if a in layer_of_input:
            readers.setdefault(b, set()).add(layer_of_input[a])
    if len(set(layer_of_input.values())) >= 2:   # only where the program has no structure of its own
        # ... or where one source line ran for every layer (a Python loop over a list of (W, b)):
        # its operations are cut by the parameters each iteration reads
        splittable = [g for g, group in h.groups.items() if group.kind in ("phase", "line")]
        for parent in [None] + splittable:
            if len(h.items(parent)) > MIN_ITEMS_TO_SPLIT:
                _split_by_layer(h, parent, readers)

    first_reader = {}
    for a, b in edges:
        first_reader.setdefault(a, b)
    for atom, _name in inputs:
        h.place(atom, _home(h, first_reader.get(atom)))
    for atom in consts:
        h.place(atom, _home(h, first_reader.get(atom)))
    for atom, producer in outputs:
        h.place(atom, _home(h, producer))
    _move_to_front(h, [a for a, _ in inputs] + list(consts))
    _group_by_pytree_parent(h, inputs + [(atom, name) for atom, name in output_names.items()])
    h.dissolve_trivial()
    _name_known_lines(h, labels)
    _name_lines_by_what_they_call(h, {s.id: s.callee for s in steps if s.callee},
                                  {s.id: s.call_name for s in steps if s.call_name})
    # repeats roll only when they compute the same thing on the same types (ResNet block groups of
    # different widths are not one repeat)
    h.roll_repeats({a: f"{label} {types.get(a, '')}" for a, label in labels.items()} if types else labels)
    h.split_long(labels, edges=edges)
    h.number_repeated_labels()
    return h


def _place_in_runs(h: Hierarchy, parent: str, placed: list[tuple[str, list]]) -> None:
    """Atoms under ``parent``, in groups of consecutive atoms sharing their levels (a loop body:
    the solver's step, the user's vector field inside it)."""
    stack: list[tuple[tuple, str]] = []
    for atom, levels in placed:
        depth = 0
        while depth < len(stack) and depth < len(levels) and stack[depth][0] == levels[depth].key:
            depth += 1
        del stack[depth:]
        for level in levels[depth:]:
            stack.append((level.key, h.add_group(level.label, level.kind, stack[-1][1] if stack else parent)))
        h.place(atom, stack[-1][1] if stack else parent)


def pytree_parent(name: str) -> str:
    """``params[3]`` for ``params[3][0]``, ``opt_state[0].mu`` for ``opt_state[0].mu['w']``."""
    return re.sub(r"(\[[^\[\]]*\]|\.\w+)$", "", name)


MIN_PYTREE_GROUP = 3   # leaves of one pytree node (an optimiser's mu) drawn as a group from this many
CROWDED = 12           # ... where a group holds at least this many inputs and outputs


def _group_by_pytree_parent(h: Hierarchy, named_atoms: list[tuple[str, str]]) -> None:
    """Where inputs and outputs crowd one group, those that are leaves of one pytree node
    (Adam's ``opt_state[0].mu``: one leaf per parameter) are drawn as one group named by that
    node: the deepest node holding at least MIN_PYTREE_GROUP of them."""
    def ancestors(name: str) -> list[str]:
        out = []
        while (up := pytree_parent(name)) not in (name, ""):
            out.append(up)
            name = up
        return out

    names = dict(named_atoms)
    for parent in [None, *list(h.groups)]:
        if parent is not None and parent not in h.groups:
            continue
        here = [i for i in h.items(parent) if i in names]
        if len(here) < CROWDED:
            continue   # a few inputs are read one by one (a textbook's w, b, x)
        counts: dict[str, int] = {}
        for item in here:
            for node in ancestors(names[item]):
                counts[node] = counts.get(node, 0) + 1
        runs: dict[str, list[str]] = {}
        for item in here:
            node = next((n for n in ancestors(names[item]) if MIN_PYTREE_GROUP <= counts[n] < len(h.items(parent))),
                        None)
            if node is not None:
                runs.setdefault(node, []).append(item)
        for node, members in runs.items():
            items = h.items(parent)
            chosen = set(members)
            at = sum(1 for i in items[:items.index(members[0])] if i not in chosen)
            rest = [i for i in items if i not in chosen]
            items[:] = rest[:at] + members + rest[at:]      # side by side, where the first one was
            h.wrap(parent, members, node, "pytree")


def _looks_like_layer_norm(ops: list[str]) -> bool:
    """(x - mean(x)) / sqrt(var(x) + eps), as people write it."""
    reductions = sum(op in ("reduce_sum", "mean") for op in ops) + 2 * sum(op == "var" for op in ops)
    return reductions >= 2 and any(op in ("sqrt", "rsqrt") for op in ops) and "sub" in ops


def _name_known_lines(h: Hierarchy, labels: dict[str, str]) -> None:
    """A source line that computes a layer norm is called one, in both sweeps."""
    norm_lines = set()
    for g in h.groups.values():
        if g.kind == "line" and _looks_like_layer_norm([labels.get(a, "") for a in h.atoms(g.id)]):
            norm_lines.add(g.label)
    for g in h.groups.values():
        if g.kind == "line" and g.label in norm_lines:
            g.label = f"layer norm: {g.label}"


def _name_lines_by_what_they_call(h: Hierarchy, callee_of: dict[str, str], call_of: dict[str, str]) -> None:
    """A source line whose operations all come from library functions is named after them, as
    the library names them: Optax's ``softmax_cross_entropy_with_integer_labels``, Flax's
    ``avg_pool``; else after the library calls they make or differentiate (``relu``: the
    custom_jvp, its mask and its transpose; ``relu, avg_pool`` for ``pool(relu(x))``), rather
    than the same truncated line twice.
    Inside a model's module, the module itself (Haiku's ``MLP`` in its scope ``mlp``) is no
    name for a part of it. A line that calls JAX directly (``jnp.tanh(x @ w)``) keeps its text."""
    for g in h.groups.values():
        if g.kind != "line":
            continue
        ops = [a for a in h.atoms(g.id) if re.fullmatch(r"n\d+", a)]   # steps, not literals or inputs
        modules = {part.strip().lower() for a in h.ancestors(g.id) if h.groups[a].kind in ("module", "scope")
                   for part in h.groups[a].label.split(":")}
        usable = lambda name: name is not None and name.lower() not in modules   # noqa: E731
        names = [callee_of.get(a) if usable(callee_of.get(a)) else call_of.get(a) for a in ops]
        if names and all(names):   # every operation named: "relu", or "relu, avg_pool" for pool(relu(x))
            distinct = list(dict.fromkeys(names))
            if len(distinct) <= MAX_NAMES_IN_A_LABEL:
                g.label = shortened(", ".join(distinct))


def _phase_level(phase: str):
    from .scopes import Level

    return Level(("phase", phase), PHASE_LABELS[phase], "phase")


def _new_call(level, last_line: int, backward: bool) -> bool:
    """A function called again from the same line (a loop): its lines start over."""
    if level.kind != "function":
        return False
    return level.line > last_line if backward else level.line < last_line


def _layer_keys(inputs: list[tuple[str, str]]) -> dict[str, str]:
    """Input atom -> its parameter group (``params[3]`` for ``params[3][0]``), for pytrees of
    parameters with at least two groups; plain array arguments get none."""
    prefix = {atom: pytree_parent(name) for atom, name in inputs}
    sizes: dict[str, int] = {}
    for p in prefix.values():
        sizes[p] = sizes.get(p, 0) + 1
    keys = {}
    for atom, name in inputs:
        p = prefix[atom]
        if p != name and ("[" in p or "." in p):
            keys[atom] = p                       # params[3][0] -> params[3]
        elif p != name and sizes[p] >= 2 and re.search(r"\[\d+\]$", name):
            keys[atom] = name                    # a list of arrays: each is its own group
    return keys


def _split_by_layer(h: Hierarchy, parent: str | None, readers: dict[str, set[str]]) -> None:
    items = list(h.items(parent))
    reads = [_reads(h, item, readers) for item in items]
    if not reads or len(set().union(*reads)) < 2:
        return
    segments: list[list] = []     # [parameter group, members]
    for item, keys in zip(items, reads):
        key = segments[-1][0] if segments else None
        if not segments:
            segments.append([min(keys) if keys else None, [item]])
        elif keys and key is None:
            segments[-1][0] = min(keys)
            segments[-1][1].append(item)
        elif keys and key not in keys:
            segments.append([min(keys), [item]])
        else:
            segments[-1][1].append(item)
    if len(segments) < 2:
        return
    for key, members in segments:
        if len(members) >= 2:
            h.wrap(parent, members, key or "layer", "layer")


def _reads(h: Hierarchy, item: str, readers: dict[str, set[str]]) -> set[str]:
    atoms = h.atoms(item) if item in h.groups else [item]
    out: set[str] = set()
    for atom in atoms:
        out |= readers.get(atom, set())
    return out


def _home(h: Hierarchy, atom: str | None) -> str | None:
    if atom is None or atom not in h.parent:
        return None
    return next((g for g in h.ancestors(atom) if h.groups[g].kind in HOME_KINDS), None)


def _move_to_front(h: Hierarchy, atoms: list[str]) -> None:
    """Inputs first within their group, so they are drawn where the layer starts."""
    for atom in reversed(atoms):
        items = h.items(h.parent[atom])
        items.remove(atom)
        items.insert(0, atom)
