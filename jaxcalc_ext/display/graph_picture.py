"""A computation graph as a notebook shows it: one image in the format the notebook asked for
(``%config JaxCalc.figure_format``), the node table beside it as text, and DOT text with a
one-line hint when no Graphviz engine works. Importing this module installs it as every
:class:`~jaxcalc_ext.graph.model.ComputationGraph`'s rich display (the graph layer imports no
front end).

>>> import jaxcalc_ext as jc
>>> g = jc.computation_graph(lambda x: x * 2.0 + 1.0, 1.5)
>>> data, metadata = graph_image_bundle(g)
>>> sorted(data)
['image/png']
"""
from __future__ import annotations

from ..graph.model import ComputationGraph
from .figures import figure_format, front_end_shows_images, image_data

RETINA_MAX_NODES = 150  # larger drawings are rendered at 1x: a 2x PNG of them is megabytes
TEXT_MAX_ROWS = 60      # rows of the node table kept beside the picture
# A graph's picture is shown at its own size, its text at 13 px or more, and scrolled sideways
# when wider than the notebook: never shrunk to fit (JupyterLab's and Notebook's "unconfined").
NEVER_SHRUNK = lambda mime: {mime: {"unconfined": True}}


def graph_image_bundle(graph: ComputationGraph, retina: bool = True) -> tuple[dict, dict] | None:
    """(data, metadata) with the drawing in one image format: a PNG at twice the resolution by
    default, which every front end shows, trusted or not; None when no Graphviz engine works."""
    from ..graph.dot import graph_to_dot

    fmt = figure_format()
    dot = graph_to_dot(graph, legend=True)
    if fmt == "svg":
        svg = graph.rendered("svg", dot)
        return None if svg is None else ({"image/svg+xml": svg.decode("utf-8")}, NEVER_SHRUNK("image/svg+xml"))
    scale = 2 if retina and fmt == "retina" and len(graph.nodes) <= RETINA_MAX_NODES else 1
    raw = graph.rendered("jpg" if fmt == "jpeg" else "png", dot.replace("{", f"{{\n  dpi={96 * scale};", 1))
    if raw is None:
        return None
    data, metadata = image_data(raw, fmt, scale)
    for mime in data:
        metadata.setdefault(mime, {}).update(NEVER_SHRUNK(mime)[mime])
    return data, metadata


def graph_mimebundle(graph: ComputationGraph):
    """What ``display(graph)`` sends: the picture and the node table, or text in a terminal."""
    if not front_end_shows_images():
        return {"text/plain": graph.to_text()}
    bundle = graph_image_bundle(graph)
    if bundle is None:
        return {"text/plain": f"{graph.to_dot()}\n# {graph.render_error}"}
    data, metadata = bundle
    data["text/plain"] = graph.to_text(max_rows=TEXT_MAX_ROWS)
    return data, metadata


ComputationGraph.picture = graph_mimebundle
