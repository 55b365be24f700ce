"""Computation graphs: node values and adjoints against jax.grad of the intermediate
computations, control flow, folding, transformed functions, escaping, and rendering."""
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxcalc_ext as jc
from jaxcalc_ext.graph import backend as render_module


def ops(graph):
    return [n for n in graph.nodes if n.kind == "op"]


def textbook(w):
    return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)


def test_textbook_values_match_the_closed_forms(x64):
    g = jc.computation_graph(textbook, 1.5, values=True, adjoints=True)
    w = 1.5
    assert [n.label for n in ops(g)] == ["tanh", "cos", "mul", "log", "add"]
    want = {"tanh": math.tanh(w), "cos": math.cos(w), "mul": math.tanh(w) * math.cos(w), "log": math.log(w),
            "add": math.tanh(w) * math.cos(w) + math.log(w)}
    for label, value in want.items():
        assert float(g.node(label).value) == pytest.approx(value, rel=1e-14)
    # the numbers the figure shows
    shown = {n.label: f"{float(n.value):.3g}" for n in ops(g)}
    assert shown == {"tanh": "0.905", "cos": "0.0707", "mul": "0.064", "log": "0.405", "add": "0.469"}


def test_textbook_adjoints_match_jax_grad_of_the_rest_of_the_computation(x64):
    g = jc.computation_graph(textbook, 1.5, values=True, adjoints=True)
    w = 1.5
    a, b, c = jnp.tanh(w), jnp.cos(w), jnp.log(w)
    # d out / d node: differentiate the remainder of the program with respect to that node
    assert float(g.node("tanh").adjoint) == pytest.approx(float(jax.grad(lambda a: a * b + c)(a)), rel=1e-14)
    assert float(g.node("cos").adjoint) == pytest.approx(float(jax.grad(lambda b: a * b + c)(b)), rel=1e-14)
    assert float(g.node("mul").adjoint) == pytest.approx(float(jax.grad(lambda d: d + c)(a * b)), rel=1e-14)
    assert float(g.node("log").adjoint) == pytest.approx(float(jax.grad(lambda c: a * b + c)(c)), rel=1e-14)
    assert float(g.node("w").adjoint) == pytest.approx(float(jax.grad(textbook)(w)), rel=1e-14)


def test_two_input_quadratic_forward_and_reverse(x64):
    g = jc.computation_graph(lambda w1, w2: w1 ** 2 + w2 ** 2, 1.0, 2.0, values=True, adjoints=True)
    assert float(g.node("w1").adjoint) == 2.0 and float(g.node("w2").adjoint) == 4.0
    squares = [n for n in ops(g) if n.label == "integer_pow"]
    assert sorted(float(n.value) for n in squares) == [1.0, 4.0]
    assert all(float(n.adjoint) == 1.0 for n in squares)


def test_array_values_are_summarised_and_pytree_inputs_named(x64):
    def loss(params, x):
        return jnp.sum(jnp.tanh(params["W"] @ x + params["b"]))

    params = {"W": jnp.eye(3), "b": jnp.zeros(3)}
    g = jc.computation_graph(loss, params, jnp.ones(3), values=True, adjoints=True)
    names = [n.label for n in g.nodes if n.kind == "input"]
    assert names == ["params['W']", "params['b']", "x"]
    grads = jax.grad(loss)(params, jnp.ones(3))
    np.testing.assert_allclose(np.asarray(g.node("params['W']").adjoint), np.asarray(grads["W"]), rtol=1e-14)
    assert "mean" in g.to_dot()


@pytest.mark.parametrize("name,f,x", [
    ("relu", lambda x: jax.nn.relu(x) * 3.0, 0.7),
    ("where", lambda x: jnp.where(x > 0, x, 0.1 * x) ** 2, -0.7),
    ("fori_loop", lambda x: jax.lax.fori_loop(0, 3, lambda i, c: c * x, x), 1.3),
    ("while_loop", lambda x: jax.lax.while_loop(lambda c: c < 10, lambda c: c * 2 + x, x), 1.3),
    ("cond", lambda x: jax.lax.cond(x > 0, jnp.sin, jnp.cos, x), 1.3),
    ("grad_of_grad", jax.grad(jax.grad(lambda x: jnp.sin(x) * x)), 1.3),
])
def test_control_flow_and_library_functions_render(x64, name, f, x):
    g = jc.computation_graph(f, x, values=True, adjoints=True)
    out = g.node("grads" if name == "grad_of_grad" else "output")   # a gradient of x is named as one
    assert float(out.value) == pytest.approx(float(f(x)), rel=1e-14)
    if name not in ("while_loop",):  # reverse mode through while_loop does not exist in JAX
        assert float(g.node("x").adjoint) == pytest.approx(float(jax.grad(f)(x)), rel=1e-12)
    svg = g.render("svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_semantic_folding_and_clusters(x64):
    f = lambda x: jax.nn.relu(x) + jnp.where(x > 0, x, 0.1 * x)
    folded = [n.label for n in ops(jc.computation_graph(f, 1.0))]
    assert "relu" in folded and "where" in folded and "select_n" not in folded
    expanded = [n.label for n in ops(jc.computation_graph(f, 1.0, fold=False))]
    assert "max" in expanded and "select_n" in expanded
    loop = jc.computation_graph(lambda x: jax.lax.fori_loop(0, 3, lambda i, c: c * x, x), 1.0)
    assert any("body" in c.label for c in loop.clusters.values())
    assert "subgraph \"cluster_" in loop.to_dot()


def test_custom_vjp_function_draws_and_differentiates(x64):
    @jax.custom_vjp
    def clipped_sin(x):
        return jnp.sin(x)

    clipped_sin.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (g * jnp.cos(x),))
    g = jc.computation_graph(lambda x: clipped_sin(x) * 2.0, 0.4, values=True, adjoints=True)
    assert float(g.node("x").adjoint) == pytest.approx(2 * math.cos(0.4), rel=1e-14)


