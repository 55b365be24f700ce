"""%graddag on real models: readable pictures at any size, the user's structure, NaN origins.

Models (an MLP, a scan RNN, a transformer block) are built here. Oracles: the program's own
size (every operation is drawn or counted inside a collapsed group), jax.grad for adjoints, the
known place where a NaN is made (log of an underflowed softmax, sqrt at 0), and the rendered
SVG's width.
"""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxcalc_ext as jc
from ipython_shell import make_shell, run_cell_ok

import graph_models as models   # benchmarks/ is on the tests' path (pyproject.toml)

NOTEBOOK_WIDTH_PX = 1000


def svg_width_px(graph) -> float:
    svg = graph.svg()
    assert svg is not None, "no Graphviz engine"
    return float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)) * 4 / 3


def operations_drawn(graph) -> int:
    return sum(n.kind == "op" for n in graph.nodes) + sum(n.ops for n in graph.nodes if n.kind == "group")


@pytest.fixture(scope="module")
def shell():
    return make_shell()


@pytest.fixture(scope="module")
def mlp_graph():
    params = models.mlp_params(jax.random.key(0))
    return jc.computation_graph(jax.grad(models.mlp), params, jnp.ones(32))


@pytest.fixture(scope="module")
def transformer_graph():
    params = models.transformer_params(jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (16, 64))
    return jc.computation_graph(jax.grad(models.transformer), params, x)


def test_mlp_gradient_default_view_fits_the_notebook_and_keeps_every_operation(mlp_graph):
    full = mlp_graph.full
    assert len(full.atoms) > 700                       # the flat picture: 797 boxes
    assert len(mlp_graph.nodes) <= 60
    assert svg_width_px(mlp_graph) <= NOTEBOOK_WIDTH_PX * 1.5
    # nothing is lost: operations drawn plus those inside collapsed groups = the program's
    assert operations_drawn(mlp_graph) == len(full.forward_order)
    labels = {n.label + (f" × {n.repeat}" if n.repeat > 1 else "") for n in mlp_graph.nodes}
    assert "params[0–10] × 11" in labels              # 11 identical layers rolled
    assert any(lab.startswith("layer norm:") for lab in mlp_graph.groups().values())
    gelus = [g for g in full.hierarchy.groups.values() if g.label == "gelu"]
    assert len(gelus) == 24 and all(g.kind == "activation" for g in gelus)   # 12 forward, 12 backward
    outputs = [n.label for n in mlp_graph.full.atoms.values() if n.kind == "output"]
    assert outputs[:4] == ["grads[0][0]", "grads[0][1]", "grads[1][0]", "grads[1][1]"]   # the gradient of params


def test_parameters_sit_beside_their_layer_and_outputs_beside_theirs(mlp_graph):
    h = mlp_graph.full.hierarchy
    atoms = mlp_graph.full.atoms
    weight = next(a for a, n in atoms.items() if n.label == "params[11][0]")
    grad = next(a for a, n in atoms.items() if n.label == "grads[11][0]")
    assert h.groups[h.parent[weight]].label == "params[11]"
    assert h.groups[h.parent[grad]].label == "params[11]"
    assert h.groups[h.ancestors(grad)[-1]].label.startswith("backward")


def test_transformer_is_drawn_by_its_functions_and_named_scopes(transformer_graph):
    g = transformer_graph
    h = g.full.hierarchy
    assert len(g.nodes) <= 60 and svg_width_px(g) <= NOTEBOOK_WIDTH_PX * 1.5
    assert operations_drawn(g) == len(g.full.forward_order)
    scopes = [grp for grp in h.groups.values() if grp.kind == "scope"]
    assert {s.label for s in scopes} == {"attention", "mlp"}
    # a named scope written inside block() sits inside block, not around it
    assert all(h.groups[s.parent].label in ("block",) for s in scopes if s.parent in h.groups
               and h.groups[s.parent].kind != "repeat")
    assert any(grp.label == "block" and grp.repeat == 3 for grp in h.groups.values())
    assert any(grp.label == "softmax" and grp.kind == "activation" for grp in h.groups.values())
    wide = [n for n in g.nodes if n.kind == "op" and "dimension_numbers" in n.detail]
    assert not wide


