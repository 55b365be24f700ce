"""Other people's code (issue 20): models written the way Equinox, Flax NNX, Haiku, Diffrax and
Optax document them, through every magic in a real IPython shell and through the library.
Numbers are checked against closed forms and JAX's own derivatives."""
import math
import re

import numpy as np
import pytest

from ipython_shell import make_shell, run_cell_ok, usage_error

eqx = pytest.importorskip("equinox")
nnx = pytest.importorskip("flax.nnx")
hk = pytest.importorskip("haiku")
diffrax = pytest.importorskip("diffrax")
optax = pytest.importorskip("optax")

MODELS = """
import jax, jax.numpy as jnp, equinox as eqx, haiku as hk, optax, diffrax
from flax import nnx
from functools import partial

# Equinox's CNN example: a module whose leaves include functions and a pooling layer.
class CNN(eqx.Module):
    layers: list

    def __init__(self, key):
        key1, key2, key3, key4 = jax.random.split(key, 4)
        self.layers = [
            eqx.nn.Conv2d(1, 3, kernel_size=4, key=key1),
            eqx.nn.MaxPool2d(kernel_size=2),
            jax.nn.relu,
            jnp.ravel,
            eqx.nn.Linear(1728, 512, key=key2),
            jax.nn.sigmoid,
            eqx.nn.Linear(512, 64, key=key3),
            jax.nn.relu,
            eqx.nn.Linear(64, 10, key=key4),
            jax.nn.log_softmax,
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

def eqx_loss(model, x, y):
    pred_y = jax.vmap(model)(x)
    return -jnp.mean(jnp.take_along_axis(pred_y, jnp.expand_dims(y, 1), axis=1))

cnn = CNN(jax.random.key(1))
images, digits = jnp.ones((2, 1, 28, 28)), jnp.array([3, 7])
small_mlp = eqx.nn.MLP(2, 1, 16, 2, key=jax.random.key(0))

# Flax NNX's MNIST CNN, in eval mode (dropout keys unused).
class NNXCNN(nnx.Module):
    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 8, kernel_size=(3, 3), rngs=rngs)
        self.dropout1 = nnx.Dropout(rate=0.025, rngs=rngs)
        self.conv2 = nnx.Conv(8, 16, kernel_size=(3, 3), rngs=rngs)
        self.avg_pool = partial(nnx.avg_pool, window_shape=(2, 2), strides=(2, 2))
        self.linear1 = nnx.Linear(784, 32, rngs=rngs)
        self.linear2 = nnx.Linear(32, 10, rngs=rngs)

    def __call__(self, x):
        x = self.avg_pool(nnx.relu(self.dropout1(self.conv1(x))))
        x = self.avg_pool(nnx.relu(self.conv2(x)))
        x = x.reshape(x.shape[0], -1)
        return self.linear2(nnx.relu(self.linear1(x)))

nnx_model = NNXCNN(rngs=nnx.Rngs(0))
nnx_model.eval()
batch, labels = jnp.ones((4, 28, 28, 1)), jnp.array([1, 2, 3, 4])

def nnx_loss(model, x, labels):
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits=logits, labels=labels).mean()

# Haiku's MLP.
def forward(x):
    return hk.nets.MLP([30, 20, 10])(x)
hk_net = hk.without_apply_rng(hk.transform(forward))
hk_x = jnp.ones((4, 16))
hk_params = hk_net.init(jax.random.key(0), hk_x)

def hk_loss(params, x, labels):
    return optax.softmax_cross_entropy_with_integer_labels(hk_net.apply(params, x), labels).mean()
"""


@pytest.fixture(scope="module")
def shell():
    sh = make_shell()
    run_cell_ok(sh, MODELS)
    return sh


def group_labels(graph) -> set[str]:
    return {g.label for g in graph.full.hierarchy.groups.values()}


def test_equinox_modules_are_taken_as_filter_jit_takes_them(shell):
    graph = run_cell_ok(shell, "%graddag eqx_loss cnn, images, digits")
    labels = group_labels(graph)
    assert {"layers[0]: Conv2d", "layers[1]: MaxPool2d", "layers[4]: Linear", "layers[8]: Linear"} <= labels
    assert not any(label.startswith("eqx.nn.") for label in labels)   # the library's own scope is dropped
    for line in ("%graddag eqx.filter_grad(eqx_loss) cnn, images, digits",
                 "%graddag eqx.filter_value_and_grad(eqx_loss) cnn, images, digits",
                 "%jaxpr eqx_loss cnn, images, digits --grad"):
        assert run_cell_ok(shell, line) is not None, line
    grad = run_cell_ok(shell, "%graddag eqx.filter_grad(eqx_loss) cnn, images, digits")
    assert {"layers[4]: Linear"} <= group_labels(grad)   # copies made by filter_grad are named too
    message = usage_error(shell, "%graddag jax.grad(eqx_loss) cnn, images, digits")
    assert "eqx.filter_grad" in message and "eqx.partition" in message


