"""Write the example notebooks (unexecuted) from the cell sources below: `python scripts/make_notebooks.py`."""
import pathlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = pathlib.Path(__file__).resolve().parent.parent / "examples"


def notebook(name, cells):
    nb = new_notebook(cells=[new_markdown_cell(c[3:]) if c.startswith("md:") else new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(HERE / name))


TAYLOR = [
    "md:# Taylor polynomials with `%taylor`\n\nLoad the extension; every magic computes in float64 without touching `jax.config`.",
    "%load_ext jaxcalc_ext\nimport jax, jax.numpy as jnp, numpy as np\nimport jaxcalc_ext as jc",
    "md:## MML figure 5.4: $\\sin x + \\cos x$ at 0, orders 1, 2, 5, 10",
    "mml = %taylor sin(x) + cos(x) --at 0 --order 1,2,5,10 --range -4 4\nmml",
    "md:The result object keeps everything: coefficients, polynomials, errors.",
    "print(mml.dtype, mml.coefficients[:6])\nprint({n: f'{e:.3g}' for n, e in mml.max_errors.items()})",
    "md:## tanh and its first six derivatives\n\n`jc.derivatives` returns $f, f', \\dots, f^{(6)}$ in one Taylor-mode pass; `vmap` evaluates it on a grid.",
    "import matplotlib.pyplot as plt\nwith jc.float64_scope():\n    xs = jnp.linspace(-7, 7, 400)\n    ds = jax.vmap(lambda x: jc.derivatives(jnp.tanh, x, 6))(xs)\nfig, ax = plt.subplots(figsize=(8, 4))\nfor k in range(7):\n    ax.plot(xs, ds[:, k], label=f\"$\\\\tanh^{{({k})}}$\")\nax.legend(ncol=4, fontsize=8); ax.set_title('tanh and its first six derivatives'); plt.show()",
    "md:## The textbook's figure: $\\sin w$ at $w_0 = 1$, orders 1 to 4",
    "%taylor sin(w) --at 1 --order 1,2,3,4 --range -2 4",
    "md:## MML example 5.15: $g(x, y) = x^2 + 2xy + y^3$ at $(1, 2)$\n\nThe quadratic approximation in closed form is $x^2 + 6y^2 - 12y + 2xy + 8$.",
    "g = %taylor x**2 + 2*x*y + y**3 --at 1,2 --order 2\ng",
    "T2 = g.polynomials[2]\npoints = np.array([[1.0, 2.0], [2.0, 3.0], [4.2, 3.7], [2.8, 1.3], [10.2, 21], [-5.1, 2.3], [-3.4, -2.5]])\nclosed_form = lambda x, y: x**2 + 6*y**2 - 12*y + 2*x*y + 8\nprint('T2         ', np.round(np.asarray(T2(points)), 6))  # evaluated in float64\nprint('closed form', np.round(np.asarray(closed_form(points[:, 0], points[:, 1])), 6))",
    "md:## Ackley's function: the quadratic model's error shrinks like $s^3$",
    "def ackley(x):\n    d = x.size\n    return (-20 * jnp.exp(-0.2 * jnp.sqrt(jnp.sum(x**2) / d))\n            - jnp.exp(jnp.sum(jnp.cos(2 * jnp.pi * x)) / d) + 20 + jnp.e)\n\nwith jc.float64_scope():\n    x0, u = jax.random.normal(jax.random.key(0), (2, 3))\n    conv = jc.convergence_order(ackley, x0, 2, direction=u)\nconv",
    "md:## A function of two variables as a surface: $\\sin w_1$ near the origin",
    "%taylor sin(w1) --vars w1,w2 --at 0.5,0.5 --order 1,2 --range -2 3 -2 3 --surface",
    "md:## `%%taylor`: the cell defines the function",
    "%%taylor --at 0.5 --order 3,7 --range -2 3\ndef bump(x):\n    return jnp.exp(-x**2) * jnp.cos(3 * x) + jax.nn.softplus(x)",
]

GRAPHS = [
    "md:# Computation graphs with `%graddag` and `%jaxpr`\n\nEvery node shows its forward value; with `--grads`, its adjoint d(output)/d(node) from the reverse sweep, computed by JAX's own `vjp` of each equation.",
    "%load_ext jaxcalc_ext\nimport jax, jax.numpy as jnp\nimport jaxcalc_ext as jc",
    "md:## The textbook's graph: $g(w) = \\tanh(w)\\cos(w) + \\log(w)$ at $w = 1.5$",
    "def g(w):\n    return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)\n\ntextbook = %graddag g 1.5 --values --grads\ntextbook",
    "print({n.label: f'{float(n.value):.3g}' for n in textbook.nodes if n.kind == 'op'})\nprint('dg/dw =', float(textbook.node('w').adjoint), ' jax.grad:', float(jax.grad(g)(1.5)))",
    "md:## $w_1^2 + w_2^2$: the forward sweep, then the reverse sweep",
    "%graddag lambda w1, w2: w1**2 + w2**2 1.0, 2.0 --values",
    "%graddag lambda w1, w2: w1**2 + w2**2 1.0, 2.0 --values --grads",
    "md:## $x^2 + e^x$ and its gradient, side by side (equation counts on top)",
    "def f(x):\n    return x**2 + jnp.exp(x)\n\n%jaxpr f 3.0 --compare",
    "md:The gradient's program: forward equations in yellow, the transposed (backward) ones in blue.",
    "%graddag jax.grad(f) 3.0 --values",
    "md:## A 12-layer MLP's gradient, collapsed by layer\n\nWrapping a layer in `jax.jit` makes it a cluster; `--depth 0` collapses each call into one node, and repeated calls roll into `layer × N`.",
    "@jax.jit\ndef layer(p, x):\n    W, b = p\n    return jnp.tanh(W @ x + b)\n\ndef mlp(params, x):\n    for p in params:\n        x = layer(p, x)\n    return jnp.sum(x)\n\nkeys = jax.random.split(jax.random.key(0), 12)\nparams = [(jax.random.normal(k, (8, 8)) / 3, jnp.zeros(8)) for k in keys]\nx = jnp.ones(8)",
    "mlp_graph = %graddag jax.grad(mlp) params, x --depth 0 --max-nodes 60 --rankdir TB\nmlp_graph",
    "md:Three layers fit the node budget: opened, each layer call is a cluster with its equations inside, the run of three labelled `layer × 3`:",
    "%graddag mlp params[:3], x --values --grads",
]

OPERATORS = [
    "md:# Multivariate operators: derivative tensors, full Taylor polynomials, the Laplacian\n\nEverything here is computed by univariate Taylor-mode passes: along lattice directions for the derivative tensors and polynomials, and as one collapsed pass for the Laplacian.",
    "%load_ext jaxcalc_ext\nimport time\nimport jax, jax.numpy as jnp, numpy as np\nimport jaxcalc_ext as jc",
    "md:## The seed's $g(x, y) = x^2 + 2xy + y^3$ at $(1, 2)$: gradient, Hessian, Laplacian\n\nBy hand: $\\nabla g = (2x + 2y,\\ 2x + 3y^2) = (6, 14)$ and $\\nabla^2 g = \\begin{pmatrix}2 & 2\\\\ 2 & 6y\\end{pmatrix}$, so the Laplacian is $2 + 12 = 14$.",
    "ops = %taylor x**2 + 2*x*y + y**3 --at 1,2 --laplacian\nops",
    "print(ops.hessian)",
    "md:## $D^3 f$ of a function of three variables\n\nThe third derivative tensor of $f(x, y, z) = e^{x} \\sin y + \\cos(xz) + y^3 z$: a symmetric $3 \\times 3 \\times 3$ array, here beside JAX's nested `jacfwd` as a check.",
    "def f(v):\n    x, y, z = v\n    return jnp.exp(x) * jnp.sin(y) + jnp.cos(x * z) + y**3 * z\n\nwith jc.float64_scope():\n    x0 = jnp.array([0.3, -0.2, 0.5])\n    D3 = jc.derivative_tensor(f, x0, 3)\n    reference = np.asarray(jax.jacfwd(jax.jacfwd(jax.jacfwd(f)))(x0))\nprint(np.round(D3, 6))\nprint('max |ours - nested jacfwd| =', float(np.max(np.abs(D3 - reference))))",
    "md:## The full degree-8 Taylor polynomial of the same function: 165 monomials",
    "with jc.float64_scope():\n    t0 = time.perf_counter()\n    T8 = jc.taylor_polynomial(lambda x, y, z: f(jnp.stack([x, y, z])), (0.3, -0.2, 0.5), 8)\n    elapsed = time.perf_counter() - t0\n    pts = x0 + 0.1 * jax.random.normal(jax.random.key(0), (1_000_000, 3))\n    worst = float(jnp.max(jnp.abs(T8(pts) - jax.vmap(f)(pts))))\nprint(f'{len(T8.exponents)} coefficients in {elapsed:.2f} s; max error on a million points near x0: {worst:.2e}')",
    "md:## The seed's Laplacian: $\\Delta \\sum_i \\tanh(x_i)^2$ at $(1, 1, 1, 1, 1)$",
    "with jc.float64_scope():\n    lap = jc.laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 2), jnp.ones(5))\n    by_hessian = jc.laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 2), jnp.ones(5), method='hessian')\nprint(f'collapsed Taylor mode: {float(lap):.10f}   trace of the Hessian: {float(by_hessian):.10f}')",
    "md:On a batch of points, and as Hutchinson's estimate (Taylor mode along random sign vectors):",
    "with jc.float64_scope():\n    batch = jax.random.normal(jax.random.key(1), (4, 5))\n    print(jc.laplacian(lambda x: jnp.sum(jnp.tanh(x) ** 2), batch))\n    coupled = lambda x: jnp.sum(jnp.tanh(x) ** 2) + jnp.sin(x[0] * x[1])  # Hessian not diagonal\n    estimate = jc.hessian_trace_estimate(coupled, jnp.ones(5), jax.random.key(0), 64)\n    print(f'Hutchinson, 64 samples: {float(estimate):.4f}   exact: {float(jc.laplacian(coupled, jnp.ones(5))):.4f}')",
    "md:## Laplacian methods vs the input dimension\n\nA 3-layer tanh MLP; both methods jitted, timed here side by side (`benchmarks/laplacian.py` is the full benchmark). Each result is awaited as the benchmark and jaxcalc_ext's own functions await theirs: polled for up to 150 us (`jaxcalc_ext.core.ready.wait_briefly`), so the time is the program's and not the runtime's 20-40 us thread wake-up.",
    "import matplotlib.pyplot as plt\n\ndef mlp(dim, key):\n    keys = jax.random.split(key, 4)\n    layers = [(jax.random.normal(k, (dim, dim)) / jnp.sqrt(dim), jnp.full(dim, 0.1)) for k in keys[:3]]\n    readout = jax.random.normal(keys[3], (dim,)) / jnp.sqrt(dim)\n    def f(x):\n        for W, b in layers:\n            x = jnp.tanh(W @ x + b)\n        return readout @ x\n    return f\n\nfrom jaxcalc_ext.core.ready import wait_briefly\n\ndef median_time(fn, x, repeats=30):\n    wait_briefly(fn(x)).block_until_ready()\n    times = []\n    for _ in range(repeats):\n        t0 = time.perf_counter(); wait_briefly(fn(x)).block_until_ready(); times.append(time.perf_counter() - t0)\n    return float(np.median(times))\n\ndims, rows = [16, 32, 64, 128, 256], []\nwith jc.float64_scope():\n    for dim in dims:\n        g, x = mlp(dim, jax.random.key(dim)), jax.random.normal(jax.random.key(1), (dim,))\n        collapsed = jax.jit(lambda x, g=g: jc.laplacian(g, x, method='collapsed'))\n        hessian = jax.jit(lambda x, g=g: jnp.trace(jax.hessian(g)(x)))\n        rows.append((median_time(collapsed, x), median_time(hessian, x), float(collapsed(x)), float(hessian(x))))\nfig, ax = plt.subplots(figsize=(6, 4))\nax.loglog(dims, [r[0] * 1e6 for r in rows], 'o-', label='collapsed Taylor mode')\nax.loglog(dims, [r[1] * 1e6 for r in rows], 's-', label='trace(jax.hessian)')\nax.set_xlabel('input dimension D'); ax.set_ylabel('time per Laplacian (us)'); ax.legend(); ax.grid(alpha=0.3, which='both')\nplt.show()\nfor dim, (a, b, la, lb) in zip(dims, rows):\n    print(f'D={dim:4d}: speed-up {b / a:5.2f}x, relative difference {abs(la - lb) / abs(lb):.1e}')",
]

ECOSYSTEM = [
    "md:# Models from Flax, Equinox, Haiku, Diffrax and Optax\n\nThe magics take models the way these libraries write them: a model object is an argument like any other (its arrays are traced; its functions, flags and pooling layers are held static, as `eqx.filter_jit` does), and graphs name the model's parts by their own paths and classes (`conv1: Conv`, `layers[4]: Linear`, Haiku's `mlp/linear_0`).",
    "%load_ext jaxcalc_ext\nimport jax, jax.numpy as jnp\nimport jaxcalc_ext as jc\nimport equinox as eqx, haiku as hk, optax, diffrax\nfrom flax import nnx\nfrom functools import partial",
    "md:## A Flax NNX CNN (the MNIST tutorial's), in eval mode\n\nThe gradient's program, drawn by the model's attributes. The dropout keys are not read in eval mode, so they are not drawn (the note says so).",
    "class CNN(nnx.Module):\n    def __init__(self, *, rngs: nnx.Rngs):\n        self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)\n        self.batch_norm1 = nnx.BatchNorm(16, rngs=rngs)\n        self.dropout1 = nnx.Dropout(rate=0.025, rngs=rngs)\n        self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)\n        self.avg_pool = partial(nnx.avg_pool, window_shape=(2, 2), strides=(2, 2))\n        self.linear1 = nnx.Linear(1568, 64, rngs=rngs)\n        self.linear2 = nnx.Linear(64, 10, rngs=rngs)\n\n    def __call__(self, x, rngs: nnx.Rngs | None = None):\n        x = self.avg_pool(nnx.relu(self.batch_norm1(self.dropout1(self.conv1(x), rngs=rngs))))\n        x = self.avg_pool(nnx.relu(self.conv2(x)))\n        x = x.reshape(x.shape[0], -1)\n        return self.linear2(nnx.relu(self.linear1(x)))\n\nmodel = CNN(rngs=nnx.Rngs(0))\nmodel.eval()\nimages, labels = jnp.ones((4, 28, 28, 1)), jnp.array([1, 2, 3, 4])\n\ndef loss_fn(model, images, labels):\n    logits = model(images)\n    return optax.softmax_cross_entropy_with_integer_labels(logits=logits, labels=labels).mean()",
    "cnn_graph = %graddag nnx.grad(loss_fn) model, images, labels\ncnn_graph",
    "md:## The whole training step, as Flax documents it\n\n`optimizer.update(model, grads)` changes the model and the optimizer in place, under `nnx.jit`: what it changes is an output of the step. The picture holds the forward sweep, the backward sweep and the update, with every parameter and optimizer state it writes named by its path.",
    "optimizer = nnx.Optimizer(model, optax.adamw(1e-3), wrt=nnx.Param)\n\n@nnx.jit\ndef train_step(model, optimizer, images, labels):\n    loss, grads = nnx.value_and_grad(loss_fn)(model, images, labels)\n    optimizer.update(model, grads)\n    return loss\n\nstep_graph = %graddag train_step model, optimizer, images, labels\nprint([n.label for n in step_graph.full.atoms.values() if n.kind == 'output'][:6])\nstep_graph",
    "md:## A custom gradient: the adjoints drawn are the ones JAX computes\n\nGradient clipping written with `jax.custom_vjp`: the forward pass is the identity, the backward rule clips the cotangent to 0.1. `jax.grad` of `clipped(x)**2` at 0.3 is 0.1, not 0.6; the picture draws JAX's own reverse pass, so its input's adjoint is 0.1 as well.",
    "@jax.custom_vjp\ndef clip_gradient(x):\n    return x\n\nclip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (jnp.clip(ct, -0.1, 0.1),))\n\ndef clipped_square(x):\n    return clip_gradient(x) ** 2\n\nclip_graph = %graddag clipped_square 0.3 --values --grads\ndrawn = float(clip_graph.node('x').adjoint)\nprint(f'adjoint drawn for x: {drawn:.6f}; jax.grad: {float(jax.grad(clipped_square)(0.3)):.6f}')\nassert drawn == float(jax.grad(clipped_square)(0.3))\nclip_graph",
    "md:## A small transformer in Flax NNX: blocks in an `nnx.List`",
    "class Block(nnx.Module):\n    def __init__(self, width, rngs):\n        self.norm = nnx.LayerNorm(width, rngs=rngs)\n        self.attention = nnx.MultiHeadAttention(num_heads=2, in_features=width, decode=False, rngs=rngs)\n        self.mlp = nnx.Linear(width, width, rngs=rngs)\n\n    def __call__(self, x):\n        x = x + self.attention(self.norm(x))\n        return x + jax.nn.gelu(self.mlp(x))\n\nclass Transformer(nnx.Module):\n    def __init__(self, width=32, depth=3, rngs=nnx.Rngs(1)):\n        self.embed = nnx.Linear(8, width, rngs=rngs)\n        self.blocks = nnx.List([Block(width, rngs) for _ in range(depth)])\n        self.head = nnx.Linear(width, 1, rngs=rngs)\n\n    def __call__(self, x):\n        x = self.embed(x)\n        for block in self.blocks:\n            x = block(x)\n        return jnp.mean(self.head(x))\n\ntransformer = Transformer()\ntokens = jax.random.normal(jax.random.key(0), (6, 8))",
    "%graddag transformer tokens",
    "md:## An Equinox MLP with `eqx.filter_grad`",
    "mlp = eqx.nn.MLP(4, 1, 32, 3, activation=jax.nn.softplus, key=jax.random.key(0))\nxs, ys = jax.random.normal(jax.random.key(1), (16, 4)), jnp.zeros((16, 1))\n\ndef mse(model, xs, ys):\n    return jnp.mean((jax.vmap(model)(xs) - ys) ** 2)\n\n%graddag eqx.filter_grad(mse) mlp, xs, ys",
    "md:## Equinox's CNN: functions among the layers\n\nThe layers list holds modules and plain functions (`jax.nn.relu`, `jnp.ravel`); each is drawn under its place in the list (`layers[2]: relu`).",
    "class EqxCNN(eqx.Module):\n    layers: list\n\n    def __init__(self, key):\n        k1, k2, k3 = jax.random.split(key, 3)\n        self.layers = [eqx.nn.Conv2d(1, 3, kernel_size=4, key=k1), eqx.nn.MaxPool2d(kernel_size=2),\n                       jax.nn.relu, jnp.ravel, eqx.nn.Linear(1728, 64, key=k2), jax.nn.sigmoid,\n                       eqx.nn.Linear(64, 10, key=k3), jax.nn.log_softmax]\n\n    def __call__(self, x):\n        for layer in self.layers:\n            x = layer(x)\n        return x\n\ndef eqx_loss(model, x, y):\n    return -jnp.mean(jnp.take_along_axis(jax.vmap(model)(x), y[:, None], axis=1))\n\n%graddag eqx.filter_grad(eqx_loss) EqxCNN(jax.random.key(1)), jnp.ones((2, 1, 28, 28)), jnp.array([3, 7])",
    "md:## A Haiku MLP: Haiku's own module names",
    "def forward(x):\n    return hk.nets.MLP([64, 32, 10])(x)\n\nnet = hk.without_apply_rng(hk.transform(forward))\nbatch = jnp.ones((8, 16))\nparams = net.init(jax.random.key(0), batch)\n\ndef hk_loss(params, x, labels):\n    return optax.softmax_cross_entropy_with_integer_labels(net.apply(params, x), labels).mean()\n\n%graddag jax.grad(hk_loss) params, batch, jnp.arange(8) % 10",
    "md:## An Optax training step\n\nAdam's update runs after the gradient, and is drawn as its own phase; the optimiser's state is one box per pytree node (`opt_state[0].mu`).",
    "adam = optax.adam(1e-3)\n\ndef train_step(params, opt_state, x, labels):\n    grads = jax.grad(hk_loss)(params, x, labels)\n    updates, opt_state = adam.update(grads, opt_state, params)\n    return optax.apply_updates(params, updates), opt_state\n\n%graddag train_step params, adam.init(params), batch, jnp.arange(8) % 10",
    "md:## A Diffrax ODE's sensitivity as a Taylor polynomial in its parameter\n\n$y' = -a y$, $y(0) = 1$: $y(1) = e^{-a}$, so the Taylor coefficients about $a = 1$ are $e^{-1}(-1)^k/k!$. The solver (Tsit5 with an adaptive step) is expanded through its own loop.",
    "def solve(a):\n    term = diffrax.ODETerm(lambda t, y, args: -args * y)\n    return diffrax.diffeqsolve(term, diffrax.Tsit5(), t0=0.0, t1=1.0, dt0=0.1, y0=1.0, args=a,\n                               stepsize_controller=diffrax.PIDController(rtol=1e-10, atol=1e-12)).ys[-1]\n\nsensitivity = %taylor solve --at 1.0 --order 1,3,5 --range 0 3 --points 40\nsensitivity",
    "import math\nprint('ours       ', [f'{c:.10f}' for c in sensitivity.coefficients])\nprint('closed form', [f'{math.exp(-1) * (-1) ** k / math.factorial(k):.10f}' for k in range(6)])",
    "md:The solve's program, drawn by Diffrax's own functions (the step-size controller's `init`, the step `loop`):",
    "%graddag solve 1.0",
    "md:## A PINN's Laplacian of a Flax MLP, on a batch of points\n\nOne value per point by collapsed Taylor mode, beside `trace(jax.hessian)` row by row and Hutchinson's estimate.",
    "class U(nnx.Module):\n    def __init__(self, rngs):\n        self.hidden = nnx.Linear(2, 32, rngs=rngs)\n        self.out = nnx.Linear(32, 1, rngs=rngs)\n\n    def __call__(self, x):\n        return self.out(jnp.tanh(self.hidden(x)))[..., 0]\n\nu = U(nnx.Rngs(2))\npoints = jax.random.uniform(jax.random.key(3), (5, 2))\nprint('collapsed Taylor mode', jc.laplacian(u, points))\nprint('trace(jax.hessian)   ', jnp.stack([jnp.trace(jax.hessian(u)(p)) for p in points]))\nprint('Hutchinson, 256      ', jc.hessian_trace_estimate(u, points, jax.random.key(4), 256))",
    "md:## Where a NaN comes from, in a real failure\n\n$y' = -a\\sqrt{y}$ from $y(0) = 0$: the solution is finite, its derivative in $a$ is not ($\\sqrt{y}$ at 0). `--nan` marks the first operation of the gradient's program that made a NaN reaching the output, ignoring the solver's own harmless infinities.",
    "def sqrt_decay(a):\n    term = diffrax.ODETerm(lambda t, y, args: -args * jnp.sqrt(y))\n    return diffrax.diffeqsolve(term, diffrax.Tsit5(), t0=0.0, t1=1.0, dt0=0.1, y0=0.0, args=a).ys[-1]\n\nprint(jax.grad(sqrt_decay)(1.0))\n%graddag jax.grad(sqrt_decay) 1.0 --nan --max-nodes 30",
]

BEYOND = [
    "md:# Beyond Taylor polynomials: proved bands, singularities, Padé, Laurent and Puiseux\n\nA Taylor polynomial says nothing of how wrong it is, nor of what stops it. Here each question gets an answer that is proved or located, or a one-line reason why not.",
    "%load_ext jaxcalc_ext\nimport jax, jax.numpy as jnp, numpy as np\nimport jaxcalc_ext as jc",
    "md:## How wrong can $T_n$ be? A proved band\n\n`--certify` bounds $f(x) - T_n(x)$ by $[lo, hi]\\,(x - x_0)^{n+1}$ on the plotted range, with interval arithmetic over the function's own program, rounded outward so that float64 cannot make it false. The shaded bands are where $f$ must be; the dotted lines are the proved bounds on $|f - T_n|$, under the measured errors.",
    "%taylor tanh(x) --at 0.3 --order 3,7 --range -1 1.6 --certify",
    "md:The same in the library, for `tan` up to close to its pole at $\\pi/2$: the band holds as far as it could be proved, and says why it stops.",
    "band = jc.certified_remainder(jnp.tan, 0.3, 5, (-1.0, 1.8))\nprint(band)\nprint(f'f - T_5 in [{band.lo:.4g}, {band.hi:.4g}] (x - 0.3)^6 on {band.holds_on}')",
    "md:## What stops the series? Singularities located and typed\n\nFrom the Taylor coefficients alone: robust Padé (SVD) for poles, ratio fits for branch points, each with its uncertainty. The closed forms: `tan` and `tanh` have poles at $\\pm\\pi/2$ and $\\pm i\\pi/2$, `atan` branch points at $\\pm i$ (distance $\\sqrt{0.25 + 1} = 1.118$ from 0.5), $\\log$ a branch point at 0.",
    "for name, f, x0, exact in [('tan', jnp.tan, 0.0, np.pi / 2), ('tanh', jnp.tanh, 0.0, np.pi / 2),\n                           ('atan', jnp.arctan, 0.5, np.sqrt(1.25)), ('log', jnp.log, 1.0, 1.0),\n                           ('exp', jnp.exp, 0.0, np.inf)]:\n    s = jc.singularities(f, x0)\n    print(f'{name:5s} at {x0}: {s.describe()}\\n      closed form: R = {exact:.12g}')",
    "md:## Beyond the radius: the Padé approximant\n\n$T_9$ of `tan` leaves it at the radius $\\pi/2$; the robust $[10/10]$ Padé approximant from the same kind of coefficients follows `tan` across its poles, which it places.",
    "%taylor jnp.tan --at 0 --order 9 --range -4 4 --pade 10/10",
    "md:## Where Taylor stops: Laurent series at a pole\n\n$1/\\sin x$ has no Taylor series at 0. `%taylor` gives its Laurent series $\\frac{1}{x} + \\frac{x}{6} + \\frac{7x^3}{360} + \\dots$ instead, and draws its partial sums against $f$.",
    "%taylor 1/sin(x) --at 0 --order 1,3,5 --range -3 3",
    "md:## Puiseux series at a branch point, one side at a time\n\n$\\sqrt{x}\\,e^x = x^{1/2} + x^{3/2} + \\tfrac12 x^{5/2} + \\dots$ for $x > 0$; on the left it is not real, and that is said.",
    "%taylor sqrt(x)*exp(x) --at 0 --order 1,3 --range -0.5 2",
    "md:What has neither series is refused with the reason: $x^x = e^{x \\log x}$ has a $\\log x$ term at 0.",
    "try:\n    jc.laurent_series(lambda x: x**x, 0.0, 3, side='right')\nexcept jc.JaxCalcError as why:\n    print(why)",
]


if __name__ == "__main__":
    notebook("taylor.ipynb", TAYLOR)
    notebook("graphs.ipynb", GRAPHS)
    notebook("operators.ipynb", OPERATORS)
    notebook("ecosystem.ipynb", ECOSYSTEM)
    notebook("beyond_taylor.ipynb", BEYOND)