def test_expanding_and_collapsing_by_name(mlp_graph):
    opened = mlp_graph.expand("params[0")
    assert len(opened.nodes) > len(mlp_graph.nodes)
    assert sum(1 for n in opened.nodes if n.kind == "group" and n.label.startswith("params[")) >= 11
    assert operations_drawn(opened) == operations_drawn(mlp_graph)
    back = opened.collapse("params[0–10]")
    assert len(back.nodes) == len(mlp_graph.nodes)
    with pytest.raises(jc.JaxCalcError, match="no group named 'nope'"):
        mlp_graph.expand("nope")


@pytest.mark.parametrize("budget", [6, 20, 40, 100])
def test_max_nodes_collapses_plain_and_jitted_networks(budget):
    def layer(p, x):
        return jnp.tanh(p[0] @ x + p[1])

    def plain(params, x):
        for p in params:
            x = layer(p, x)
        return jnp.sum(x)

    def jitted(params, x):
        for p in params:
            x = jax.jit(layer)(p, x)
        return jnp.sum(x)

    params = [(jnp.eye(4) * 0.5, jnp.zeros(4)) for _ in range(12)]
    for f in (plain, jitted):
        g = jc.computation_graph(jax.grad(f), params, jnp.ones(4), max_nodes=budget)
        assert len(g.nodes) <= budget, (f.__name__, len(g.nodes))
        assert operations_drawn(g) == len(g.full.forward_order)


def test_scan_rnn_values_and_adjoints_match_jax():
    params = models.rnn_params(jax.random.key(0))
    xs = jnp.linspace(-1, 1, 20).reshape(5, 4)
    g = jc.computation_graph(models.rnn, params, xs, values=True, adjoints=True)
    truth = jax.grad(models.rnn)(params, xs)
    for name in ("wh", "wx", "b"):
        node = g.node(f"params['{name}']")
        np.testing.assert_allclose(np.asarray(node.adjoint), np.asarray(truth[name]), rtol=1e-5, atol=1e-7)
    # the default view fits a notebook's width; the loop body opens on request
    assert svg_width_px(g) <= NOTEBOOK_WIDTH_PX * 1.05
    assert any("scan body" in c.label for c in g.expand("scan body").clusters.values())
    assert float(g.node("output").value) == pytest.approx(float(models.rnn(params, xs)), rel=1e-6)


def test_nan_origin_of_an_underflowing_softmax_log():
    def cross_entropy(W, x, y):
        p = jax.nn.softmax(W @ x * 1000.0)
        return -jnp.sum(y * jnp.log(p))

    W = jnp.array([[1.0, 2.0], [-3.0, 1.0], [0.5, 0.5]])
    g = jc.computation_graph(cross_entropy, W, jnp.array([1.0, 2.0]), jnp.array([0.0, 1.0, 0.0]), nan=True)
    born = [n for n in g.nodes if n.flag == "nan-forward"]
    assert [n.label for n in born] == ["log"]           # softmax underflows to 0, log(0) = -inf
    assert np.isneginf(np.asarray(born[0].value)).any()
    path = [n for n in g.nodes if n.flag == "nan-path"]
    assert path and path[-1].kind == "output"
    assert any(n.flag == "nan-adjoint" for n in g.nodes)
    assert "first non-finite value: log" in repr(g)
    assert 'NaN/Inf born here: log' in g.to_dot()


def test_nan_origin_of_a_norm_at_zero_is_in_the_adjoint():
    def penalty(v):
        return jnp.sqrt(jnp.sum(v ** 2)) + jnp.sum(v)

    g = jc.computation_graph(penalty, jnp.zeros(3), nan=True)
    assert not any(n.flag == "nan-forward" for n in g.nodes)      # the value is finite: 0
    assert [n.label for n in g.nodes if n.flag == "nan-adjoint"] == ["sqrt"]   # d sqrt(s)/ds = inf at 0
    assert np.isnan(np.asarray(jax.grad(penalty)(jnp.zeros(3)))).all()


def test_nan_origin_inside_a_collapsed_model_is_opened_to_show_it():
    def model(params, x):
        for i, (W, b) in enumerate(params):
            x = jnp.tanh(W @ x + b)
            if i == 7:
                x = jnp.log(x - 1.0)          # x < 1: NaN born in layer 7
        return jnp.sum(x)

    params = [(jnp.eye(4) * 0.5, jnp.zeros(4)) for _ in range(12)]
    g = jc.computation_graph(model, params, jnp.ones(4), nan=True, max_nodes=30)
    born = [n for n in g.nodes if n.flag == "nan-forward"]
    assert [n.label for n in born] == ["log"] and len(g.nodes) <= 40


