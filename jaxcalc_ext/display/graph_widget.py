"""``%graddag ... --explore``: the computation graph as a widget you open, search and step through.

The kernel keeps the full graph (built once) and lays out only the current view with Graphviz;
the browser shows that SVG and does everything else itself: the hover card (shape, dtype, the
value of a small array or a histogram of a large one, the adjoint), highlighting a node's inputs
and readers, colour overlays (value norm, adjoint magnitude, FLOPs, NaN/Inf) and stepping
through the forward sweep (values appear) and the reverse sweep (adjoints appear, in the order
JAX's transpose computes them). Clicking a group, or typing a name in the search box, sends one
message; the kernel answers with the new view. The output also carries a PNG of the view,
refreshed when the view has rested for a moment (the front end says so), so a notebook opened
elsewhere (untrusted, GitHub, nbconvert) shows the last picture.
"""
from __future__ import annotations

import base64
import time

import anywidget
import numpy as np
import traitlets

from ..core.dtypes import is_extended

from ..core.jaxpr_text import format_value
from ..graph.model import ComputationGraph, Node
from .graph_picture import graph_image_bundle
from .messages import BadMessage, ignored, text_field
from .javascript import widget_module
from .static_fallback import StaticFallback

HISTOGRAM_BINS = 16
FULL_VALUE_SIZE = 64     # arrays up to this size are shown in full in the hover card


def _array_card(value) -> dict:
    """What the hover card shows of a value: text for small arrays, a histogram for large ones."""
    if value is None:
        return {}
    if is_extended(getattr(value, "dtype", None)):
        return {"text": format_value(value)}
    a = np.asarray(value)
    if a.dtype == object:
        return {"text": str(value)[:200]}
    card: dict = {}
    if a.size <= FULL_VALUE_SIZE or not np.issubdtype(a.dtype, np.number):
        with np.printoptions(precision=4, suppress=False, threshold=FULL_VALUE_SIZE, linewidth=60):
            card["text"] = np.array2string(a) if a.size <= FULL_VALUE_SIZE else format_value(a)
    else:
        card["text"] = format_value(a)
    if np.issubdtype(a.dtype, np.number) and not np.issubdtype(a.dtype, np.complexfloating):
        finite = a[np.isfinite(a)] if np.issubdtype(a.dtype, np.inexact) else a
        card["nonfinite"] = int(a.size - finite.size)
        card["norm"] = float(np.linalg.norm(finite.astype(np.float64).ravel())) if finite.size else 0.0
        if a.size > FULL_VALUE_SIZE and finite.size:
            counts, edges = np.histogram(finite.astype(np.float64), bins=HISTOGRAM_BINS)
            card["histogram"] = {"counts": counts.tolist(), "lo": float(edges[0]), "hi": float(edges[-1])}
    return card


def node_card(node: Node, is_open: bool = False) -> dict:
    """Everything the browser needs to know about one visible node (JSON-able)."""
    card = {"id": node.id, "label": node.label, "kind": node.kind, "detail": node.detail, "aval": node.aval,
            "phase": node.phase, "repeat": node.repeat, "ops": node.ops, "flops": node.flops,
            "flag": node.flag, "group_kind": node.group_kind, "open": is_open, "origin": node.origin}
    value, adjoint = _array_card(node.value), _array_card(node.adjoint)
    if value:
        card["value"] = value
    if adjoint:
        card["adjoint"] = adjoint
    return card


