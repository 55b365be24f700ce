"""The graph model: nodes, edges and clusters, and its DOT text. No JAX, no IPython.

>>> g = ComputationGraph([Node("a", "input", "w"), Node("b", "op", "tanh")], [("a", "b")], {})
>>> print(g.to_dot().splitlines()[0])
digraph computation {
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from . import dot as dot_text




@dataclass
class Node:
    """One box in the drawing."""

    id: str
    kind: str                  # input | const | literal | op | output | loop-input
    label: str                 # primitive or function name, argument name, literal text
    detail: str = ""           # key params, e.g. "y=2"
    aval: str = ""             # dtype[shape], e.g. f32[3]
    value: Any = None          # forward value (when annotated)
    adjoint: Any = None        # d output / d this node (when annotated)
    phase: str = "forward"     # forward | backward (transposed equations of grad/vjp)
    cluster: str | None = None
    repeat: int = 1            # a rolled run of identical sub-graphs
    flag: str = ""             # nan-forward | nan-adjoint | nan-path: where a NaN was born, and its way out
    ops: int = 0               # operations inside a collapsed group
    group_kind: str = ""       # for a collapsed group: function, layer, activation, repeat, ...
    flops: int = 0             # floating-point operations, estimated from the shapes
    origin: int = 0            # the call in the user's code that made it (0: unknown); shared by a
                               # forward equation, its derivative's equations and their transposes


@dataclass
class Cluster:
    id: str
    label: str
    parent: str | None = None
    kind: str = ""


def save_target(path) -> tuple[pathlib.Path, str]:
    """The file a drawing is saved to and its format, read from the suffix; a one-line error for
    an empty path, a directory, no suffix or an unknown one.

    >>> save_target("out/graph.PNG")[1]
    'png'
    """
    from ..core.errors import JaxCalcError

    if not str(path).strip():
        raise JaxCalcError("the path to save to is empty: give a file name such as graph.png")
    path = pathlib.Path(path).expanduser()
    if path.is_dir():
        raise JaxCalcError(f"'{path}' is a directory: give a file name inside it, such as {path / 'graph.png'}")
    fmt = path.suffix.lstrip(".").lower()
    if not fmt:
        raise JaxCalcError(f"'{path}' has no extension: add .svg, .png, .pdf or .dot to say the format")
    if fmt not in ("dot", "gv", "svg", "png", "pdf"):
        raise JaxCalcError(f"cannot save a graph as '.{fmt}': use .svg, .png, .pdf or .dot")
    return path, fmt


@dataclass
class ComputationGraph:
    """A drawable computation graph; display it in Jupyter, or ``.save('g.svg')``."""

    nodes: list[Node]
    edges: list[tuple[str, str]]
    clusters: dict[str, Cluster]
    title: str = ""
    rankdir: str = "LR"
    values: bool = False
    adjoints: bool = False
    stats: dict = field(default_factory=dict)
    _svg: str | None = field(default=None, repr=False)
    notes: list = field(default_factory=list)   # one-line remarks shown with the graph
    draw_residuals: bool | None = None            # forward -> backward arrows (None: small views only)
    full: Any = field(default=None, repr=False)   # the FullGraph this is a view of (view.py)
    open_groups: frozenset = frozenset()
    render_error: str | None = field(default=None, repr=False)   # why no engine drew it, in one line

    def groups(self) -> dict[str, str]:
        """Every group of the full graph, id -> label ('layer_norm', 'params[0–11] × 12')."""
        if self.full is None:
            return {}
        return {gid: g.label + (f" × {g.repeat}" if g.repeat > 1 else "")
                for gid, g in self.full.hierarchy.groups.items()}

    def _group_ids(self, names, visible_first: bool = False) -> set[str]:
        """Groups whose label is ``name`` or starts with it (case-insensitive); with
        ``visible_first``, only those drawn as a node now, when there are any."""
        from ..core.errors import JaxCalcError

        if self.full is None:
            raise JaxCalcError("this graph has no hierarchy to open or close")
        labels = self.groups()
        shown = {n.id for n in self.nodes} | set(self.clusters)
        ids = set()
        for name in names:
            key = name.lower()
            found = {gid for gid, label in labels.items() if gid == name or label.lower().startswith(key)}
            if visible_first and found & shown:
                found &= shown
            if not found:
                close = sorted({lab for lab in labels.values() if key in lab.lower()})[:3]
                hint = f"; groups with that in their name: {', '.join(close)}" if close else ""
                raise JaxCalcError(f"no group named {name!r}{hint} (g.groups() lists them)")
            ids |= found
        return ids

    def expand(self, *names: str) -> "ComputationGraph":
        """The same graph with the named groups open (those drawn now, if any are; else every
        group of that name, and the groups around them). A name matches a label's start."""
        ids = self._group_ids(names, visible_first=True)
        around = {a for g in ids for a in self.full.hierarchy.ancestors(g)}
        return self.full.view(set(self.open_groups) | ids | around)

    def collapse(self, *names: str) -> "ComputationGraph":
        """The same graph with the named groups closed."""
        return self.full.view(set(self.open_groups) - self._group_ids(names))

    def node(self, label: str) -> Node:
        """The first node with this label (handy in tests and notebooks)."""
        for n in self.nodes:
            if n.label == label:
                return n
        from ..core.errors import NotFound

        labels = ", ".join(dict.fromkeys(n.label for n in self.nodes))
        raise NotFound(f"no node labelled {label!r} in this view (its labels: {labels[:200]})")

    def to_dot(self) -> str:
        """The DOT source of the drawing."""
        return dot_text.graph_to_dot(self)

    def render(self, fmt: str = "svg", timeout: float = 20.0) -> bytes:
        """Lay out and render with Graphviz (dot on PATH, else the bundled engine)."""
        from .backend import render_dot

        return render_dot(self.to_dot(), fmt, timeout)

    def save(self, path) -> str:
        """Write svg, png, pdf or dot according to the file's suffix, with the legend of what its
        fills and borders mean under the title (as a notebook shows it); return the path."""
        from .backend import render_dot

        path, fmt = save_target(path)
        dot = dot_text.graph_to_dot(self, legend=True)
        if fmt in ("dot", "gv"):
            path.write_text(dot)
        else:
            path.write_bytes(render_dot(dot, fmt, 20.0))
        return str(path)

    def forget_layout(self) -> None:
        """Drop the cached layout (after a change of how the graph is drawn)."""
        self._svg = None

    def svg(self) -> str | None:
        """The rendered SVG, or None when no Graphviz engine works (cached)."""
        if self._svg is None:
            self._svg = self.rendered("svg")
            if self._svg is not None:
                self._svg = self._svg.decode("utf-8")
        return self._svg

    def rendered(self, fmt: str, dot: str | None = None) -> bytes | None:
        """The drawing (or ``dot``, a variant of it) rendered as ``fmt``; None when no Graphviz
        engine works (the one-line reason is kept in ``render_error``)."""
        from .backend import RenderError, render_dot

        try:
            return render_dot(dot or self.to_dot(), fmt)
        except RenderError as err:
            self.render_error = str(err)
            return None

    # How a graph shows itself in a notebook, installed by the display layer
    # (jaxcalc_ext.display.graph_picture), so this layer never imports a front end.
    picture: ClassVar[Callable[["ComputationGraph"], Any] | None] = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        if ComputationGraph.picture is None:
            return {"text/plain": self.to_text()}
        return ComputationGraph.picture(self)

    def to_text(self, max_rows: int | None = None) -> str:
        """A table of the nodes (with values and adjoints when annotated), for a terminal and
        as the text beside the picture (searchable, and read by screen readers)."""
        from ..core.jaxpr_text import format_value

        columns = ["node", "operation", "type"] + ["value"] * self.values + ["adjoint"] * self.adjoints
        rows = []
        shown = self.nodes if max_rows is None else self.nodes[:max_rows]
        for n in shown:
            name = n.label + (f" × {n.repeat}" if n.repeat > 1 else "") + (f" {n.detail}" if n.detail else "")
            row = [n.id, name[:40], n.aval]
            if self.values:
                row.append("" if n.value is None else format_value(n.value))
            if self.adjoints:
                row.append("" if n.adjoint is None else format_value(n.adjoint))
            rows.append(row)
        widths = [max(len(str(r[i])) for r in rows + [columns]) for i in range(len(columns))]
        line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        table = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in rows]
        if len(shown) < len(self.nodes):
            table.append(f"... {len(self.nodes) - len(shown)} more nodes (g.to_text() lists them all)")
        return "\n".join([repr(self)] + table + ["# draw it: g.save('graph.svg') (or .png, .pdf, .dot)"])

    def __repr__(self) -> str:
        ops = sum(n.kind == "op" for n in self.nodes) + sum(n.ops for n in self.nodes if n.kind == "group")
        what = " with values" * self.values + " and adjoints" * self.adjoints
        notes = "".join(f"\n# {note}" for note in self.notes)
        return f"ComputationGraph({self.title or 'f'}: {ops} operations, {len(self.nodes)} nodes{what}){notes}"