def test_gradient_graph_colours_backward_equations(x64):
    f = lambda x: x ** 2 + jnp.exp(x)
    g = jc.computation_graph(jax.grad(f), 3.0, values=True)
    phases = {n.phase for n in ops(g)}
    assert phases == {"forward", "backward"}
    assert "#c6dbef" in g.to_dot()
    # dead forward output (the value of f itself) and mul-by-1 noise are dropped
    assert all(not (n.label == "mul" and "1.0" in [m.label for m in g.nodes if m.kind == "literal"]) for n in ops(g))
    assert float(g.node("grads").value) == pytest.approx(2 * 3.0 + math.exp(3.0), rel=1e-14)


def test_mlp_gradient_is_collapsed_by_layer_and_rolled_under_a_budget(x64):
    def layer(p, x):
        return jnp.tanh(p[0] @ x + p[1])

    layer = jax.jit(layer)

    def mlp(params, x):
        for p in params:
            x = layer(p, x)
        return jnp.sum(x)

    params = [(jnp.eye(4) * 0.5, jnp.zeros(4)) for _ in range(12)]
    full = jc.computation_graph(jax.grad(mlp), params, jnp.ones(4), max_nodes=None)
    small = jc.computation_graph(jax.grad(mlp), params, jnp.ones(4), max_nodes=60)
    assert len(small.nodes) <= 60 < len(full.nodes)
    assert any(n.repeat > 1 for n in small.nodes)   # the jitted layer, rolled: layer × 11
    assert {n.label for n in small.nodes if n.repeat > 1} <= {"layer"}


@pytest.mark.parametrize("budget", [2, 5, 20, 40])
def test_max_nodes_always_collapses_to_fit_instead_of_failing(budget):
    f = lambda x: sum(jnp.sin(x * i) for i in range(50))   # 150 operations, no structure at all
    g = jc.computation_graph(f, 1.0, max_nodes=budget)
    assert len(g.nodes) <= budget
    assert sum(n.ops for n in g.nodes if n.kind == "group") + sum(n.kind == "op" for n in g.nodes) == \
        len(jc.computation_graph(f, 1.0, max_nodes=None).full.forward_order)


def test_adjoints_need_a_scalar_output_or_a_cotangent(x64):
    f = lambda x: jnp.stack([jnp.sin(x), x * x])
    with pytest.raises(jc.JaxCalcError, match="scalar output"):
        jc.computation_graph(f, 1.0, adjoints=True)
    g = jc.computation_graph(f, 1.0, adjoints=True, cotangent=jnp.array([1.0, 0.0]))
    assert float(g.node("x").adjoint) == pytest.approx(math.cos(1.0), rel=1e-14)


def test_hostile_names_are_escaped_in_dot_and_svg():
    def f(x):
        return jnp.sin(x)

    f.__name__ = 'evil"name\\</text><script>alert(1)</script>'
    g = jc.computation_graph(jax.jit(f), 1.0, title=f.__name__)
    dot = g.to_dot()
    assert 'label="evil\\"name\\\\</text>' in dot
    svg = g.render("svg").decode()
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_without_any_graphviz_engine_the_display_is_dot_text_with_a_hint(monkeypatch):
    monkeypatch.setattr(render_module, "engines", lambda: [("missing", ["/nonexistent/dot-binary"])])
    monkeypatch.setattr("jaxcalc_ext.display.graph_picture.front_end_shows_images", lambda: True)
    g = jc.computation_graph(textbook, 1.5)
    bundle = g._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    text = bundle["text/plain"]
    assert text.startswith("digraph computation {")
    hint = text.strip().splitlines()[-1]
    assert hint.startswith("# could not render") and "pip install pygraphviz" in hint


