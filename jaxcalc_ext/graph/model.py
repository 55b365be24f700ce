"""The graph model: nodes, edges and clusters, and its DOT text. No JAX, no IPython.

>>> g = ComputationGraph([Node("a", "input", "w"), Node("b", "op", "tanh")], [("a", "b")], {})
>>> print(g.to_dot().splitlines()[0])
digraph computation {
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Cluster:
    id: str
    label: str
    parent: str | None = None


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

    def node(self, label: str) -> Node:
        """The first node with this label (handy in tests and notebooks)."""
        for n in self.nodes:
            if n.label == label:
                return n
        raise KeyError(label)

    def to_dot(self) -> str:
        """The DOT source of the drawing."""
        return dot_text.graph_to_dot(self)

    def render(self, fmt: str = "svg", timeout: float = 20.0) -> bytes:
        """Lay out and render with Graphviz (dot on PATH, else the bundled engine)."""
        from .render import render_dot

        return render_dot(self.to_dot(), fmt, timeout)

    def save(self, path) -> str:
        """Write svg, png, pdf or dot according to the file's suffix; return the path."""
        import pathlib

        path = pathlib.Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if fmt in ("dot", "gv"):
            path.write_text(self.to_dot())
        elif fmt in ("svg", "png", "pdf"):
            path.write_bytes(self.render(fmt))
        else:
            from ..errors import JaxCalcError

            raise JaxCalcError(f"cannot save a graph as '.{fmt}': use .svg, .png, .pdf or .dot")
        return str(path)

    def svg(self) -> str | None:
        """The rendered SVG, or None when no Graphviz engine works (cached)."""
        if self._svg is None:
            from .render import RenderError

            try:
                self._svg = self.render("svg").decode("utf-8")
            except RenderError as err:
                self._render_error = str(err)
                return None
        return self._svg

    def _repr_svg_(self):
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None):
        svg = self.svg()
        if svg is None:
            return {"text/plain": f"{self.to_dot()}\n# {self._render_error}"}
        return {"image/svg+xml": svg, "text/plain": repr(self)}

    def __repr__(self) -> str:
        ops = sum(n.kind == "op" for n in self.nodes)
        what = " with values" * self.values + " and adjoints" * self.adjoints
        notes = "".join(f"\n# {note}" for note in self.notes)
        return f"ComputationGraph({self.title or 'f'}: {ops} operations, {len(self.nodes)} nodes{what}){notes}"
