"""``%graddag ... --explore``: the computation graph as a widget you open, search and step through.

The kernel keeps the full graph (built once) and lays out only the current view with Graphviz;
the browser shows that SVG and does everything else itself: zoom and pan (never below 11 px
text: a large view is navigated, with a minimap, not shrunk), the side panel (shape, dtype, the
value of a small array or a histogram of a large one, the adjoint, the groups around the node),
highlighting a node's inputs and readers, colour overlays (value norm, adjoint magnitude, FLOPs,
NaN/Inf), a legend, and stepping through the forward sweep (values appear) and the reverse sweep
(adjoints appear, in the order JAX's transpose computes them). Opening a group, a search, going
to one of its matches, opening or closing everything and undo each send one message; the kernel
answers with the new view. The output also carries a PNG of the view,
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
from ..graph.dot import legend_entries
from ..graph.model import ComputationGraph, Node
from .graph_picture import graph_image_bundle
from .messages import BadMessage, ignored, text_field
from .javascript import widget_module
from .static_fallback import StaticFallback

HISTOGRAM_BINS = 16
FULL_VALUE_SIZE = 64     # arrays up to this size are shown in full in the side panel
MAX_MATCHES = 500        # a search lists at most this many matches
EXPAND_ALL_NODES = 400   # "open all" opens groups, outermost first, while the view has at most this many nodes
UNDO_DEPTH = 50


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


def node_card(node: Node, is_open: bool = False, path: list | None = None) -> dict:
    """Everything the browser needs to know about one visible node (JSON-able); ``path`` is the
    groups around it, outermost first, as ``[id, label]`` (the breadcrumbs)."""
    card = {"id": node.id, "label": node.label, "kind": node.kind, "detail": node.detail, "aval": node.aval,
            "phase": node.phase, "repeat": node.repeat, "ops": node.ops, "flops": node.flops,
            "flag": node.flag, "group_kind": node.group_kind, "open": is_open, "origin": node.origin,
            "path": path or []}
    value, adjoint = _array_card(node.value), _array_card(node.adjoint)
    if value:
        card["value"] = value
    if adjoint:
        card["adjoint"] = adjoint
    return card


class GraphExplorer(StaticFallback, anywidget.AnyWidget):
    """An interactive view of a :class:`ComputationGraph` (``explorer.graph`` is the current view).

    ``explorer.toggle(group_id)``, ``explorer.search(text)``, ``explorer.reveal(node_id)``,
    ``explorer.open_all()``, ``explorer.close_all()`` and ``explorer.undo()`` do from Python what
    the browser's controls do; ``explorer.kernel_ms`` lists how long each redraw took.
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
    matches = traitlets.List([]).tag(sync=True)         # the search's matches: {id, label, path}
    focus = traitlets.Unicode("").tag(sync=True)        # the node this answer is about: centred
    legend = traitlets.List([]).tag(sync=True)          # what the drawing's fills and borders mean
    can_undo = traitlets.Bool(False).tag(sync=True)

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
        self._history: list[frozenset] = []
        self._search_base: frozenset | None = None   # the open groups before a search
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
            elif kind == "reveal":
                self.reveal(text_field(content, "id"))
            elif kind == "open_all":
                self.open_all()
            elif kind == "close_all":
                self.close_all()
            elif kind == "undo":
                self.undo()
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

    def _change(self, opened: set[str], **shown) -> None:
        """Show the view with ``opened`` groups open, remembering the one before (undo)."""
        self._history = (self._history + [self.graph.open_groups])[-UNDO_DEPTH:]
        self._show(self.graph.full.view(opened), **shown)

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
        self._search_base = None
        self._change(opened, focus=group_id)

    def search(self, text: str) -> None:
        """List every node or group whose name contains ``text`` and go to the first; the groups
        a search opens are closed again when the search is cleared."""
        full = self.graph.full
        text = text.strip()
        if not text:
            base, self._search_base = self._search_base, None
            if base is not None and base != self.graph.open_groups:
                self._change(set(base), matches=[])
            else:
                with self.hold_sync():   # one message: the front end redraws once per answer
                    self.matches, self.highlight = [], []
            return
        hits = full.find(text)
        labels = self.graph.groups()
        matches = [{"id": h, "label": labels.get(h) or full.atoms[h].label, "path": self._path(h)}
                   for h in hits[:MAX_MATCHES]]
        if not hits:
            with self.hold_sync():
                self.matches, self.highlight, self.message = [], [], f"nothing named {text!r}"
            return
        more = f" (the first {MAX_MATCHES} listed)" if len(hits) > MAX_MATCHES else ""
        self.reveal(hits[0], message=f"{len(hits)} match{'es' * (len(hits) != 1)} for {text!r}{more}",
                    matches=matches)

    def reveal(self, node_id: str, message: str | None = None, matches: list | None = None) -> None:
        """Open just the groups around one node or group (on top of those open before the
        search) and mark it: the view the browser centres on."""
        full = self.graph.full
        if node_id not in full.atoms and node_id not in full.hierarchy.groups:
            return
        if self._search_base is None:
            self._search_base = self.graph.open_groups
        opened = set(self._search_base) | set(full.hierarchy.ancestors(node_id))
        view = full.view(opened)
        visible = {n.id for n in view.nodes} | set(view.clusters)
        target = node_id if node_id in visible else full.hierarchy.representative(node_id, opened)
        self._history = (self._history + [self.graph.open_groups])[-UNDO_DEPTH:]
        self._show(view, highlight=[target], focus=target, message=message, matches=matches)

    def open_all(self) -> None:
        """Open every group, outermost first, while the view stays within EXPAND_ALL_NODES nodes."""
        full = self.graph.full
        opened = full.hierarchy.opened_to_fit(EXPAND_ALL_NODES, fold=False) | set(self.graph.open_groups)
        closed = len(set(full.hierarchy.groups) - opened)
        self._search_base = None
        self._change(opened, message=(f"{closed} group{'s' * (closed != 1)} stay closed, to keep the drawing "
                                      "readable: open them one by one") if closed else "every group open")

    def close_all(self) -> None:
        self._search_base = None
        self._change(set())

    def undo(self) -> None:
        """Back to the view before the last change (open, close, search, open all)."""
        if not self._history:
            return
        opened = self._history.pop()
        self._search_base = None
        self._show(self.graph.full.view(set(opened)))

    def _path(self, item: str) -> list:
        """The groups around ``item``, outermost first, as ``[id, label]``."""
        groups = self.graph.full.hierarchy.groups
        return [[g, groups[g].label + (f" × {groups[g].repeat}" if groups[g].repeat > 1 else "")]
                for g in reversed(self.graph.full.hierarchy.ancestors(item))]

    def _show(self, view: ComputationGraph, highlight=(), message: str | None = None, focus: str = "",
              matches: list | None = None) -> None:
        start = time.perf_counter()
        self.graph = view
        svg = view.svg() or ""
        full = view.full
        rep = {a: full.hierarchy.representative(a, set(view.open_groups)) for a in full.atoms}
        in_order = lambda atoms: list(dict.fromkeys(rep[a] for a in atoms if a in rep))
        with self.hold_sync():
            self.svg = svg
            self.cards = {n.id: node_card(n, path=self._path(n.id)) for n in view.nodes}
            self.edges = [list(e) for e in view.edges]
            self.forward_order = in_order([a for a, n in full.atoms.items() if n.kind == "input"] + full.forward_order)
            self.reverse_order = in_order(full.reverse_order + [a for a, n in full.atoms.items() if n.kind == "input"])
            self.highlight = list(highlight)
            self.focus = focus
            if matches is not None:
                self.matches = matches
            self.legend = legend_entries(view)
            self.can_undo = bool(self._history)
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