def test_dot_on_path_is_preferred(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho '<svg>from fake dot</svg>'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert render_module.render_dot("digraph { a -> b }") == b"<svg>from fake dot</svg>\n"


def test_render_time_limit_falls_back(monkeypatch, tmp_path):
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    monkeypatch.setattr(render_module, "engines", lambda: [("dot", [str(slow)])])
    with pytest.raises(render_module.RenderError, match="more than 0.5 s"):
        render_module.render_dot("digraph { a -> b }", timeout=0.5)


def test_save_by_suffix(tmp_path):
    g = jc.computation_graph(textbook, 1.5, values=True)
    assert (tmp_path / "g.dot").name in g.save(tmp_path / "g.dot")
    g.save(tmp_path / "g.svg")
    g.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    with pytest.raises(jc.JaxCalcError):
        g.save(tmp_path / "g.txt")


def test_literals_print_as_numbers():
    g = jc.computation_graph(lambda x: 0.1 * x + 2, 1.0)
    labels = {n.label for n in g.nodes if n.kind == "literal"}
    assert labels == {"0.1", "2.0"} or labels == {"0.1", "2"}
    assert "TypedFloat" not in g.to_dot()


def test_the_long_lived_renderer_survives_errors_and_time_limits():
    import time

    render_module.render_dot("digraph { a -> b }")                 # started
    start = time.perf_counter()
    assert render_module.render_dot("digraph { a -> b }").lstrip().startswith(b"<?xml")
    warm = time.perf_counter() - start
    with pytest.raises(render_module.RenderError):
        render_module.render_dot("digraph { a -> \n")             # a syntax error: answered, not fatal
    chain = "digraph { " + " ".join(f"n{i} -> n{i + 1};" for i in range(3000)) + " }"
    with pytest.raises(render_module.RenderError, match="more than 0.01 s"):
        render_module.render_dot(chain, "png", timeout=0.01)     # stopped, and restarted next time
    assert render_module.render_dot("digraph { c -> d }", "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert warm < 1.0


def test_renderer_says_to_install_pygraphviz_when_the_child_cannot_import_it(monkeypatch, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexec %s -I -S \"$@\"\n" % sys.executable)   # -S: no site-packages
    fake.chmod(0o755)
    worker = render_module._Worker()
    monkeypatch.setattr(render_module, "_worker", worker)
    monkeypatch.setattr(render_module, "shutil", type("S", (), {"which": staticmethod(lambda name: None)}))
    monkeypatch.setattr(render_module, "sys", type("Y", (), {"executable": str(fake)}))
    with pytest.raises(render_module.RenderError, match="pip install pygraphviz"):
        render_module.render_dot("digraph { a -> b }")
    worker.close()


def test_a_crashing_engine_is_retried_in_plain_style_and_never_blamed_on_a_missing_install(monkeypatch):
    # A child that dies of SIGSEGV on double-bordered boxes, as the Graphviz bundled in the
    # pygraphviz wheel did on a group label starting with a newline.
    crashing = render_module._WORKER.replace(
        "    source = inp.read(int(head[1])).decode('utf-8')\n",
        "    source = inp.read(int(head[1])).decode('utf-8')\n"
        "    if 'peripheries=2' in source:\n"
        "        import os, signal; os.kill(os.getpid(), signal.SIGSEGV)\n")
    assert crashing != render_module._WORKER
    worker = render_module._Worker()
    monkeypatch.setattr(render_module, "_worker", worker)
    monkeypatch.setattr(render_module, "_WORKER", crashing)
    monkeypatch.setattr(render_module, "shutil", type("S", (), {"which": staticmethod(lambda name: None)}))
    fancy = 'digraph { a [label="sum\\n3 ops", shape=box, style="rounded,filled,bold", peripheries=2]; a -> b }'
    assert render_module.render_dot(fancy, "png")[:8] == b"\x89PNG\r\n\x1a\n"   # drawn, plainly
    always = crashing.replace("if 'peripheries=2' in source:", "if True:")
    monkeypatch.setattr(render_module, "_WORKER", always)
    worker.close()
    with pytest.raises(render_module.RenderError) as err:
        render_module.render_dot(fancy, "png")
    assert "crashed (signal 11)" in str(err.value) and "pip install" not in str(err.value)
    worker.close()


def test_labels_never_start_with_an_empty_line():
    from jaxcalc_ext.graph.dot import node_label
    from jaxcalc_ext.graph.model import Node

    node = Node("g1", "group", "", "0 ops")
    assert node_label(node, False, False) == "0 ops"
    assert node_label(Node("g2", "group", "", ""), False, False) == "group"


def test_an_interrupted_drawing_never_answers_the_next_one(monkeypatch):
    """The long-lived drawing child is ended when a drawing is interrupted: its late reply would
    otherwise be read as the next drawing's picture."""
    from jaxcalc_ext.graph.backend import _worker

    calls = {"n": 0}
    real_reply = render_module._Reply

    class InterruptedOnce(real_reply):
        def line(self):
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt
            return super().line()

    monkeypatch.setattr(render_module, "_Reply", InterruptedOnce)
    first = "digraph { a -> b }"
    second = 'digraph { "only_in_the_second" }'
    python = [sys.executable, "-I"]
    with pytest.raises(KeyboardInterrupt):
        _worker.render(python, first, "svg", 20.0)
    assert _worker.process is None                       # the child that held the first reply is gone
    svg = _worker.render(python, second, "svg", 20.0).decode()
    assert "only_in_the_second" in svg and ">a<" not in svg
