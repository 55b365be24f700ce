"""The Laplacian against folx's forward Laplacian, side by side in one process (issue 29 item 3).

Target: ``jax.jit(lambda x: jc.laplacian(u, x))`` at least 1.5x faster than folx's
``forward_laplacian`` (dense, ``sparsity_threshold=0``, and sparse, ``sparsity_threshold=0.6``)
for a tanh MLP D -> 256 -> 256 -> 1, at D in {16, 64, 256}, at a single point and on a batch of
B = 64 (folx mapped with ``jax.vmap``, as its documentation does), float32 and float64; with
XLA compile time and temporary memory no more than folx's.

Each program is compiled once (the compile is timed from ``jit(...).lower(x).compile()``, its
temporary buffer from XLA's ``memory_analysis()``) and called in interleaved rounds: the median
of ``--repeats`` calls per round, the best round kept (noise on a shared machine only ever adds
time), each result awaited as jaxcalc_ext awaits its own. Needs the benchmark extra
(``pip install -e '.[bench]'``: folx):

    python benchmarks/laplacian_folx.py [--dims 16,64,256] [--batches 1,64] [--repeats 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)   # float32 runs use float32 arrays explicitly

import jaxcalc_ext as jc  # noqa: E402
from jaxcalc_ext.core.ready import wait_briefly  # noqa: E402

WIDTH = 256


def make_mlp(dim: int, dtype, key):
    """u: R^dim -> R, tanh(tanh(x W1) W2) w3 with widths 256 (the issue's network)."""
    k1, k2, k3 = jax.random.split(key, 3)
    w1 = (jax.random.normal(k1, (dim, WIDTH)) / jnp.sqrt(dim)).astype(dtype)
    w2 = (jax.random.normal(k2, (WIDTH, WIDTH)) / jnp.sqrt(WIDTH)).astype(dtype)
    w3 = (jax.random.normal(k3, (WIDTH,)) / jnp.sqrt(WIDTH)).astype(dtype)
    return lambda x: jnp.tanh(jnp.tanh(x @ w1) @ w2) @ w3


def programs(u, batch: int):
    import folx

    def folx_program(threshold):
        lap = folx.forward_laplacian(u, sparsity_threshold=threshold)
        one = lambda x: lap(x).laplacian
        return jax.jit(one if batch == 1 else jax.vmap(one))

    return {"jaxcalc_ext": jax.jit(lambda x: jc.laplacian(u, x)),
            "folx dense": folx_program(0),
            "folx sparse": folx_program(0.6)}


def compiled_stats(fn, x) -> tuple[object, float, int]:
    start = time.perf_counter()
    compiled = fn.lower(x).compile()
    seconds = time.perf_counter() - start
    memory = compiled.memory_analysis()
    return compiled, seconds, int(getattr(memory, "temp_size_in_bytes", 0) or 0)


def median_call(fn, x, repeats: int) -> float:
    wait_briefly(fn(x)).block_until_ready()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        wait_briefly(fn(x)).block_until_ready()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(dim: int, batch: int, dtype, repeats: int, rounds: int) -> dict:
    u = make_mlp(dim, dtype, jax.random.key(dim))
    shape = (dim,) if batch == 1 else (batch, dim)
    x = jax.random.normal(jax.random.key(1), shape).astype(dtype)
    rows = {}
    for name, fn in programs(u, batch).items():
        compiled, seconds, temp = compiled_stats(fn, x)
        rows[name] = {"fn": compiled, "compile": seconds, "temp": temp, "times": []}
    values = {name: jnp.asarray(row["fn"](x)) for name, row in rows.items()}
    for _ in range(rounds):   # interleaved: noise on the machine hits every program alike
        for row in rows.values():
            row["times"].append(median_call(row["fn"], x, repeats))
    ref = values["folx dense"]
    diff = max(float(jnp.max(jnp.abs(v - ref) / (jnp.abs(ref) + 1e-30))) for v in values.values())
    return {name: {"time": min(row["times"]), "compile": row["compile"], "temp": row["temp"]}
            for name, row in rows.items()} | {"rel_diff": diff}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", default="16,64,256")
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'dtype':>7} {'D':>4} {'B':>3} | {'ours':>9} {'dense':>9} {'sparse':>9} | {'x dense':>7} {'x sparse':>8} | "
          f"{'compile ours/dense/sparse (s)':>29} | {'temp ours/dense/sparse (kB)':>27} | rel. diff")
    worst = float("inf")
    for dtype_name in args.dtypes.split(","):
        dtype = jnp.dtype(dtype_name)
        for dim in (int(d) for d in args.dims.split(",")):
            for batch in (int(b) for b in args.batches.split(",")):
                r = measure(dim, batch, dtype, args.repeats if batch == 1 else max(20, args.repeats // 10), args.rounds)
                ours, dense, sparse = r["jaxcalc_ext"], r["folx dense"], r["folx sparse"]
                x_dense, x_sparse = dense["time"] / ours["time"], sparse["time"] / ours["time"]
                worst = min(worst, x_dense, x_sparse)
                print(f"{dtype_name:>7} {dim:>4} {batch:>3} | {ours['time'] * 1e3:7.3f}ms {dense['time'] * 1e3:7.3f}ms "
                      f"{sparse['time'] * 1e3:7.3f}ms | {x_dense:6.2f}x {x_sparse:7.2f}x | "
                      f"{ours['compile']:9.2f} {dense['compile']:9.2f} {sparse['compile']:9.2f} | "
                      f"{ours['temp'] / 1e3:8.0f} {dense['temp'] / 1e3:8.0f} {sparse['temp'] / 1e3:8.0f} | "
                      f"{r['rel_diff']:.1e}", flush=True)
    print(f"slowest speed-up over folx: {worst:.2f}x (target 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
