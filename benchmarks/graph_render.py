"""How long does the annotated gradient graph of a 12-layer MLP take to build and render?

Target (issue 3): the gradient of a 12-layer MLP (several hundred equations) renders to SVG in
under 5 s. Reported next to a baseline measured in the same process, the render of a
5-node graph, so the figure reads as a ratio on a noisy shared machine:

    python benchmarks/graph_render.py
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp

import jaxcalc_ext as jc
from jaxcalc_ext.jaxpr_tools import count_equations


def mlp(params, x):
    for W, b in params:
        h = jax.nn.gelu(W @ x + b, approximate=True)
        x = (h - jnp.mean(h)) / jnp.sqrt(jnp.var(h) + 1e-5)  # layer norm
    return jnp.sum(x ** 2)


def main() -> None:
    keys = jax.random.split(jax.random.key(0), 12)
    params = [(jax.random.normal(k, (32, 32)) / 6, jnp.zeros(32)) for k in keys]
    x = jnp.ones(32)
    grad = jax.grad(mlp)
    equations = count_equations(jax.make_jaxpr(grad)(params, x).jaxpr)

    t0 = time.perf_counter()
    small = jc.computation_graph(lambda w: jnp.tanh(w) * jnp.cos(w) + jnp.log(w), 1.5, values=True)
    small.render("svg")
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    graph = jc.computation_graph(grad, params, x, values=True, fold=False, max_nodes=2000)  # every equation
    built = time.perf_counter() - t0
    svg = graph.render("svg", timeout=60)
    total = time.perf_counter() - t0
    print(f"gradient of a 12-layer MLP: {equations} equations, {len(graph.nodes)} nodes, {len(svg) / 1e3:.0f} kB SVG")
    print(f"  build (trace + forward values): {built:.2f} s")
    print(f"  build + render to SVG:          {total:.2f} s  (target < 5 s)")
    print(f"  baseline, 5-node graph:         {baseline:.2f} s  -> ratio {total / baseline:.1f}x")


if __name__ == "__main__":
    main()