def test_equinox_mlp_closed_over_in_taylor_matches_nested_jvp(shell):
    import jax
    import jax.numpy as jnp

    r = run_cell_ok(shell, "%taylor lambda t: small_mlp(jnp.array([t, 0.5]))[0] --at 0.3 --order 3")
    mlp = shell.user_ns["small_mlp"]
    with jax.enable_x64(True):
        g = lambda t: mlp(jnp.stack([t, jnp.asarray(0.5, t.dtype)]))[0]
        d = [g]
        for _ in range(3):
            d.append(lambda t, h=d[-1]: jax.jvp(h, (t,), (jnp.ones_like(t),))[1])
        want = [float(d[k](jnp.float64(0.3))) / math.factorial(k) for k in range(4)]
    np.testing.assert_allclose(np.asarray(r.coefficients), want, rtol=1e-5, atol=1e-7)  # float32 weights


def test_flax_nnx_models_are_named_by_attribute_path(shell):
    graph = run_cell_ok(shell, "%graddag nnx.grad(nnx_loss) nnx_model, batch, labels")
    labels = group_labels(graph)
    assert {"conv1: Conv", "conv2: Conv", "linear1: Linear", "linear2: Linear"} <= labels
    # eval mode: the dropout keys are not read; they are left out and the note says so
    assert not any("rngs" in n.label for n in graph.nodes)
    assert any("not read" in note for note in graph.notes)
    assert not any(n.kind == "group" and n.ops == 0 and n.group_kind != "pytree" for n in graph.nodes)    # no empty boxes
    phases = [g for g in graph.full.hierarchy.groups.values() if g.kind == "phase"]
    assert len(phases) == 2                                                   # one group per sweep
    assert run_cell_ok(shell, "%graddag nnx_loss nnx_model, batch, labels") is not None
    assert run_cell_ok(shell, "%jaxpr nnx_loss nnx_model, batch, labels --grad") is not None


def test_haiku_modules_keep_their_names(shell):
    graph = run_cell_ok(shell, "%graddag jax.grad(hk_loss) hk_params, hk_x, labels")
    labels = group_labels(graph)
    assert {"mlp", "linear_0", "linear_1", "linear_2"} <= labels


DEFAULT_VIEWS = {   # each library's model, as its documentation trains it
    "Flax NNX CNN": "%graddag nnx.grad(nnx_loss) nnx_model, batch, labels",
    "Haiku MLP": "%graddag jax.grad(hk_loss) hk_params, hk_x, labels",
    "Equinox CNN": "%graddag eqx.filter_grad(eqx_loss) cnn, images, digits",
}


def _width_px(graph) -> float:
    svg = graph.svg()
    assert svg is not None, "no Graphviz engine"
    return float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)) * 4 / 3


@pytest.mark.parametrize("model", sorted(DEFAULT_VIEWS))
def test_default_views_fit_a_notebook_and_name_every_part_once(shell, model):
    """The width a notebook has (about 1,000 px), no two sibling groups with one label, and no
    group named by a truncated source line where the library names the part (relu, avg_pool)."""
    graph = run_cell_ok(shell, DEFAULT_VIEWS[model])
    assert _width_px(graph) <= 1000 * 1.05, (model, _width_px(graph))
    h = graph.full.hierarchy
    for parent in [None, *h.groups]:
        if parent is not None and h.groups[parent].kind == "repeat":
            continue
        drawn = [(h.groups[i].label, h.groups[i].repeat) for i in h.items(parent)
                 if i in h.groups and h.groups[i].kind != "phase"]
        assert len(drawn) == len(set(drawn)), (model, parent, drawn)
    shown = [n.label for n in graph.nodes if n.kind == "group"]
    assert not any(label.endswith("…") and "(" in label and "=" in label for label in shown), shown


