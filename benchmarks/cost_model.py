"""How close the cost estimates are to what a request costs (issues 25 and 26): for programs from
10 to 100,000 equations and from scalars to gigabyte arrays, the estimate every request is checked
against before it runs, beside the time and peak memory measured in a fresh process.

    python benchmarks/cost_model.py            # every case (about 15 minutes)
    python benchmarks/cost_model.py --quick    # the small ones

The ratio is measured / estimated: within 1/3 .. 3 is the target. Time excludes tracing (the
program must be traced to be estimated); memory is the growth of the process's peak resident
size during the request (XLA's compile included), in a process that has already made one small
request (XLA's own working set, about 60 MB, is paid once per process, not per request).
"""
from __future__ import annotations

import sys

from _common import run_child

TAYLOR = r"""
import json, resource, sys, time
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
from jaxcalc_ext.core.budget import limits
from jaxcalc_ext.core.tracing import trace_function
from jaxcalc_ext.taylor.engine.cost import taylor_pass_cost
from jaxcalc_ext.taylor.polynomial import taylor_polynomial, expansion_request
kind, n, order = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if kind == "chain":
    def f(x):
        for i in range(n):
            x = [jnp.sin, jnp.tanh, jnp.exp][i % 3](x) * 0.5
        return x
else:   # an elementwise function of a constant array of n elements
    big = jnp.linspace(0.0, 1.0, n)
    def f(x):
        return jnp.sum(jnp.tanh(big * x) * jnp.sin(x + big))
taylor_polynomial(lambda x: jnp.sin(x) * 1.5, 0.2, 2)   # XLA's working set: the process's, paid once
start = time.perf_counter()
request = expansion_request(f, 0.3)
traced = time.perf_counter()
estimate = taylor_pass_cost(request.traced.jaxpr, order, 5)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with limits(memory_bytes=20e9, seconds=3600):
    taylor_polynomial(f, 0.3, order, request=request)
end = time.perf_counter()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss
print(json.dumps({"equations": len(request.traced.jaxpr.eqns), "seconds": end - traced, "trace": traced - start,
                  "bytes": grown, "est_seconds": estimate.seconds, "est_bytes": estimate.memory_bytes}))
"""

GRAPH = r"""
import json, resource, sys, time
import jax, jax.numpy as jnp
from jaxcalc_ext.core.budget import limits
from jaxcalc_ext.core.tracing import trace
from jaxcalc_ext.graph import build
from jaxcalc_ext.graph.cost import graph_cost
kind, n = sys.argv[1], int(sys.argv[2])
values, adjoints = "v" in sys.argv[3], "g" in sys.argv[3]
if kind == "chain":
    def f(x):
        for _ in range(n):
            x = jnp.sin(x) * 0.9 + 0.1
        return x
    arg = 1.0
elif kind == "matmul":
    def f(v):
        return jnp.sum(jnp.tanh(v @ v))
    arg = jnp.ones((n, n)) / n
else:
    def f(v):
        return jnp.sum(jnp.sin(v) * jnp.cos(v))
    arg = jnp.ones(n)
build.computation_graph(lambda x: jnp.sin(x) * 2.0, 1.0, values=True, adjoints=True).svg()   # warm
start = time.perf_counter()
closed, _, _ = trace(f, arg)
estimate = graph_cost(closed.jaxpr, values=values, adjoints=adjoints, max_nodes=60)
traced = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with limits(memory_bytes=20e9, seconds=3600):
    g = build.computation_graph(f, arg, values=values, adjoints=adjoints)
    g.svg()
end = time.perf_counter()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss
print(json.dumps({"equations": len(closed.jaxpr.eqns), "seconds": end - start, "bytes": grown,
                  "est_seconds": estimate.seconds, "est_bytes": estimate.memory_bytes}))
"""

TAYLOR_CASES = [("chain", 5, 8), ("chain", 50, 8), ("chain", 500, 8), ("chain", 5000, 8), ("chain", 50000, 5),
                ("array", 10 ** 4, 8), ("array", 10 ** 6, 8), ("array", 10 ** 7, 4)]
GRAPH_CASES = [("chain", 3, "vg"), ("chain", 30, "vg"), ("chain", 300, "vg"), ("chain", 3000, "vg"),
               ("chain", 30000, "v"), ("chain", 30000, "x"), ("matmul", 1000, "vg"), ("matmul", 3000, "vg"),
               ("vector", 10 ** 6, "vg"), ("vector", 10 ** 8, "vg")]


def _row(name: str, result: dict | None) -> tuple | None:
    if result is None:
        print(f"| {name} | timed out | | | |")
        return None
    t_ratio = result["seconds"] / max(result["est_seconds"], 1e-3)
    m_ratio = result["bytes"] / max(result["est_bytes"], 1.0)
    memory = (f"{result['bytes'] / 1e6:.0f} MB / {result['est_bytes'] / 1e6:.0f} MB = {m_ratio:.2f}"
              if result["bytes"] > 50e6 or result["est_bytes"] > 50e6 else "under 50 MB")
    print(f"| {name} | {result['equations']:,} | {result['seconds']:.2f} s / {result['est_seconds']:.2f} s = "
          f"{t_ratio:.2f} | {memory} |")
    return t_ratio, m_ratio


def main() -> None:
    quick = "--quick" in sys.argv
    print("## %taylor (taylor_polynomial at 0.3: measured / estimated)\n")
    print("| program | equations | time | memory |\n|---|---|---|---|")
    for kind, n, order in TAYLOR_CASES[:4] if quick else TAYLOR_CASES:
        _row(f"{kind} {n:,}, order {order}", run_child(TAYLOR, [kind, str(n), str(order)], timeout=1800))
    print("\n## %graddag (computation_graph and its picture: measured / estimated)\n")
    print("| program | equations | time | memory |\n|---|---|---|---|")
    for kind, n, what in GRAPH_CASES[:4] if quick else GRAPH_CASES:
        label = {"vg": "values and adjoints", "v": "values", "x": "structure"}[what]
        _row(f"{kind} {n:,}, {label}", run_child(GRAPH, [kind, str(n), what], timeout=1800))


if __name__ == "__main__":
    main()
