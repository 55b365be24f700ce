"""Write the example notebooks (unexecuted) from the cell sources below: `python tools/make_notebooks.py`."""
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
    "%taylor sin(w1) --vars w1,w2 --at 0.5,0.5 --order 1,2 --range -2 3 --surface",
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
    "md:Expanded one level, each layer call is a cluster with its equations inside:",
    "%graddag mlp params[:3], x --depth 1 --values --grads",
]

if __name__ == "__main__":
    notebook("taylor.ipynb", TAYLOR)
    notebook("graphs.ipynb", GRAPHS)
