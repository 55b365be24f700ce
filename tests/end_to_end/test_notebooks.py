"""End to end: the example notebooks and an error notebook in a real Jupyter kernel (nbclient)."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jaxcalc_ext.tools.run_notebooks import execute_notebook

from repo_paths import EXAMPLES


def outputs(cell):
    """What a cell shows, without a progress line a slow machine showed and emptied."""
    return [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")
            and dict(o.get("data", {})) != {"text/plain": ""}]


def find_cell(nb, needle):
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


@pytest.fixture(scope="module")
def taylor_notebook():
    return execute_notebook(EXAMPLES / "taylor.ipynb")


def test_taylor_notebook_figures_and_formulas(taylor_notebook):
    nb = taylor_notebook
    mml = outputs(find_cell(nb, "--order 1,2,5,10"))
    assert len(mml) == 2  # the figure once, then the formulas once
    assert set(mml[0].data) == {"image/png", "text/plain"}
    assert set(mml[1].data) == {"text/latex", "text/plain"}
    assert "T_{10}" in mml[1].data["text/latex"] and "float64" in mml[1].data["text/latex"]
    g = outputs(find_cell(nb, "x**2 + 2*x*y + y**3"))[1].data
    assert "8 - 12 y + x^{2} + 2 x y + 6 y^{2}" in g["text/latex"]


def assert_lean_and_clean(nb):
    """Cheap checks that would have caught shipped bugs: terminal colour codes in outputs,
    LaTeX in plain text, graphs invisible when untrusted, heavy figures."""
    import json

    for cell in nb.cells:
        shown = outputs(cell) if cell.cell_type == "code" else []
        for out, after in zip(shown, shown[1:] + [None]):
            if "application/vnd.jupyter.widget-view+json" in out.data:   # a widget: its picture follows
                assert "image/png" not in out.data and after is not None and "image/png" in after.data, \
                    (cell.source, "a widget without the picture exports show")
        for out in getattr(cell, "outputs", []):
            text = json.dumps(out)
            assert "\\u001b" not in text, (cell.source, "an ANSI escape in an output")
            plain = out.get("data", {}).get("text/plain", "")
            assert "\\left" not in plain and "^{" not in plain, (cell.source, plain[:200])
            ended_progress_line = out.get("data", {}) == {"text/plain": ""}
            assert "IPython.core.display.HTML object" not in text, (cell.source, "an empty progress line")
            if "%graddag" in cell.source and out.output_type in ("execute_result", "display_data") \
                    and not ended_progress_line and "application/vnd.jupyter.widget-view+json" not in out.data:
                assert "image/png" in out.data, (cell.source, "a graph untrusted notebooks cannot show")
        if cell.cell_type == "code" and cell.source.startswith("%taylor") and "x, y" not in cell.source:
            size = len(json.dumps(cell.outputs))
            assert size < 150_000 or "--surface" in cell.source or "," in cell.source.split("--at")[1].split()[0], \
                (cell.source, size)


def test_taylor_notebook_outputs_are_lean_and_clean(taylor_notebook):
    assert_lean_and_clean(taylor_notebook)


def test_taylor_notebook_seed_numbers(taylor_notebook):
    nb = taylor_notebook
    text = "".join(o.get("text", "") for o in find_cell(nb, "closed_form =").outputs)
    for value in ["13.", "42.", "94.46", "17.66", "2934.44", "14.69", "104.06"]:
        assert text.count(value) >= 2, value  # ours and the closed form
    ackley = outputs(find_cell(nb, "convergence_order"))[0].data["text/plain"]
    assert "fitted order 2.99" in ackley or "fitted order 3.00" in ackley
    tanh = outputs(find_cell(nb, "six derivatives"))
    assert tanh and "image/png" in tanh[0].data
    assert outputs(find_cell(nb, "--surface"))[0].data["image/png"]
    assert "bump" in outputs(find_cell(nb, "%%taylor"))[1].data["text/plain"]


def test_errors_in_a_real_kernel_are_one_line_and_the_kernel_lives_on(tmp_path):
    cells = [
        "%load_ext jaxcalc_ext\nimport jax, numpy\nkeep = 41",
        "%taylor sinn(x) --at 0",
        "%taylor sin(x --at 0",
        "def bad(x):\n    return numpy.sin(x)",
        "%taylor bad --at 0.5",
        "%taylor abs(x) --at 0",
        "%taylor sin(x) --at 0 --order 99999",
        "print(keep + 1, jax.config.jax_enable_x64)",
    ]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "errors.ipynb"
    nbformat.write(nb, str(path))
    done = execute_notebook(path, allow_errors=True)
    # IPython shows a UsageError as one line on stderr: no traceback output at all.
    assert not [o for c in done.cells for o in c.outputs if o.output_type == "error"]
    # What a cell shows on stderr is all its stderr stream outputs together: under load the kernel
    # may send a message and its newline as two stream messages, which the front end joins.
    stderr = ["".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr")
              for c in done.cells]
    messages = [text for text in stderr if text.startswith("UsageError")]
    assert len(messages) == 5
    for text in messages:
        assert text.count("\n") == 1 and text.endswith("\n"), repr(text)
    assert "unknown name 'sinn'" in messages[0] and "NumPy" in messages[2]
    assert done.cells[-1].outputs[0].text == "42 False\n"


def test_graphs_notebook_draws_annotated_graphs():
    nb = execute_notebook(EXAMPLES / "graphs.ipynb")
    textbook = outputs(find_cell(nb, "textbook = %graddag"))
    # one output, a PNG (shown in untrusted notebooks too) with the node table as its text
    assert len(textbook) == 1 and set(textbook[0].data) == {"image/png", "text/plain"}
    table = textbook[0].data["text/plain"]
    for shown in ["0.9051", "0.07074", "0.4055", "0.06403", "0.4695", "adjoint"]:
        assert shown in table, shown
    printed = "".join(o.get("text", "") for o in find_cell(nb, "print({n.label").outputs)
    assert "'tanh': '0.905'" in printed and "'add': '0.469'" in printed
    compare = outputs(find_cell(nb, "--compare"))[0].data
    assert "text/html" in compare and "add_any" in compare["text/html"]
    mlp = outputs(find_cell(nb, "mlp_graph = %graddag"))[0].data
    assert "layer × 12" in mlp["text/plain"] and "image/png" in mlp   # the jitted layer, rolled
    opened = outputs(find_cell(nb, "mlp params[:3], x --values"))[0].data
    # what its words say: each layer call a cluster with its equations (tanh drawn), not one box
    assert "image/png" in opened and "tanh" in opened["text/plain"] and "layer × 3" not in opened["text/plain"]
    assert_lean_and_clean(nb)


def test_models_notebook_collapses_real_models_explores_and_finds_nans():
    nb = execute_notebook(EXAMPLES / "models.ipynb")
    for cell in nb.cells:
        for out in getattr(cell, "outputs", []):
            assert out.output_type != "error", (cell.source[:60], out)
    mlp = [o for o in outputs(find_cell(nb, "mlp_graph = %graddag")) if "image/png" in o.data][0]
    assert "params[0–10] × 11" in mlp.data["text/plain"] and "image/png" in mlp.data
    assert mlp.metadata["image/png"]["width"] <= 1300       # CSS pixels: a notebook's width
    opened = outputs(find_cell(nb, "mlp_graph.expand"))[0].data["text/plain"]
    assert opened.count("params[") > mlp.data["text/plain"].count("params[")
    transformer = [o for o in outputs(find_cell(nb, "jax.grad(transformer)")) if "image/png" in o.data][0]
    assert "block × 3" in transformer.data["text/plain"]
    assert transformer.metadata["image/png"]["width"] <= 1300
    shown = outputs(find_cell(nb, "--explore"))
    widget = [i for i, o in enumerate(shown) if "application/vnd.jupyter.widget-view+json" in o.data]
    assert len(widget) == 1 and "image/png" in shown[widget[0] + 1].data   # a picture for untrusted readers
    graph_text = lambda needle: next(o.data["text/plain"] for o in outputs(find_cell(nb, needle))
                                     if "image/png" in o.data)   # (a progress line may come first)
    assert "first non-finite value: log" in graph_text("cross_entropy W")
    assert "first non-finite adjoint: made by sqrt" in graph_text("norm_penalty jnp")
    assert_lean_and_clean(nb)


def test_operators_notebook_shows_matrices_tensors_and_the_seed_laplacian():
    nb = execute_notebook(EXAMPLES / "operators.ipynb")
    for cell in nb.cells:
        for out in getattr(cell, "outputs", []):
            assert out.output_type != "error", out
            assert "Warning" not in out.get("text", ""), out.get("text")
    ops = outputs(find_cell(nb, "--laplacian"))[0].data
    assert {"text/latex", "text/plain"} == set(ops)
    assert "\\begin{pmatrix}2 & 2\\\\ 2 & 12\\end{pmatrix}" in ops["text/latex"]
    assert "\\begin{pmatrix}6\\\\ 14\\end{pmatrix}" in ops["text/latex"] and "= 14" in ops["text/latex"]
    d3 = "".join(o.get("text", "") for o in find_cell(nb, "derivative_tensor(f, x0, 3)").outputs)
    assert "max |ours - nested jacfwd| = " in d3
    assert float(d3.rsplit("= ", 1)[1]) < 1e-12
    poly = "".join(o.get("text", "") for o in find_cell(nb, "T8 = ").outputs)
    assert poly.startswith("165 coefficients")
    lap = "".join(o.get("text", "") for o in find_cell(nb, "jnp.ones(5))\n").outputs)
    assert "collapsed Taylor mode: -3.1081334" in lap and "trace of the Hessian: -3.1081334" in lap
    bench = find_cell(nb, "trace(jax.hessian)")
    assert any("image/png" in o.get("data", {}) for o in bench.outputs)
    assert "D= 256: collapsed Taylor mode" in "".join(o.get("text", "") for o in bench.outputs)


def test_ecosystem_notebook_runs_models_from_every_library():
    pytest.importorskip("flax.nnx"), pytest.importorskip("equinox"), pytest.importorskip("diffrax")
    pytest.importorskip("haiku"), pytest.importorskip("optax")
    nb = execute_notebook(EXAMPLES / "ecosystem.ipynb")
    for cell in nb.cells:
        for out in getattr(cell, "outputs", []):
            assert out.output_type != "error", (cell.source[:60], out)
    assert_lean_and_clean(nb)
    cnn = [o for o in outputs(find_cell(nb, "cnn_graph = %graddag")) if "image/png" in o.data][0]
    assert "linear2: Linear" in cnn.data["text/plain"] and "Conv" in cnn.data["text/plain"], cnn.data["text/plain"]
    blocks = [o for o in outputs(find_cell(nb, "%graddag transformer tokens")) if "image/png" in o.data][0]
    assert "blocks[0–2]: Block × 3" in blocks.data["text/plain"]
    assert blocks.metadata["image/png"]["width"] <= 1000
    printed = "".join(o.text for o in find_cell(nb, "print('ours").outputs if o.output_type == "stream")
    ours, closed = (line.split("[", 1)[1] for line in printed.strip().splitlines())
    import ast
    import numpy as np
    np.testing.assert_allclose([float(v) for v in ast.literal_eval("[" + ours)],
                               [float(v) for v in ast.literal_eval("[" + closed)], atol=1e-9)


def test_beyond_taylor_notebook_proves_locates_and_expands_past_taylor():
    import math

    nb = execute_notebook(EXAMPLES / "beyond_taylor.ipynb")
    band = outputs(find_cell(nb, "--certify"))
    assert "image/png" in band[0].data and "guaranteed" in band[1].data["text/plain"]
    stops = "".join(o.get("text", "") for o in find_cell(nb, "jc.certified_remainder").outputs)
    assert "asked [-1, 1.8]" in stops and "division by a value that may be 0" in stops
    located = "".join(o.get("text", "") for o in find_cell(nb, "jc.singularities(f, x0)").outputs)
    for line, exact in [("tan ", math.pi / 2), ("tanh", math.pi / 2), ("atan", math.sqrt(1.25)), ("log ", 1.0)]:
        found = next(l for l in located.splitlines() if l.startswith(line))
        radius = float(found.split("R = ")[1].split()[0])
        assert abs(radius - exact) < 1e-3 * exact, (found, exact)
    assert "exp   at 0.0: no singularity within r =" in located
    pade = outputs(find_cell(nb, "--pade 10/10"))[1].data["text/plain"]
    assert "poles at 1.5708, -1.5708" in pade
    laurent = outputs(find_cell(nb, "1/sin(x) --at 0"))
    assert "\\frac{1}{x} + 0.166667 x + 0.0194444 x^{3}" in laurent[1].data["text/latex"]
    puiseux = outputs(find_cell(nb, "sqrt(x)*exp(x)"))[1].data["text/plain"]
    assert "x^(1/2) + x^(3/2) + 0.5 x^(5/2)" in puiseux and "not real" in puiseux
    refused = "".join(o.get("text", "") for o in find_cell(nb, "x**x").outputs)
    assert "log(x - x0) term" in refused
    assert_lean_and_clean(nb)


def test_live_views_keep_their_picture_in_exports(tmp_path):
    """Issue 28: each live view is two outputs, the widget's and its picture's (a PNG at its CSS
    size), so nbconvert's HTML shows every view as a picture."""
    import re
    import subprocess
    import sys

    nb = execute_notebook(EXAMPLES / "live.ipynb")
    cells = [c for c in nb.cells if c.cell_type == "code" and "--live" in c.source]
    assert len(cells) == 4
    for cell in cells:
        shown = outputs(cell)
        widget = next(i for i, o in enumerate(shown) if "application/vnd.jupyter.widget-view+json" in o.data)
        picture = shown[widget + 1]
        assert set(picture.data) == {"image/png", "text/plain"} and "live Taylor view" in picture.data["text/plain"]
        assert picture.metadata["image/png"]["width"] <= 1300          # CSS pixels: a notebook's width
    assert_lean_and_clean(nb)
    path = tmp_path / "live.ipynb"
    nbformat.write(nb, str(path))
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", str(path)], check=True, capture_output=True)
    html = (tmp_path / "live.html").read_text()
    images = re.findall(r'<img[^>]*src="data:image/png;base64,[^"]+"[^>]*>', html)
    assert len(images) >= 4, len(images)
