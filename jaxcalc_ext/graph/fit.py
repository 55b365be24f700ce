"""The display's width decides the view: fewer open groups (then top to bottom, then no
residual arrows) until the drawing fits a notebook's width."""
from __future__ import annotations

import re

from .model import ComputationGraph
from .view import FullGraph, count_residuals

FIT_WIDTH_PT = 760       # about 1000 CSS pixels: a notebook's width


def fitted_to_width(full: FullGraph, graph: ComputationGraph, budget: int, depth, fold: bool, must_show: set,
                    width_pt: float = FIT_WIDTH_PT) -> ComputationGraph:
    """Fewer open groups until the drawing is at most ``width_pt`` wide (laid out once per try;
    the last layout is kept for display)."""

    def width(g) -> float:
        match = re.search(r'<svg width="([\d.]+)pt"', g.svg() or "")
        return float(match.group(1)) if match else 0.0

    for _ in range(4):
        if width(graph) <= width_pt or budget <= 6:
            break
        budget = int(budget * 0.6)
        smaller = full.default_view(budget, depth, fold, must_show)
        if len(smaller.nodes) >= len(graph.nodes):
            break
        graph = smaller
    if width(graph) > width_pt and full.rankdir == "auto" and graph.rankdir == "LR":
        full.rankdir = "TB"     # a short chain too wide left to right: stack it
        tall = full.view(set(graph.open_groups))
        if width(tall) < width(graph):
            graph = tall
        else:
            full.rankdir = "auto"
    residuals = count_residuals(graph.nodes, graph.edges)
    if width(graph) > width_pt and residuals and graph.draw_residuals is not False:
        before = width(graph)
        graph.draw_residuals = False   # the light arrows between the sweeps take room
        graph.forget_layout()
        if width(graph) < before:
            graph.notes.append(f"{residuals} arrows from forward values to the backward sweep are left out "
                               "to fit the notebook's width")
        else:
            graph.draw_residuals = None
            graph.forget_layout()
    return graph
