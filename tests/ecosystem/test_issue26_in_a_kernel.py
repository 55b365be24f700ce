"""Issue 26's reproductions, in a real Jupyter kernel, from code written as Flax, Equinox and
Optax document it: the drawn adjoints are jax.grad's, the whole training step is drawn with its
in-place updates as outputs, inputs and outputs carry the user's names, costs are refused before
they are paid, and --nan tells the truth."""
import json

import pytest

pytest.importorskip("jupyter_client")
from kernel_session import KernelSession  # noqa: E402

SETUP = r"""
import json
import jax, jax.numpy as jnp, optax
from flax import nnx
from functools import partial
%load_ext jaxcalc_ext

class CNN(nnx.Module):
    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 8, kernel_size=(3, 3), rngs=rngs)
        self.batch_norm1 = nnx.BatchNorm(8, rngs=rngs)
        self.avg_pool = partial(nnx.avg_pool, window_shape=(2, 2), strides=(2, 2))
        self.linear1 = nnx.Linear(8 * 14 * 14, 10, rngs=rngs)

    def __call__(self, x):
        x = self.avg_pool(nnx.relu(self.batch_norm1(self.conv1(x))))
        return self.linear1(x.reshape(x.shape[0], -1))

model = CNN(rngs=nnx.Rngs(0))
model.eval()
images, labels = jnp.ones((4, 28, 28, 1)), jnp.array([1, 2, 3, 4])

def loss_fn(model, images, labels):
    logits = model(images)
    return optax.softmax_cross_entropy_with_integer_labels(logits=logits, labels=labels).mean()

optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)

@nnx.jit
def train_step(model, optimizer, images, labels):
    loss, grads = nnx.value_and_grad(loss_fn)(model, images, labels)
    optimizer.update(model, grads)
    return loss

kernel_before = model.conv1.kernel.value.copy()

def labels_of(graph, kind):
    return [n.label for n in graph.full.atoms.values() if n.kind == kind]

@jax.custom_vjp
def clip_gradient(x):
    return x
clip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (jnp.clip(ct, -0.1, 0.1),))

def w(x):
    return jax.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))[1]
"""


@pytest.fixture(scope="module")
def kernel():
    with KernelSession(SETUP) as session:
        yield session


def _json(kernel, code):
    answer = kernel.run(code + "\nprint('JSON' + json.dumps(out, default=str))", timeout=300)
    assert answer.ok, (answer.ename, answer.evalue)
    line = next(l for l in answer.text("stdout").splitlines() if l.startswith("JSON"))
    return json.loads(line[4:])


def test_the_whole_nnx_train_step_is_drawn_with_its_updates_as_outputs(kernel):
    out = _json(kernel, """
g = %graddag train_step model, optimizer, images, labels
listing = %jaxpr train_step model, optimizer, images, labels
phases = sorted({grp.label for grp in g.full.hierarchy.groups.values() if grp.kind == "phase"})
out = {"outputs": labels_of(g, "output"), "inputs": labels_of(g, "input"), "phases": phases,
       "drawn": g.full.stats["equations"], "listed": len(listing.jaxpr.jaxpr.eqns), "notes": g.notes,
       "model_untouched": bool((model.conv1.kernel.value == kernel_before).all())}""")
    assert "model.conv1.kernel (updated)" in out["outputs"] and "output" in out["outputs"]
    assert any(o.startswith("optimizer.opt_state") for o in out["outputs"]), out["outputs"]
    assert not any("batch_norm1.mean" in o for o in out["outputs"]), out["outputs"]   # eval mode: unchanged
    assert {"model.conv1.kernel", "images", "labels"} <= set(out["inputs"])
    assert not any("do not read" in n for n in out["notes"]), out["notes"]
    assert any("backward" in p for p in out["phases"]) and any("after the backward" in p for p in out["phases"]), out
    assert out["model_untouched"]                     # the user's model is not changed by drawing it
    assert out["drawn"] > 100, out


def test_a_gradient_carries_the_argument_names_and_its_own(kernel):
    out = _json(kernel, """
g = %graddag nnx.grad(loss_fn) model, images, labels
out = {"outputs": labels_of(g, "output"), "inputs": labels_of(g, "input")}""")
    assert "grads.conv1.kernel" in out["outputs"] and "grads.linear1.bias" in out["outputs"], out
    assert "labels" in out["inputs"] and "model.conv1.kernel" in out["inputs"], out


def test_custom_rules_and_while_loops(kernel):
    out = _json(kernel, """
g = %graddag lambda x: clip_gradient(x) ** 2 0.3 --values --grads
r = %graddag w 1.1 --values --grads
out = {"drawn": float(g.node("x").adjoint), "jax": float(jax.grad(lambda x: clip_gradient(x) ** 2)(0.3)),
       "while": r.node("x").adjoint is None, "notes": r.notes}""")
    assert out["drawn"] == out["jax"] == pytest.approx(0.1)
    assert out["while"] and any("no reverse mode through while" in n for n in out["notes"]), out


@pytest.mark.parametrize("line, fragment", [
    ("%graddag lambda x: jnp.sum(jnp.zeros((50000, 50000, 10))) + x 1.0 --values", "needs ~100."),
    ("%graddag lambda v: jnp.sum(v @ v) jnp.ones((12000, 12000)) --values --grads",
     "without --values and --grads it fits"),
])
def test_costs_are_refused_before_they_are_paid(kernel, line, fragment):
    answer = kernel.run(line, timeout=120)
    assert answer.ename == "UsageError" and fragment in answer.evalue and "\n" not in answer.evalue, answer.evalue
    assert answer.seconds < 30


def test_nan_tells_the_truth_about_a_non_finite_input(kernel):
    out = _json(kernel, """
g = %graddag lambda x: jnp.sum(jnp.exp(x)) jnp.array([-jnp.inf, 1.0]) --nan
out = {"notes": g.notes}""")
    assert "is not finite" in out["notes"][0] and "every value and adjoint is finite" not in " ".join(out["notes"])