def test_a_finite_program_says_so():
    g = jc.computation_graph(lambda x: jnp.sin(x) * 2, 1.0, nan=True)
    assert "no NaN or Inf" in repr(g) and not any(n.flag for n in g.nodes)


def test_hostile_scope_function_and_source_names_are_escaped():
    def evil(x):
        with jax.named_scope('sc"ope</text><script>alert(1)</script>'):
            y = jnp.sin(x) * 2
            return jnp.cos(y) + y
    evil.__name__ = 'f"n\\</title><script>'
    g = jc.computation_graph(jax.jit(evil), 1.0, title=evil.__name__, max_nodes=3)
    dot = g.to_dot()
    svg = g.svg()
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert '\\"' in dot


def test_small_arrays_show_their_values_and_bools_their_truth():
    g = jc.computation_graph(lambda x: jnp.where(x > 0, x, 0.0), jnp.array([1.0, -2.0]), values=True, fold=False)
    dot = g.to_dot()
    assert "= [1, -2]" in dot and "= [True, False]" in dot and "mean" not in dot


def test_graddag_shows_the_users_dtypes_and_leaves_jax_config_alone(shell):
    run_cell_ok(shell, "import jax, jax.numpy as jnp\n"
                       "def cell(h, x):\n    return jnp.tanh(h * x), h\n"
                       "xs = jnp.ones(3, dtype=jnp.float32)")
    x64_before = jax.config.jax_enable_x64
    graph = run_cell_ok(shell, "%graddag lambda xs: jax.lax.scan(cell, 0.5, xs)[0] xs")
    dot = graph.to_dot()
    assert "f32" in dot and "f64" not in dot and "convert" not in dot
    narrow = run_cell_ok(shell, "%graddag lambda w: jnp.sin(w) * 2.0 1.5")
    assert "f32" in narrow.to_dot() and "f64" not in narrow.to_dot()
    wide = run_cell_ok(shell, "%graddag lambda w: jnp.sin(w) * 2.0 1.5 --float64")
    assert "f64" in wide.to_dot() and "f32" not in wide.to_dot()
    assert jax.config.jax_enable_x64 == x64_before


def test_graddag_nan_and_max_nodes_from_the_magic(shell):
    run_cell_ok(shell, "import jax, jax.numpy as jnp\n"
                       "def loss(v):\n    return jnp.sqrt(jnp.sum(v ** 2))\n"
                       "def net(ps, x):\n    for W in ps:\n        x = jnp.tanh(W @ x)\n    return jnp.sum(x)\n"
                       "ps = [jnp.eye(3)] * 20")
    g = run_cell_ok(shell, "%graddag loss jnp.zeros(3) --nan")
    assert [n.label for n in g.nodes if n.flag == "nan-adjoint"] == ["sqrt"]
    small = run_cell_ok(shell, "%graddag jax.grad(net) ps, jnp.ones(3) --max-nodes 12")
    assert len(small.nodes) <= 12
    everything = run_cell_ok(shell, "%graddag jax.grad(net) ps, jnp.ones(3) --max-nodes 0")
    assert not any(n.kind == "group" for n in everything.nodes)


def test_a_forward_node_is_linked_to_its_derivative_and_transposed_equations():
    def g(w):
        return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)   # three calls on one line

    graph = jc.computation_graph(jax.grad(g), 1.5, max_nodes=None)
    ops = [n for n in graph.nodes if n.kind == "op"]
    origin = {n.label: n.origin for n in ops if n.phase == "forward"}
    # (log's own value is dead in the gradient; its derivative, the transposed 1/w, is a div)
    div = next(n for n in ops if n.label == "div")
    assert len({origin["tanh"], origin["cos"], div.origin}) == 3     # three calls told apart on one line
    assert origin["sin"] == origin["cos"]          # d cos = -sin: made by the cos call
    backward_of_cos = [n.label for n in ops if n.phase == "backward" and n.origin == origin["cos"]]
    assert "neg" in backward_of_cos and "mul" in backward_of_cos


