"""A view of a full graph: which groups are open, and the drawable graph that results.

The full graph (every atom, every edge, the hierarchy, the forward and reverse sweep orders,
where a NaN was born) is built once; a view is computed from it in milliseconds, so the static
picture, ``g.expand('layer_norm')`` and the browser explorer all draw from the same data.

>>> from .hierarchy import Hierarchy
>>> h = Hierarchy(); gid = h.add_group("twice", "function", None)
>>> for a in ("a", "b"): h.place(a, gid)
>>> h.place("c", None)
>>> full = FullGraph({"a": Node("a", "op", "sin"), "b": Node("b", "op", "cos"), "c": Node("c", "output", "y")},
...                  [("a", "b"), ("b", "c")], h, "f")
>>> [n.label for n in full.view(set()).nodes]
['twice', 'y']
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .hierarchy import Hierarchy
from .dot import RESIDUALS_DRAWN_MAX
from .model import Cluster, ComputationGraph, Node

# Views whose longest chain has at most this many nodes are drawn left to right (the textbook's
# orientation); longer ones top to bottom, so that a long chain grows down the page, not across it.
LEFT_TO_RIGHT_RANKS = 7


@dataclass
class NanOrigin:
    """Where non-finite numbers were born: the first step whose value (forward) or whose
    inputs' adjoints (reverse) are NaN or Inf while what it read was finite."""

    forward: str | None = None       # atom id
    adjoint: str | None = None       # atom id
    path: list = field(default_factory=list)   # atom ids from the forward origin to the output
    message: str = ""


def count_residuals(nodes, edges) -> int:
    """Arrows from a forward value to the backward sweep (a gradient's residuals)."""
    phase = {n.id: n.phase for n in nodes if n.kind in ("op", "group")}
    return sum(1 for a, b in edges if phase.get(a) == "forward" and phase.get(b) == "backward")