def test_library_calls_between_modules_are_named_as_the_library_names_them(shell):
    flax_graph = run_cell_ok(shell, DEFAULT_VIEWS["Flax NNX CNN"])
    flax_labels = group_labels(flax_graph)
    assert any("relu, avg_pool" in label for label in flax_labels), flax_labels   # nnx.relu, self.avg_pool
    assert not any(label.startswith("x = self.avg_pool") for label in flax_labels), flax_labels
    haiku = run_cell_ok(shell, DEFAULT_VIEWS["Haiku MLP"])
    haiku_labels = group_labels(haiku)
    # inside Haiku's scope "mlp", the activation between linear_0 and linear_1 is relu, not "MLP"
    operations = {n.label for n in haiku.full.atoms.values() if n.kind == "op"}
    assert "relu" in haiku_labels | operations and "MLP" not in haiku_labels, haiku_labels


def test_a_library_module_called_from_a_line_is_named_by_its_modules_not_the_line():
    # eqx.nn.MultiheadAttention as Equinox's documentation calls it: every projection is one
    # named group inside the attention, and no group is named by the line that called it
    import jax, jax.numpy as jnp, equinox as eqx
    import jaxcalc_ext as jc
    attention = eqx.nn.MultiheadAttention(num_heads=2, query_size=8, key=jax.random.key(0))

    def loss(x):
        return attention(x, x, x).sum()
    graph = jc.computation_graph(loss, jnp.ones((3, 8)))
    groups = list(graph.full.hierarchy.groups.values())
    labels = {g.label for g in groups}
    projections = {"query_proj: Linear", "key_proj: Linear", "value_proj: Linear", "output_proj: Linear"}
    assert projections <= labels and "attention: MultiheadAttention" in labels, labels
    assert not any("attention(x, x, x)" in label for label in labels), labels
    assert sum(g.label in projections for g in groups) == 4, labels       # one group each


