"""DOT text for a ComputationGraph: styles by node kind, escaping of every user string.

>>> quote('say "hi"\\\\')
'"say \\\\"hi\\\\"\\\\\\\\"'
"""
from __future__ import annotations

from ..core.jaxpr_text import short_value

STYLE = {
    "input": 'shape=box, style="rounded,filled", fillcolor="#d9d9d9"',
    "const": 'shape=box, style="rounded,filled,dashed", fillcolor="#eeeeee"',
    "literal": 'shape=plaintext, fontsize=10, fontcolor="#555555"',
    "op": 'shape=box, style="rounded,filled", fillcolor="#fff2b3"',
    "output": 'shape=box, style="rounded,filled", fillcolor="#b8e6b8"',
    "loop-input": 'shape=box, style="rounded,dashed"',
    "group": 'shape=box, style="rounded,filled,bold", fillcolor="#ffe0a3", peripheries=2',
}
FLAG_STYLE = {  # where a NaN was born (forward value, adjoint) and its way to the output
    "nan-forward": 'color="#d7191c", penwidth=4, fontcolor="#d7191c"',
    "nan-adjoint": 'color="#7b3294", penwidth=4, fontcolor="#7b3294"',
    "nan-path": 'color="#d7191c", penwidth=2',
}
BACKWARD_FILL = "#c6dbef"
# Above this many nodes, trade crossing minimisation and curved edges for a layout in seconds.
FAST_LAYOUT_NODES = 150
FAST_LAYOUT = "mclimit=0.1; nslimit=1; nslimit1=1; searchsize=5; splines=line;"
ADJOINT_COLOR = "#b2182b"
# A forward value read by the backward sweep (a residual): drawn light, and left out of the
# ranking, so the two sweeps stack instead of being pulled sideways by dozens of long edges.
RESIDUALS_DRAWN_MAX = 30   # larger views leave residual arrows out (the note says so)
RESIDUAL_EDGE = ' [style=dashed, color="#bbbbbb", constraint=false]'


def legend_entries(graph) -> list[dict]:
    """What this drawing's fills, borders and arrows mean, for the entries it uses: each
    ``{"label", "shape": "box" | "arrow", "fill", "stroke", "dashed", "double", "width"}``.

    >>> from jaxcalc_ext.graph.model import ComputationGraph, Node
    >>> g = ComputationGraph([Node("a", "input", "x"), Node("b", "op", "sin")], [("a", "b")], {})
    >>> [e["label"] for e in legend_entries(g)]
    ['input', 'operation']
    """
    kinds = {(n.kind, n.phase) for n in graph.nodes}
    flags = {n.flag for n in graph.nodes if n.flag}
    box = lambda label, fill, stroke="#000000", dashed=False, double=False, width=1: dict(
        label=label, shape="box", fill=fill, stroke=stroke, dashed=dashed, double=double, width=width)
    entries = []
    if any(k == "input" or (k == "group" and p == "input") for k, p in kinds):
        entries.append(box("input", "#d9d9d9"))
    if any(k == "const" for k, _ in kinds):
        entries.append(box("constant", "#eeeeee", dashed=True))
    if any(k == "op" and p != "backward" for k, p in kinds):
        entries.append(box("operation", "#fff2b3"))
    if any(k == "op" and p == "backward" for k, p in kinds):
        entries.append(box("backward-sweep operation", BACKWARD_FILL))
    if any(k == "group" and p not in ("input", "output", "backward") for k, p in kinds):
        entries.append(box("closed group (double border)", "#ffe0a3", double=True, width=2))
    if any(k == "group" and p == "backward" for k, p in kinds):
        entries.append(box("closed backward-sweep group", "#9ecae1", double=True, width=2))
    if graph.clusters:
        entries.append(box("open group (dashed frame)", "none", stroke="#888888", dashed=True))
    if any(k == "output" or (k == "group" and p == "output") for k, p in kinds):
        entries.append(box("output", "#b8e6b8"))
    if graph.adjoints and any(n.adjoint is not None for n in graph.nodes):
        entries.append(box("has an adjoint (red border)", "#ffffff", stroke=ADJOINT_COLOR))
    if "nan-forward" in flags:
        entries.append(box("NaN/Inf value born here", "#ffffff", stroke="#d7191c", width=4))
    if "nan-adjoint" in flags:
        entries.append(box("NaN/Inf adjoint born here", "#ffffff", stroke="#7b3294", width=4))
    phases = {n.id: n.phase for n in graph.nodes if n.kind in ("op", "group")}
    kind_of = {n.id: n.kind for n in graph.nodes}
    residuals = any(phases.get(a) == "forward" and phases.get(b) == "backward" and kind_of.get(a) != "input"
                    for a, b in graph.edges)
    drawn = getattr(graph, "draw_residuals", None)
    if residuals and not (drawn is False or (drawn is None and len(graph.nodes) > RESIDUALS_DRAWN_MAX)):
        entries.append(dict(label="forward value read by the backward sweep", shape="arrow", fill="none",
                            stroke="#bbbbbb", dashed=True, double=False, width=1))
    return entries


