"""The display's width decides the view: top to bottom, then no residual arrows, then the
backward sweep closed (the forward one kept open), then fewer open groups, until the drawing
fits a notebook's width."""
from __future__ import annotations

import re

from .model import ComputationGraph
from .view import FullGraph, count_residuals

FIT_WIDTH_PT = 760       # about 1000 CSS pixels: a notebook's width
MAX_LAYOUTS = 4          # smaller views laid out before the width is left as it is
LOOP_WIDTH_SLACK = 1.5   # a view showing a loop's body may be this much wider (the notebook scrolls it)


def fitted_to_width(full: FullGraph, graph: ComputationGraph, budget: int, depth, fold: bool, must_show: set,
                    width_pt: float = FIT_WIDTH_PT) -> ComputationGraph:
    """The view stacked top to bottom, then without the arrows between the sweeps, then with
    fewer open groups, until the drawing is at most ``width_pt`` wide (each try laid out once;
    the last layout is kept for display)."""

    def width(g) -> float:
        match = re.search(r'<svg width="([\d.]+)pt"', g.svg() or "")
        return float(match.group(1)) if match else 0.0

    def stacked(g: ComputationGraph) -> ComputationGraph:
        """``g``, or the same view top to bottom when a short chain is too wide left to right
        (the full graph then stays top to bottom, for the smaller views and the explorer)."""
        if width(g) <= width_pt or full.rankdir != "auto" or g.rankdir != "LR":
            return g
        full.rankdir = "TB"
        tall = full.view(set(g.open_groups))
        if width(tall) < width(g):
            return tall
        full.rankdir = "auto"
        return g

    def without_residuals(g: ComputationGraph) -> ComputationGraph:
        """``g`` without the light arrows from the forward sweep to the backward one, when they
        are what makes it too wide (a note says so)."""
        residuals = count_residuals(g.nodes, g.edges)
        if width(g) <= width_pt or not residuals or g.draw_residuals is False:
            return g
        before = width(g)
        g.draw_residuals = False
        g.forget_layout()
        if width(g) < before:
            g.notes.append(f"{residuals} arrows from forward values to the backward sweep are left out "
                           "to fit the notebook's width")
        else:
            g.draw_residuals = None
            g.forget_layout()
        return g

    def forward_kept(g: ComputationGraph) -> ComputationGraph:
        """``g`` with the backward sweep closed (one node, its mirror image) and the forward
        sweep as open as it was: a scan model still shows its cell's parts."""
        h = full.hierarchy
        backward = [gid for gid, grp in h.groups.items() if grp.kind == "phase" and grp.label.startswith("backward")]
        if width(g) <= width_pt or not backward or not any(b in g.open_groups for b in backward):
            return g
        closed = {gid for gid in g.open_groups if any(b == gid or b in h.ancestors(gid) for b in backward)}
        narrower = fitted(full.view(set(g.open_groups) - closed))
        return narrower if width(narrower) < width(g) else g

    fitted = lambda g: without_residuals(stacked(g))   # noqa: E731  (each: one more layout at most)
    graph, layouts = forward_kept(fitted(graph)), 0
    shows_loop = any(g in full.hierarchy.groups and full.hierarchy.groups[g].kind == "loop" for g in graph.open_groups)
    if shows_loop and len(full.forward_order) <= 4 * budget and width(graph) <= LOOP_WIDTH_SLACK * width_pt:
        return graph   # a loop's cell is the model: a little wider (scrolled, never shrunk) beats closing it
    while width(graph) > width_pt and budget > 6 and layouts < MAX_LAYOUTS:
        budget = int(budget * 0.6)
        smaller = full.default_view(budget, depth, fold, must_show)
        if len(smaller.nodes) >= len(graph.nodes):
            continue   # the same view: a smaller budget may yet close a group (no layout spent)
        graph, layouts = fitted(smaller), layouts + 1
    return graph