@pytest.mark.parametrize("adjoint", ["RecursiveCheckpointAdjoint", "ForwardMode"])
@pytest.mark.parametrize("controller", ["ConstantStepSize", "PIDController"])
def test_diffrax_solution_taylor_coefficients_match_the_closed_form(adjoint, controller):
    # y' = -a y, y(0) = 1: y(1) = exp(-a), so c_k = exp(-a) (-1)^k / k! in a about a = 1.
    import jax
    import jax.numpy as jnp

    import jaxcalc_ext as jc

    control = diffrax.ConstantStepSize() if controller == "ConstantStepSize" else \
        diffrax.PIDController(rtol=1e-10, atol=1e-12)

    def solve(a):
        term = diffrax.ODETerm(lambda t, y, args: -args * y)
        solution = diffrax.diffeqsolve(term, diffrax.Tsit5(), t0=0.0, t1=1.0, dt0=0.01, y0=1.0, args=a,
                                       stepsize_controller=control, adjoint=getattr(diffrax, adjoint)(),
                                       saveat=diffrax.SaveAt(ts=jnp.linspace(0.0, 1.0, 3)))
        return solution.ys[-1]

    with jax.enable_x64(True):
        got = np.asarray(jc.taylor_coefficients(solve, 1.0, 5))
    want = [math.exp(-1) * (-1) ** k / math.factorial(k) for k in range(6)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_diffrax_solution_in_the_taylor_magic(shell):
    run_cell_ok(shell, """
def decay(a):
    term = diffrax.ODETerm(lambda t, y, args: -args * y)
    return diffrax.diffeqsolve(term, diffrax.Tsit5(), t0=0.0, t1=1.0, dt0=0.05, y0=1.0, args=a).ys[-1]
""")
    r = run_cell_ok(shell, "%taylor decay --at 1.0 --order 3 --range 0.5 1.5 --points 9")
    want = [math.exp(-1) * (-1) ** k / math.factorial(k) for k in range(4)]
    np.testing.assert_allclose(np.asarray(r.coefficients), want, atol=1e-7)


def test_nan_counts_only_what_reaches_the_output(shell):
    graph = run_cell_ok(shell, "%graddag lambda x: x * 2 jnp.array([jnp.nan, 1.0]) --nan")
    assert "the input x = [nan, 1] is already not finite" in graph.notes[0]
    run_cell_ok(shell, "def harmless(x):\n    big = jnp.float32(1e38) * 10.0\n    return jnp.where(big > 0, x * 2, x)")
    graph = run_cell_ok(shell, "%graddag harmless 1.0 --nan")
    assert graph.notes[0].startswith("no NaN or Inf reaches the output")
    assert graph.full.nan.forward is None


def test_nan_gradient_of_a_diffrax_solve_is_found(shell):
    run_cell_ok(shell, """
def sqrt_decay(a):
    term = diffrax.ODETerm(lambda t, y, args: -args * jnp.sqrt(y))
    return diffrax.diffeqsolve(term, diffrax.Tsit5(), t0=0.0, t1=1.0, dt0=0.1, y0=0.0, args=a).ys[-1]
""")
    graph = run_cell_ok(shell, "%graddag jax.grad(sqrt_decay) 1.0 --nan --max-nodes 30")
    forward = graph.full.nan.forward
    assert forward is not None and graph.full.nan.path[-1].startswith("out")   # it reaches the gradient
    assert np.isnan(np.asarray(graph.full.atoms[forward].value, dtype=float)).any()
    assert "= inf" not in graph.notes[0]   # not Diffrax's own harmless 1*inf constant


def test_adjoints_of_a_gradient_program_with_a_cotangent_of_ones(shell):
    import jax
    import jax.numpy as jnp

    message = usage_error(shell, "%graddag jax.grad(hk_loss) hk_params, hk_x, labels --values --grads")
    assert "cotangent 'ones'" in message
    graph = run_cell_ok(shell, "%graddag jax.grad(hk_loss) hk_params, hk_x, labels --values --grads --cotangent ones")
    assert any("sum of every output" in note for note in graph.notes)
    # oracle: d(sum of the gradient)/d(input) is a Hessian-vector product with ones
    ns = shell.user_ns
    grad = jax.grad(ns["hk_loss"])
    hvp = jax.grad(lambda p: sum(jnp.sum(g) for g in jax.tree_util.tree_leaves(grad(p, ns["hk_x"], ns["labels"]))))(
        ns["hk_params"])
    name = "params['mlp/~/linear_2']['b']"
    node = next(n for n in graph.full.atoms.values() if n.kind == "input" and n.label == name)
    np.testing.assert_allclose(np.asarray(node.adjoint), np.asarray(hvp["mlp/~/linear_2"]["b"]), rtol=1e-4, atol=1e-6)


def test_laplacian_and_its_estimate_have_the_same_batch_semantics_for_flax_and_equinox_mlps():
    import jax
    import jax.numpy as jnp

    import jaxcalc_ext as jc

    class NNXMLP(nnx.Module):
        def __init__(self, rngs):
            self.hidden = nnx.Linear(3, 16, rngs=rngs)
            self.out = nnx.Linear(16, 1, rngs=rngs)

        def __call__(self, x):
            return self.out(jnp.tanh(self.hidden(x)))[..., 0]

    flax_u = NNXMLP(nnx.Rngs(0))
    eqx_mlp = eqx.nn.MLP(3, "scalar", 16, 2, activation=jnp.tanh, key=jax.random.key(2))
    xs = jax.random.normal(jax.random.key(3), (5, 3))
    for u in (lambda x: flax_u(x), eqx_mlp):
        exact = jnp.stack([jnp.trace(jax.hessian(u)(x)) for x in xs])       # JAX's own, row by row
        lap = jc.laplacian(u, xs)
        assert lap.shape == (5,)
        np.testing.assert_allclose(np.asarray(lap), np.asarray(exact), rtol=1e-4, atol=1e-5)
        est = jc.hessian_trace_estimate(u, xs, jax.random.key(4), 4000)
        assert est.shape == (5,)
        np.testing.assert_allclose(np.asarray(est), np.asarray(exact), atol=0.1 * float(jnp.max(jnp.abs(exact))) + 1e-3)
    with pytest.raises(jc.JaxCalcError, match="scalar function"):
        jc.hessian_trace_estimate(lambda x: x, xs, jax.random.key(0), 4)


def test_a_flax_module_called_as_the_function_names_its_blocks_and_rolls_them(shell):
    run_cell_ok(shell, """
class Block(nnx.Module):
    def __init__(self, width, rngs):
        self.norm = nnx.LayerNorm(width, rngs=rngs)
        self.mlp = nnx.Linear(width, width, rngs=rngs)
    def __call__(self, x):
        return x + jax.nn.gelu(self.mlp(self.norm(x)))

class Tower(nnx.Module):
    def __init__(self, width=16, depth=4, rngs=nnx.Rngs(1)):
        self.embed = nnx.Linear(8, width, rngs=rngs)
        self.blocks = nnx.List([Block(width, rngs) for _ in range(depth)])
        self.head = nnx.Linear(width, 1, rngs=rngs)
    def __call__(self, x):
        x = self.embed(x)
        for block in self.blocks:
            x = block(x)
        return jnp.mean(self.head(x))

tower = Tower()
""")
    graph = run_cell_ok(shell, "%graddag tower jnp.ones((3, 8))")
    labels = {n.label + (f" × {n.repeat}" if n.repeat > 1 else "") for n in graph.nodes}
    labels |= {c.label for c in graph.clusters.values()}
    assert {"embed: Linear", "head: Linear", "blocks[0–3]: Block × 4"} <= labels, labels


MORE_PROGRAMS = """
# Haiku with state: BatchNorm through hk.transform_with_state, in training mode.
def bn_forward(x, is_training):
    x = hk.Linear(16)(x)
    x = hk.BatchNorm(create_scale=True, create_offset=True, decay_rate=0.9)(x, is_training)
    return hk.Linear(4)(jax.nn.relu(x))
bn_net = hk.transform_with_state(bn_forward)
bn_params, bn_state = bn_net.init(jax.random.key(0), hk_x, True)
def bn_loss(params, state, x):
    out, new_state = bn_net.apply(params, state, None, x, True)
    return jnp.sum(out ** 2)

# An Optax training step: Adam's update of the Haiku MLP's parameters.
opt = optax.adam(1e-3)
opt_state = opt.init(hk_params)
def train_step(params, opt_state, x, y):
    grads = jax.grad(hk_loss)(params, x, y)
    updates, opt_state = opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

# Flax NNX: value_and_grad with an auxiliary output, and the functional split / merge API.
def nnx_loss_aux(model, x, labels):
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits=logits, labels=labels).mean(), logits
graphdef, nnx_params, nnx_rest = nnx.split(nnx_model, nnx.Param, ...)   # as Flax's docs split it
def split_loss(params, x, labels):
    return nnx_loss(nnx.merge(graphdef, params, nnx_rest), x, labels)
"""

MORE_LINES = [
    "%graddag jax.grad(bn_loss) bn_params, bn_state, hk_x",
    "%graddag train_step hk_params, opt_state, hk_x, labels",
    "%graddag nnx.value_and_grad(nnx_loss_aux, has_aux=True) nnx_model, batch, labels",
    "%graddag jax.grad(split_loss) nnx_params, batch, labels",
    "%jaxpr train_step hk_params, opt_state, hk_x, labels",
    "%jaxpr jax.grad(bn_loss) bn_params, bn_state, hk_x",
    "%jaxpr jax.grad(split_loss) nnx_params, batch, labels",
]


@pytest.mark.parametrize("line", MORE_LINES)
def test_stateful_haiku_optax_updates_and_the_nnx_functional_api_work_in_every_magic(shell, line):
    run_cell_ok(shell, MORE_PROGRAMS)
    result = run_cell_ok(shell, line)
    assert result is not None
    if line.startswith("%graddag"):
        assert not any(n.kind == "group" and n.ops == 0 and n.group_kind != "pytree" for n in result.nodes)      # no empty boxes
        assert _width_px(result) <= 1000 * 1.05, _width_px(result)


def test_optax_update_graph_names_the_optimiser_and_matches_jax():
    """Adam's first step moves every parameter by -lr * sign(g) (bias-corrected moments):
    the graph's output values against that closed form."""
    import jax
    import jax.numpy as jnp

    import jaxcalc_ext as jc

    opt = optax.adam(1e-2)
    params = {"w": jnp.array([1.0, -2.0, 3.0])}
    loss = lambda p: jnp.sum(p["w"] ** 3)   # noqa: E731

    def step(p, state):
        updates, state = opt.update(jax.grad(loss)(p), state, p)
        return optax.apply_updates(p, updates)

    graph = jc.computation_graph(step, params, opt.init(params), values=True)
    out = next(n for n in graph.full.atoms.values() if n.kind == "output")
    expected = params["w"] - 1e-2 * jnp.sign(3 * params["w"] ** 2)
    np.testing.assert_allclose(np.asarray(out.value), np.asarray(expected), rtol=1e-5)


def test_an_optimiser_step_is_drawn_as_forward_backward_and_update_with_its_state_by_pytree_node(shell):
    run_cell_ok(shell, MORE_PROGRAMS)
    graph = run_cell_ok(shell, "%graddag train_step hk_params, opt_state, hk_x, labels")
    phases = {g.label for g in graph.full.hierarchy.groups.values() if g.kind == "phase"}
    assert "after the backward sweep" in phases, phases            # Adam's update is not the forward sweep
    shown = {n.label: n for n in graph.nodes}
    for node in ("opt_state[0].mu", "opt_state[0].nu", "output[1][0].mu"):   # one box per pytree node
        assert node in shown and shown[node].detail.endswith(("6 inputs", "6 outputs")), shown.get(node)