@dataclass
class FullGraph:
    atoms: dict[str, Node]
    edges: list[tuple[str, str]]
    hierarchy: Hierarchy
    title: str = ""
    rankdir: str = "auto"
    values: bool = False
    adjoints: bool = False
    stats: dict = field(default_factory=dict)
    forward_order: list[str] = field(default_factory=list)
    reverse_order: list[str] = field(default_factory=list)
    nan: NanOrigin | None = None
    _reader_map: dict | None = field(default=None, init=False, repr=False, compare=False)

    def find(self, text: str) -> list[str]:
        """Atoms and groups whose label contains ``text`` (case-insensitive)."""
        text = text.lower()
        hits = [gid for gid, g in self.hierarchy.groups.items() if text in g.label.lower()]
        hits += [aid for aid, n in self.atoms.items() if text in n.label.lower()]
        return hits

    def view(self, open_groups: set[str]) -> ComputationGraph:
        """The drawable graph with ``open_groups`` open and every other group closed."""
        h = self.hierarchy
        open_groups = {g for g in open_groups if g in h.groups}
        visible = h.visible(open_groups)
        rep = {a: h.representative(a, open_groups) for a in self.atoms}
        flagged = self._flags()
        nodes: list[Node] = []
        for item in visible:
            cluster = h.parent.get(item)
            if item in h.groups:
                nodes.append(self._group_node(item, cluster, rep, flagged))
            else:
                node = replace(self.atoms[item], cluster=cluster)
                node.flag = flagged.get(item, "")
                nodes.append(node)
        edges = []
        seen = set()
        for a, b in self.edges:
            ra, rb = rep[a], rep[b]
            if ra != rb and (ra, rb) not in seen:
                seen.add((ra, rb))
                edges.append((ra, rb))
        clusters = {}
        for gid in open_groups:
            if any(h.parent.get(i) == gid for i in visible) or any(
                    h.groups[c].parent == gid for c in open_groups):
                g = h.groups[gid]
                clusters[gid] = Cluster(gid, g.label + (f" × {g.repeat}" if g.repeat > 1 else ""), g.parent,
                                        kind=g.kind)
        rankdir = self.rankdir
        if rankdir == "auto":
            rankdir = "LR" if _longest_path(nodes, edges) <= LEFT_TO_RIGHT_RANKS else "TB"
        graph = ComputationGraph(nodes, edges, clusters, self.title, rankdir, self.values, self.adjoints,
                                 dict(self.stats))
        graph.full, graph.open_groups = self, frozenset(open_groups)
        if self.nan is not None and self.nan.message:
            graph.notes.append(self.nan.message)
        graph.notes.extend(self.stats.get("not_reversed", ()))
        if self.stats.get("inside_rules"):
            rules = ", ".join(self.stats.get("rules", ())[:3])
            graph.notes.append(f"{self.stats['inside_rules']} steps inside {rules} have no adjoint: JAX "
                               "differentiates a custom_jvp/custom_vjp function by its rule, not its body")
        if self.stats.get("summed_outputs"):
            graph.notes.append("adjoints are those of the sum of every output (a cotangent of ones)")
        unused = self.stats.get("unused_inputs", 0)
        if unused:
            graph.notes.append(f"{unused} input{'s' * (unused != 1)} the function does not read "
                               f"{'are' if unused != 1 else 'is'} not drawn")
        residuals = count_residuals(nodes, edges)
        if residuals and len(nodes) > RESIDUALS_DRAWN_MAX:
            graph.notes.append(f"{residuals} arrows from forward values to the backward sweep are not drawn "
                               "(hover or click a node to see what it reads)")
        hidden = len(self.atoms) - sum(1 for n in nodes if n.kind != "group")
        if hidden:
            closed = len(h.groups) - len(open_groups)
            graph.notes.append(f"{closed} group{'s' * (closed != 1)} collapsed, {hidden} of "
                               f"{len(self.atoms)} nodes inside them: g.expand('name'), or draw all with "
                               "max_nodes=None")
        return graph

    def _flags(self) -> dict[str, str]:
        if self.nan is None:
            return {}
        flags = {a: "nan-path" for a in self.nan.path}
        if self.nan.adjoint:
            flags[self.nan.adjoint] = "nan-adjoint"
        if self.nan.forward:
            flags[self.nan.forward] = "nan-forward"
        return flags

    def _group_node(self, gid: str, cluster, rep, flagged) -> Node:
        h = self.hierarchy
        g = h.groups[gid]
        inside = h.atoms(gid)
        members = set(inside)
        ops = [a for a in inside if self.atoms[a].kind == "op"]
        readers = self.readers()
        leaving = {a for a in inside if any(b not in members for b in readers.get(a, ()))}
        # what the group hands on in its own sweep (a layer's activations), not a residual the
        # other sweep reads (a layer norm's scalar 1/sqrt(var)); else whatever leaves it last
        onward = {a for a in leaving if any(b not in members and b in self.atoms and self.atoms[b].kind != "output"
                                            and self.atoms[b].phase == self.atoms[a].phase for b in readers.get(a, ()))}
        result = next((a for a in reversed(inside) if a in onward and self.atoms[a].kind == "op"), None) or \
            next((a for a in reversed(inside) if a in leaving and self.atoms[a].kind == "op"), None)
        result_node = self.atoms[result] if result else None
        flag = ""
        for a in inside:
            f = flagged.get(a, "")
            if f and (not flag or f != "nan-path"):
                flag = f if flag in ("", "nan-path") else flag
        phase = "backward" if ops and all(self.atoms[a].phase == "backward" for a in ops) else "forward"
        detail = f"{len(ops)} ops" if len(ops) != 1 else "1 op"
        kinds = {self.atoms[a].kind for a in inside}
        if not ops and kinds in ({"input"}, {"output"}):   # a pytree of inputs or outputs (Adam's mu)
            phase = kinds.pop()
            detail = f"{len(inside)} {phase}s"
        node = Node(gid, "group", g.label, detail,
                    result_node.aval if result_node else "",
                    value=result_node.value if result_node else None,
                    adjoint=result_node.adjoint if result_node else None,
                    phase=phase, cluster=cluster, repeat=g.repeat)
        node.flag, node.ops, node.group_kind = flag, len(ops), g.kind
        node.flops = sum(self.atoms[a].flops for a in ops)
        return node

    def readers(self) -> dict[str, list[str]]:
        """atom -> the atoms that read it (built once: every collapsed group node asks)."""
        if self._reader_map is None:
            readers: dict[str, list[str]] = {}
            for a, b in self.edges:
                readers.setdefault(a, []).append(b)
            self._reader_map = readers
        return self._reader_map

    def default_view(self, max_nodes: int | None, depth: int | None = None, fold: bool = True,
                     must_show: set[str] = frozenset()) -> ComputationGraph:
        budget = 10 ** 9 if max_nodes is None else max_nodes
        if len(self.hierarchy.top) > budget:   # even fully collapsed it would not fit: blocks
            labels = {a: n.label for a, n in self.atoms.items() if n.kind == "op"}
            self.hierarchy.split_long(labels, fanout=budget, only_top=True, edges=self.edges)
        opened = self.hierarchy.opened_to_fit(budget, depth, fold, must_show)
        return self.view(opened)



def _longest_path(nodes: list[Node], edges: list[tuple[str, str]]) -> int:
    """Nodes on the longest chain of the view (the drawing's length along its direction)."""
    readers: dict[str, list[str]] = {}
    indegree = {n.id: 0 for n in nodes}
    for a, b in edges:
        if a in indegree and b in indegree:
            readers.setdefault(a, []).append(b)
            indegree[b] += 1
    length = {n: 1 for n in indegree}
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        a = ready.pop()
        for b in readers.get(a, []):
            length[b] = max(length[b], length[a] + 1)
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return max(length.values(), default=0)

