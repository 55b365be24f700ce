"""The hierarchy of a computation graph, and the views of it that fit a budget of nodes.

Every box that can be drawn (an input, an operation, a literal, an output) is an *atom* with a
stable id. Atoms sit in nested *groups*: the user's named scopes and functions, jit and
custom-derivative calls, library activations (folded), source lines, the forward and backward
sweeps of a gradient, layers found by which parameters they read, runs of identical layers
(``× 12``), and plain blocks when nothing else splits a long sequence. A *view* is the set of
open groups: a closed group is drawn as one node carrying its operation count. Views are cheap
(no tracing, no evaluation), so the static picture and the browser explorer share them.

>>> h = Hierarchy()
>>> g = h.add_group("layer", "layer", None)
>>> for atom in ("a", "b", "c"):
...     h.place(atom, g)
>>> h.place("d", None)
>>> sorted(h.visible(open_groups=set()))
['d', 'g0']
>>> sorted(h.visible(open_groups={"g0"}))
['a', 'b', 'c', 'd']
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# Groups of these kinds stay closed unless the user opens them (fold=False opens them too).
FOLDED_KINDS = ("activation",)
# A group is split into blocks when it holds more items than this.
MAX_FANOUT = 24
# A block of a long group is named by the groups of these kinds inside it, else by its operations.
NAMING_KINDS = ("module", "scope", "function", "library", "call", "activation")
# Runs of at least this many identical sibling groups are rolled into one "× N" group.
MIN_REPEAT = 3


def _names_better(outer: "Group", inner: "Group") -> bool:
    """Of a group and its only sub-group, whether the outer one names their contents better: a
    model's module (``layers[4]: Linear``) names whatever it holds, and a scope named like a
    module (Haiku's ``linear_0``) the one source line that calls it; otherwise the inner, more
    specific, name (a source line beats jnp.einsum's ``hqd,hkd->hqk`` scope)."""
    if outer.kind == "module":
        return True
    return outer.kind == "scope" and inner.kind == "line" and bool(re.fullmatch(r"[A-Za-z_]\w*", outer.label))


@dataclass
class Group:
    id: str
    label: str
    kind: str                 # call | scope | module | function | library | activation | line | phase | layer
                              # | repeat | block | loop | pytree
    parent: str | None
    items: list[str] = field(default_factory=list)
    repeat: int = 1


@dataclass
class Hierarchy:
    """Groups, and each atom's place in them (``None``: the top level)."""

    groups: dict[str, Group] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    parent: dict[str, str | None] = field(default_factory=dict)   # atom or group -> group

    def _new_id(self) -> str:
        gid = f"g{len(self.groups)}"
        while gid in self.groups:     # ids of dissolved groups are not reused
            gid += "_"
        return gid

    def add_group(self, label: str, kind: str, parent: str | None) -> str:
        gid = self._new_id()
        self.groups[gid] = Group(gid, label, kind, parent)
        self._append(gid, parent)
        return gid

    def place(self, item: str, group: str | None) -> None:
        self._append(item, group)

    def _append(self, item: str, group: str | None) -> None:
        self.parent[item] = group
        (self.top if group is None else self.groups[group].items).append(item)

    def items(self, group: str | None) -> list[str]:
        return self.top if group is None else self.groups[group].items

    def ancestors(self, item: str) -> list[str]:
        """Groups containing ``item``, innermost first."""
        out = []
        group = self.parent.get(item)
        while group is not None:
            out.append(group)
            group = self.groups[group].parent
        return out

    def level(self, group: str) -> int:
        return len(self.ancestors(group))

    def atoms(self, group: str | None) -> list[str]:
        """Every atom under ``group``, in order."""
        out = []
        for item in self.items(group):
            out.extend(self.atoms(item) if item in self.groups else [item])
        return out

    # -- views -----------------------------------------------------------------------------
    def representative(self, atom: str, open_groups: set[str]) -> str:
        """The visible node standing for ``atom``: itself, or its outermost closed group."""
        rep = atom
        for group in self.ancestors(atom):
            if group not in open_groups:
                rep = group
        return rep

    def visible(self, open_groups: set[str]) -> list[str]:
        """Visible items in drawing order: atoms under open groups and closed groups."""
        out: list[str] = []

        def walk(group):
            for item in self.items(group):
                if item in self.groups and item in open_groups:
                    walk(item)
                else:
                    out.append(item)
        walk(None)
        return out

    def count(self, open_groups: set[str]) -> int:
        return len(self.visible(open_groups))

    def opened_to_fit(self, budget: int, depth: int | None = None, fold: bool = True,
                      must_show: set[str] = frozenset()) -> set[str]:
        """Open groups, outermost first, while the view stays within ``budget`` nodes.

        Everything opens if it fits. Otherwise levels open whole, outermost first, while they
        fit; runs (``× N``) open only when all they hold fits.
        ``depth`` caps how many levels open; ``must_show`` atoms (a NaN's origin) are always
        made visible.
        """
        openable = lambda g: (not fold or self.groups[g].kind not in FOLDED_KINDS) and \
            (depth is None or self.level(g) < depth)
        everything = {g for g in self.groups if openable(g)}
        if self.count(everything) <= budget:
            return everything | self._forced(must_show)
        opened: set[str] = self._forced(must_show)
        count = self.count(opened)
        frontier = [g for g in self.visible(opened) if g in self.groups]
        while frontier:
            candidates = [g for g in frontier if openable(g)]
            plain = [g for g in candidates if self.groups[g].kind != "repeat"]
            if count + sum(self._open_cost(g, opened, everything) for g in plain) > budget:
                # A level opens whole, so a view is as deep everywhere; but a view using less
                # than a quarter of its budget opens what fits of the next level, cheapest first.
                if count < budget // 4:
                    for g in sorted(plain, key=lambda g: self._open_cost(g, opened, everything)):
                        cost = self._open_cost(g, opened, everything)
                        if count + cost <= budget:
                            opened.add(g)
                            count += cost
                break
            next_frontier: list[str] = []
            for g in candidates:
                cost = self._open_cost(g, opened, everything)
                if count + cost > budget:
                    continue
                if self.groups[g].kind == "repeat":   # a run opens whole, or stays rolled
                    opened |= self._subtree(g, everything)
                else:
                    opened.add(g)
                    next_frontier.extend(i for i in self.items(g) if i in self.groups and i not in opened)
                count += cost
            frontier = next_frontier
        return opened

    def _subtree(self, group: str, everything: set[str]) -> set[str]:
        """``group`` and the openable groups inside it."""
        return {s for s in everything if group in self.ancestors(s)} | {group}

    def _open_cost(self, group: str, opened: set[str], everything: set[str]) -> int:
        if self.groups[group].kind == "repeat":
            return self.count(opened | self._subtree(group, everything)) - self.count(opened)
        return len(self.items(group)) - 1

    def _forced(self, atoms: set[str]) -> set[str]:
        return {g for a in atoms if a in self.parent for g in self.ancestors(a)}

    # -- shaping ---------------------------------------------------------------------------
    def dissolve_trivial(self) -> None:
        """Drop groups holding fewer than two items, and a group that is its parent's only item.
        Of a group and its only sub-group, the one that names their contents better is kept
        (:func:`_names_better`)."""
        changed = True
        while changed:
            changed = False
            for gid in list(self.groups):
                group = self.groups.get(gid)
                if group is None:
                    continue
                siblings = self.items(group.parent)
                solid = [i for i in group.items if not _is_literal(i)]
                only_child = self.groups.get(solid[0]) if len(solid) == 1 else None
                if only_child is not None and _names_better(group, only_child):
                    self._dissolve(only_child.id)   # the outer name is the better one
                    changed = True
                elif group.kind in ("phase", "module") and solid:
                    continue   # a sweep stays a sweep, and a module keeps its name (query_proj: Linear),
                               # even holding one function or one operation
                elif len(solid) < 2 or (len(siblings) == 1 and group.kind not in ("phase",)):
                    self._dissolve(gid)
                    changed = True

    def _dissolve(self, gid: str) -> None:
        group = self.groups.pop(gid)
        siblings = self.items(group.parent)
        at = siblings.index(gid)
        siblings[at:at + 1] = group.items
        for item in group.items:
            self.parent[item] = group.parent
            if item in self.groups:
                self.groups[item].parent = group.parent
        self.parent.pop(gid, None)

    def wrap(self, parent: str | None, members: list[str], label: str, kind: str, repeat: int = 1) -> str:
        """Put consecutive ``members`` of ``parent`` into a new group in their place."""
        siblings = self.items(parent)
        at = siblings.index(members[0])
        gid = self._new_id()
        self.groups[gid] = Group(gid, label, kind, parent, list(members), repeat)
        self.parent[gid] = parent
        siblings[at:at + len(members)] = [gid]
        for item in members:
            self.parent[item] = gid
            if item in self.groups:
                self.groups[item].parent = gid
        return gid

    def signature(self, item: str, labels: dict[str, str]) -> tuple:
        """What a group computes, for telling identical layers apart: its operations in order,
        with the types they make when ``labels`` carries them (blocks of different widths are
        not the same computation)."""
        if item not in self.groups:
            return (labels.get(item, item),)
        return tuple(labels[a] for a in self.atoms(item) if a in labels)   # labels: operations only

    def roll_repeats(self, labels: dict[str, str]) -> None:
        """Runs of identical sibling groups (same kind, same operations on the same types) become
        one ``× N`` group."""
        for parent in [None] + list(self.groups):
            if parent is not None and parent not in self.groups:
                continue
            items = self.items(parent)
            i = 0
            while i < len(items):
                if items[i] not in self.groups or self.groups[items[i]].kind in ("repeat", "activation", "line"):
                    i += 1
                    continue
                sig = (self.groups[items[i]].kind, self.signature(items[i], labels))
                j = i + 1
                while j < len(items) and items[j] in self.groups and \
                        (self.groups[items[j]].kind, self.signature(items[j], labels)) == sig:
                    j += 1
                if j - i >= MIN_REPEAT:
                    run = items[i:j]
                    label = _run_label([self.groups[g].label for g in run])
                    self.wrap(parent, run, label, "repeat", repeat=len(run))
                    items = self.items(parent)
                i += 1

    def number_repeated_labels(self) -> None:
        """Sibling groups never share a label: the second ``relu`` beside another is ``relu (2)``
        (the first keeps its name, and ``g.expand('relu')`` still finds both)."""
        for parent in [None, *self.groups]:
            if parent is not None and self.groups[parent].kind == "repeat":
                continue   # the instances of a rolled repeat are one thing drawn once
            seen: dict[tuple, int] = {}
            for item in self.items(parent):
                group = self.groups.get(item)
                if group is None or group.kind == "phase":
                    continue
                drawn_as = (group.label, group.repeat)    # "block" and "block × 3" are told apart
                seen[drawn_as] = seen.get(drawn_as, 0) + 1
                if seen[drawn_as] > 1:
                    group.label = f"{group.label} ({seen[drawn_as]})"

    def split_long(self, labels: dict[str, str], fanout: int = MAX_FANOUT, only_top: bool = False,
                   edges: list[tuple[str, str]] = ()) -> None:
        """Groups (and the top level) with more than ``fanout`` items are cut into blocks of
        consecutive items; blocks an arrow would run back between are merged, so the blocks are
        in the order the data flows (a DAG drawn as a DAG)."""
        for parent in [None] + ([] if only_top else list(self.groups)):
            if parent is not None and parent not in self.groups:
                continue
            while len(self.items(parent)) > fanout:
                items = list(self.items(parent))
                # about sqrt(n) blocks of about sqrt(n) items: 40 items are 6 blocks of 7, not 20 of 2
                size = max(2, -(-len(items) // fanout), math.isqrt(len(items) - 1) + 1)
                chunks = self._forward_chunks(items, size, edges)
                if len(chunks) < 2:
                    break
                for chunk in chunks:
                    if len(chunk) > 1:
                        named = [self.groups[c].label for c in chunk
                                 if c in self.groups and self.groups[c].kind in NAMING_KINDS]
                        ops = [labels[a] for c in chunk for a in (self.atoms(c) if c in self.groups else [c])
                               if a in labels]
                        self.wrap(parent, chunk, _block_label(named) if named else _block_label(ops) or
                                  _atoms_label(chunk), "block")

    def _forward_chunks(self, items: list[str], size: int, edges) -> list[list[str]]:
        """``items`` cut every ``size``, with the chunks an edge runs back between merged."""
        chunk_of_item = {item: i // size for i, item in enumerate(items)}
        item_of_atom = {a: item for item in items for a in (self.atoms(item) if item in self.groups else [item])}
        bounds = list(range(-(-len(items) // size)))      # chunk index -> the chunk it was merged into
        find = lambda c: c if bounds[c] == c else find(bounds[c])   # noqa: E731
        changed = True
        while changed:
            changed = False
            for a, b in edges:
                if a in item_of_atom and b in item_of_atom:
                    ca, cb = find(chunk_of_item[item_of_atom[a]]), find(chunk_of_item[item_of_atom[b]])
                    if ca > cb:   # runs back: everything from cb to ca is one block
                        for c in range(cb, ca + 1):
                            bounds[find(c)] = cb
                        changed = True
        chunks: dict[int, list[str]] = {}
        for item in items:
            chunks.setdefault(find(chunk_of_item[item]), []).append(item)
        return list(chunks.values())

def _is_literal(item: str) -> bool:
    return bool(re.fullmatch(r"n\d+l\d+|out\d+l", item))


def _run_label(labels: list[str]) -> str:
    first, last = labels[0], labels[-1]
    if first == last:
        return first
    a, b = re.findall(r"\d+", first), re.findall(r"\d+", last)
    if a and b and re.sub(r"\d+", "#", first) == re.sub(r"\d+", "#", last):
        # params[0] ... params[11] -> params[0–11]
        for x, y in zip(a, b):
            if x != y:
                return first.replace(x, f"{x}–{y}", 1)
    return f"{first} … {last}"


def _atoms_label(items: list[str]) -> str:
    """A block with no operation in it: its inputs, outputs or constants."""
    kinds = {re.match(r"[a-z]+", i).group(0) for i in items}
    return {frozenset({"in"}): "inputs", frozenset({"out"}): "outputs"}.get(frozenset(kinds), "constants")


def _block_label(ops: list[str]) -> str:
    counts: dict[str, int] = {}
    for op in ops:
        counts[op] = counts.get(op, 0) + 1
    top = sorted(counts, key=lambda k: -counts[k])[:3]
    return ", ".join(top) + (" …" if len(counts) > 3 else "")