class GraphExplorer(StaticFallback, anywidget.AnyWidget):
    """An interactive view of a :class:`ComputationGraph` (``explorer.graph`` is the current view).

    ``explorer.toggle(group_id)`` and ``explorer.search(text)`` do from Python what a click and the
    search box do in the browser; ``explorer.kernel_ms`` lists how long each redraw took.
    """

    _esm = widget_module("graph_widget.js")
    svg = traitlets.Unicode("").tag(sync=True)
    cards = traitlets.Dict({}).tag(sync=True)
    edges = traitlets.List([]).tag(sync=True)
    forward_order = traitlets.List([]).tag(sync=True)
    reverse_order = traitlets.List([]).tag(sync=True)
    highlight = traitlets.List([]).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    open_clusters = traitlets.Dict({}).tag(sync=True)   # svg cluster id -> group id

    def __init__(self, graph: ComputationGraph) -> None:
        super().__init__()
        if graph.full is None:
            from ..core.errors import JaxCalcError

            raise JaxCalcError("this graph has no hierarchy to explore")
        self.graph = graph
        self.kernel_ms: list[float] = []
        self._display_id: str | None = None
        self._png: bytes | None = None
        self._version = self._shown_version = 0
        self.on_msg(self._on_message)
        self._show(graph)

    # -- kernel side ------------------------------------------------------------------------
    def _on_message(self, _widget, content: dict, buffers) -> None:
        """Every message is checked (:mod:`.messages`): a bad one is logged in one line and
        changes nothing."""
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "toggle":
                self.toggle(text_field(content, "id"))
            elif kind == "search":
                self.search(text_field(content, "text"))
            elif kind == "settled":
                if self._display_id is not None and self._shown_version != self._version:
                    self._refresh_static()   # the view rests: the saved notebook's picture follows it
            else:
                raise BadMessage("unknown message type")
        except BadMessage as err:
            ignored(str(kind)[:40], err)
        except Exception as err:   # always answer in one line: a silent failure would look like a hang
            self.message = (f"could not redraw (internal error, please report): {type(err).__name__}: "
                            f"{str(err).splitlines()[0][:200] if str(err) else ''}")

    def toggle(self, group_id: str) -> None:
        """Open a closed group, or close an open one, and redraw."""
        full = self.graph.full
        if group_id not in full.hierarchy.groups:
            return
        opened = set(self.graph.open_groups)
        if group_id in opened:
            opened -= {group_id} | {g for g in opened if group_id in full.hierarchy.ancestors(g)}
        else:
            opened |= {group_id} | set(full.hierarchy.ancestors(group_id))
        self._show(full.view(opened))

    def search(self, text: str) -> None:
        """Open the groups around every node or group whose name contains ``text``; mark them."""
        full = self.graph.full
        text = text.strip()
        if not text:
            self.highlight = []
            return
        hits = full.find(text)[:40]
        opened = set(self.graph.open_groups)
        for hit in hits:
            opened |= set(full.hierarchy.ancestors(hit))
        view = full.view(opened)
        visible = {n.id for n in view.nodes} | set(view.clusters)
        self._show(view, highlight=[h for h in hits if h in visible],
                   message=f"{len(hits)} match{'es' * (len(hits) != 1)} for {text!r}" if hits else
                   f"nothing named {text!r}")

    def _show(self, view: ComputationGraph, highlight=(), message: str | None = None) -> None:
        start = time.perf_counter()
        self.graph = view
        svg = view.svg() or ""
        full = view.full
        rep = {a: full.hierarchy.representative(a, set(view.open_groups)) for a in full.atoms}
        in_order = lambda atoms: list(dict.fromkeys(rep[a] for a in atoms if a in rep))
        with self.hold_sync():
            self.svg = svg
            self.cards = {n.id: node_card(n) for n in view.nodes}
            self.edges = [list(e) for e in view.edges]
            self.forward_order = in_order([a for a, n in full.atoms.items() if n.kind == "input"] + full.forward_order)
            self.reverse_order = in_order(full.reverse_order + [a for a, n in full.atoms.items() if n.kind == "input"])
            self.highlight = list(highlight)
            self.title = view.title
            self.open_clusters = {f"cluster_{c}": c for c in view.clusters}
            notes = [n for n in view.notes if not n.startswith(tuple("0123456789"))]
            if not svg:   # no Graphviz engine: say why, in one line
                notes.insert(0, view.render_error or "the graph could not be drawn")
            self.message = message if message is not None else "; ".join(notes)
        self.kernel_ms.append((time.perf_counter() - start) * 1e3)
        self._png = None
        self._version += 1

    # -- display ----------------------------------------------------------------------------
    def _fallback_png(self) -> bytes | None:
        if self._png is None:
            bundle = graph_image_bundle(self.graph, retina=False)   # a fallback: 1x keeps it quick and small
            if bundle is not None and "image/png" in bundle[0]:
                self._png = base64.b64decode(bundle[0]["image/png"])
        return self._png

    def _fallback_text(self) -> str:
        return self.graph.to_text(max_rows=60)

    def _refresh_static(self) -> None:
        self._shown_version = self._version
        super()._refresh_static()

    def _ipython_display_(self) -> None:
        self._shown_version = self._version
        super()._ipython_display_()