def quote(text: str) -> str:
    """A DOT double-quoted string; backslashes and quotes escaped, newlines as \\n."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


DETAIL_CHARS = 44   # a node's params and types line, cut: the full text is in the table and the explorer's card


def _cut(line: str) -> str:
    return line if len(line) <= DETAIL_CHARS else line[:DETAIL_CHARS - 1] + "…"


def node_label(node, values: bool, adjoints: bool) -> str:
    lines = [node.label + (f" × {node.repeat}" if node.repeat > 1 else "")]
    if node.flag == "nan-forward":
        lines[0] = "NaN/Inf born here: " + lines[0]
    elif node.flag == "nan-adjoint":
        lines[0] = "NaN/Inf adjoint born here: " + lines[0]
    if node.detail:
        lines.append(_cut(node.detail))
    if node.aval and node.kind != "literal":
        lines.append(_cut(node.aval))
    if values and node.value is not None:
        lines.append(f"= {_without_type(short_value(node.value), node.aval)}")
    if adjoints and node.kind not in ("literal", "loop-input") and node.adjoint is not None:
        lines.append(f"adjoint {_without_type(short_value(node.adjoint), node.aval)}")
    # No empty lines: an unnamed group's label starting with a newline, in a double-bordered
    # box, crashes the Graphviz bundled with pygraphviz.
    lines = [line.strip() for line in "\n".join(lines).split("\n") if line.strip()]
    return "\n".join(lines) or node.kind


PLAIN_STYLE = {"peripheries=2": "peripheries=1", ",bold": ""}


def plain_style(source: str) -> str:
    """The same DOT with the decorations some Graphviz builds crash on (double borders, bold)
    left out: the drawing a crashed engine is retried with once."""
    for fancy, plain in PLAIN_STYLE.items():
        source = source.replace(fancy, plain)
    return source


def _without_type(text: str, aval: str) -> str:
    """'f32[8,8] mean 0.06, |max| 0.5' -> 'mean 0.06, |max| 0.5' under a node that already says f32[8,8]."""
    head = text.split(" ", 1)
    return head[1] if len(head) == 2 and head[0] in aval.split(", ") else text


def _html(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


LEGEND_ROW_CHARS = 90   # a legend row holds entries whose labels add up to about this many characters


def legend_label(graph) -> str | None:
    """The drawing's title and, under it, its legend (:func:`legend_entries`), as one Graphviz
    HTML-like label: a picture that explains its own fills, borders and arrows."""
    entries = legend_entries(graph)
    if not entries and not graph.title:
        return None
    cells = []
    for e in entries:
        if e["shape"] == "arrow":
            swatch = f'<TD><FONT COLOR="{e["stroke"]}">- - -&gt;</FONT></TD>'
        else:
            style = ' STYLE="rounded,dashed"' if e["dashed"] else ' STYLE="rounded"'
            fill = "" if e["fill"] == "none" else f' BGCOLOR="{e["fill"]}"'
            swatch = (f'<TD BORDER="{min(3, 2 if e["double"] else e["width"])}" COLOR="{e["stroke"]}"{fill}{style} '
                      'WIDTH="24" HEIGHT="12" FIXEDSIZE="TRUE"> </TD>')
        cells.append(f'{swatch}<TD ALIGN="LEFT">{_html(e["label"])}</TD>')
    # each row its own table: entries sit side by side, not in columns as wide as the widest
    rows, width = [""], 0
    for cell, e in zip(cells, entries):
        if width and width + len(e["label"]) > LEGEND_ROW_CHARS:
            rows.append("")
            width = 0
        rows[-1] += cell
        width += len(e["label"]) + 4
    title = f'<TR><TD ALIGN="LEFT"><B>{_html(graph.title)}</B></TD></TR>' if graph.title else ""
    body = "".join(f'<TR><TD ALIGN="LEFT"><TABLE ALIGN="LEFT" BORDER="0" CELLSPACING="3" CELLPADDING="1"><TR>{row}</TR></TABLE></TD></TR>'
                   for row in rows)
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">{title}{body}</TABLE>>'


def graph_to_dot(graph, legend: bool = False) -> str:
    """The DOT text of the drawing; with ``legend``, its title carries a legend of what the
    fills, borders and arrows mean (the pictures a notebook shows)."""
    out = ["digraph computation {",
           f"  rankdir={graph.rankdir if graph.rankdir in ('LR', 'TB', 'RL', 'BT') else 'LR'};",
           '  node [fontname="Helvetica", fontsize=11];',
           '  edge [color="#555555", arrowsize=0.7];']
    if len(graph.nodes) > FAST_LAYOUT_NODES:
        out.append("  " + FAST_LAYOUT)
    out.append("  nodesep=0.25; ranksep=0.3;")
    label = legend_label(graph) if legend else (quote(graph.title) if graph.title else None)
    if label:
        out.append(f"  label={label}; labelloc=t; labeljust=l; fontname=\"Helvetica\"; fontsize=11;")
    children: dict = {}
    for n in graph.nodes:
        children.setdefault(n.cluster, []).append(n)
    sub: dict = {}
    for c in graph.clusters.values():
        sub.setdefault(c.parent, []).append(c)

    first_reader: dict[str, str] = {}
    for a, b in graph.edges:
        first_reader.setdefault(a, b)
    cluster_of = {n.id: n.cluster for n in graph.nodes}

    def emit(cluster_id, indent):
        pad = "  " * indent
        for n in children.get(cluster_id, []):
            style = STYLE.get(n.kind, STYLE["op"])
            if n.kind == "group" and n.phase in ("input", "output"):   # a pytree of inputs or outputs
                style = STYLE[n.phase].replace('style="rounded,filled"', 'style="rounded,filled,bold"') + \
                    ", peripheries=2"
            if n.kind == "op" and n.phase == "backward":
                style = style.replace("#fff2b3", BACKWARD_FILL)
            if n.kind == "group" and n.phase == "backward":
                style = style.replace("#ffe0a3", "#9ecae1")
            extra = ""
            if graph.adjoints and n.adjoint is not None and n.kind in ("op", "input", "output", "group"):
                extra = f", color={quote(ADJOINT_COLOR)}"
            if n.flag:
                extra = ", " + FLAG_STYLE[n.flag]
            out.append(f"{pad}{quote(n.id)} [label={quote(node_label(n, graph.values, graph.adjoints))}, {style}{extra}];")
        if graph.rankdir == "TB":
            # top to bottom, an input inside a cluster sits beside the operation that reads it
            # (a weight beside its matmul), not a rank above, where it would make this cluster
            # overlap the one before and push it sideways (a staircase of layers)
            beside: set[str] = set()     # one input beside each operation (two would wrap around it)
            for n in children.get(cluster_id, []):
                reader = first_reader.get(n.id) if n.kind in ("input", "const") else None
                if reader is not None and reader not in beside and cluster_of.get(reader) == cluster_id \
                        and cluster_id is not None:
                    beside.add(reader)
                    out.append(f"{pad}{{rank=same; {quote(n.id)}; {quote(reader)};}}")
        for c in sub.get(cluster_id, []):
            out.append(f"{pad}subgraph {quote('cluster_' + c.id)} {{")
            out.append(f"{pad}  label={quote(c.label)}; style=\"rounded,dashed\"; color=\"#888888\";")
            emit(c.id, indent + 1)
            out.append(f"{pad}}}")

    emit(None, 1)
    kinds = {n.id: n.kind for n in graph.nodes}
    flags = {n.id: n.flag for n in graph.nodes}
    phases = {n.id: n.phase for n in graph.nodes if n.kind in ("op", "group")}
    for a, b in graph.edges:
        style = ' [style=dashed, color="#999999"]' if kinds.get(b) == "loop-input" else ""
        if flags.get(a) and flags.get(b) and flags.get(b) != "nan-adjoint":
            style = ' [color="#d7191c", penwidth=2]'
        elif phases.get(a) == "forward" and phases.get(b) == "backward" and kinds.get(a) != "input":
            drawn = getattr(graph, "draw_residuals", None)
            if drawn is False or (drawn is None and len(graph.nodes) > RESIDUALS_DRAWN_MAX):
                continue
            style = RESIDUAL_EDGE
        out.append(f"  {quote(a)} -> {quote(b)}{style};")
    forward = [n.id for n in graph.nodes if n.phase == "forward" and n.kind in ("op", "group")]
    backward = [n.id for n in graph.nodes if n.phase == "backward" and n.kind in ("op", "group")]
    if forward and backward:   # the backward sweep below (after) the forward one
        out.append(f"  {quote(forward[-1])} -> {quote(backward[0])} [style=invis, weight=4];")
    out.append("}")
    return "\n".join(out)