def test_explorer_kernel_side_opens_searches_and_describes_values():
    from jaxcalc_ext.display.graph_widget import GraphExplorer

    params = models.mlp_params(jax.random.key(0), layers=3, width=80)
    explorer = GraphExplorer(jc.computation_graph(jax.grad(models.mlp), params, jnp.ones(80), values=True))
    before = set(explorer.cards)
    group = next(i for i, c in explorer.cards.items() if c["kind"] == "group")
    explorer.toggle(group)
    assert group not in explorer.cards and len(explorer.cards) > len(before) - 1
    explorer.toggle(group)                                  # and closed again
    assert set(explorer.cards) == before
    explorer.search("gelu")
    assert explorer.highlight and "match" in explorer.message
    # the matches are listed, the view goes to the first one only: its groups open, not every match's
    gelus = [h for h in explorer.graph.full.find("gelu")]
    assert [m["id"] for m in explorer.matches] == gelus and len(gelus) >= 3
    assert explorer.highlight == [explorer.focus] and explorer.focus in explorer.cards
    first_view = set(explorer.cards)
    explorer.reveal(explorer.matches[-1]["id"])               # "3 of 3": the last one, the first's groups closed
    assert explorer.focus in explorer.cards and set(explorer.cards) != first_view
    assert explorer.matches[-1]["path"] == [[g, explorer.graph.groups()[g]] for g in
                                            reversed(explorer.graph.full.hierarchy.ancestors(gelus[-1]))]
    explorer.search("")                                      # cleared: the view before the search
    assert set(explorer.cards) == before and explorer.matches == []
    explorer.open_all()
    assert len(explorer.cards) > len(before) and explorer.can_undo
    explorer.undo()
    assert set(explorer.cards) == before
    explorer.close_all()
    assert all(not c["path"] for c in explorer.cards.values())   # only top-level nodes
    labels = [e["label"] for e in explorer.legend]
    assert "input" in labels and any("closed group" in label for label in labels)
    explorer.undo()
    explorer.search("params[2][0]")                          # opens the groups around it
    weight = next(c for c in explorer.cards.values() if c["label"] == "params[2][0]")
    assert weight["value"]["histogram"]["counts"] and sum(weight["value"]["histogram"]["counts"]) == 80 * 80
    assert weight["flops"] == 0 and weight["aval"] == "f32[80,80]"
    matmuls = [n for n in explorer.graph.full.atoms.values() if n.label == "@" and n.phase == "forward"]
    assert len(matmuls) == 3 and all(n.flops == 2 * 80 * 80 for n in matmuls)   # W (80x80) @ x (80)
    explorer._on_message(explorer, {"type": "toggle", "id": "no such group"}, [])   # ignored, no error
    assert explorer.svg.lstrip().startswith("<?xml")


def test_a_python_loop_over_layers_on_one_line_is_cut_into_its_layers():
    """The most common tutorial MLP: one source line run for every (W, b) of a list. Its
    operations are cut by the parameters each iteration reads, and the identical ones roll."""
    def predict(params, x):
        for W, b in params[:-1]:
            x = jnp.tanh(W @ x + b)
        W, b = params[-1]
        return W @ x + b

    def loss(params, x, y):
        return jnp.mean((predict(params, x) - y) ** 2)

    keys = jax.random.split(jax.random.key(0), 8)
    sizes = [4] + [16] * 7 + [1]
    params = [(jax.random.normal(k, (n, m)) * 0.1, jnp.zeros(n)) for k, m, n in zip(keys, sizes[:-1], sizes[1:])]
    graph = jc.computation_graph(jax.grad(loss), params, jnp.ones(4), jnp.ones(1))
    labels = {n.label + (f" × {n.repeat}" if n.repeat > 1 else "") for n in graph.nodes}
    assert "params[0–6] × 7" in labels, labels
    assert operations_drawn(graph) == len(graph.full.forward_order)
    assert not any(n.kind == "group" and n.ops == 0 and n.group_kind != "pytree" for n in graph.nodes)


def test_a_collapsed_layer_is_typed_by_the_activations_it_hands_on(mlp_graph):
    # not by a residual the backward sweep reads (a layer norm's scalar 1/sqrt(var))
    layers = [n for n in mlp_graph.nodes if n.kind == "group" and n.label.startswith("params[0")]
    assert layers and all(n.aval == "f32[32]" for n in layers), [(n.label, n.aval) for n in layers]
