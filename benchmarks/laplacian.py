"""Laplacian of a 3-layer tanh MLP: collapsed Taylor mode vs trace(jax.hessian), both jitted.

Target (issue 5): collapsed Taylor mode at least 2x faster than jnp.trace(jax.hessian(f)(x))
at D=64 and D=256, equal within 1e-9 relative. Both are timed in this one process: the median of
200 calls of each compiled function, in 5 interleaved rounds, keeping each one's best round
(noise from other work on the machine only ever adds time), and reported as a ratio.

Each call's result is awaited the way jaxcalc_ext's own functions await theirs
(:func:`jaxcalc_ext.core.ready.wait_briefly`: poll for up to 150 us, then block), so the time is the
program's, not the 30-40 us it takes the runtime to wake a thread sleeping in
``block_until_ready``. The speed-up with that sleeping wait is printed too:

    python benchmarks/laplacian.py [--dims 16,64,128,256] [--plot docs/laplacian.png]
"""
from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

import jaxcalc_ext as jc  # noqa: E402
from jaxcalc_ext.core.ready import wait_briefly  # noqa: E402
from _common import loglog_plot  # noqa: E402


def make_mlp(dim: int, key):
    """f: R^dim -> R, three tanh layers of width dim and a linear read-out."""
    keys = jax.random.split(key, 4)
    layers = [(jax.random.normal(k, (dim, dim)) / jnp.sqrt(dim), jnp.full(dim, 0.1)) for k in keys[:3]]
    readout = jax.random.normal(keys[3], (dim,)) / jnp.sqrt(dim)

    def f(x):
        for W, b in layers:
            x = jnp.tanh(W @ x + b)
        return readout @ x
    return f


WAITS = {"poll": lambda result: wait_briefly(result).block_until_ready(),
         "sleep": lambda result: result.block_until_ready()}


def median_time(fn, x, repeats: int, wait: str) -> float:
    await_result = WAITS[wait]
    await_result(fn(x))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await_result(fn(x))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", default="16,64,128,256")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of --repeats calls each")
    parser.add_argument("--plot", default=None)
    args = parser.parse_args(argv)
    dims = [int(d) for d in args.dims.split(",")]
    rows = []
    print(f"{'D':>5} | {'collapsed':>11} | {'trace(hessian)':>14} | {'speed-up':>8} | "
          f"{'sleeping wait: collapsed':>24} {'trace(hessian)':>14} {'speed-up':>8} | {'rel. diff':>9}")
    for dim in dims:
        f = make_mlp(dim, jax.random.key(dim))
        x = jax.random.normal(jax.random.key(1), (dim,))
        collapsed = jax.jit(lambda x, f=f: jc.laplacian(f, x, method="collapsed"))
        hessian = jax.jit(lambda x, f=f: jnp.trace(jax.hessian(f)(x)))
        ours, ref = float(collapsed(x)), float(hessian(x))
        best = {}
        for wait in WAITS:
            t_ours, t_ref = [], []
            for _ in range(args.rounds):  # interleave, so machine noise hits both alike; keep each one's best
                t_ours.append(median_time(collapsed, x, args.repeats, wait))
                t_ref.append(median_time(hessian, x, args.repeats, wait))
            best[wait] = min(t_ours), min(t_ref)
        (a, b), (a_sleep, b_sleep) = best["poll"], best["sleep"]
        rows.append((dim, a, b))
        print(f"{dim:>5} | {a * 1e6:8.0f} us | {b * 1e6:11.0f} us | {b / a:7.2f}x | "
              f"{a_sleep * 1e6:21.0f} us {b_sleep * 1e6:11.0f} us {b_sleep / a_sleep:7.2f}x | "
              f"{abs(ours - ref) / abs(ref):9.1e}")
    if args.plot:
        dims_done = [r[0] for r in rows]
        loglog_plot(args.plot, [(dims_done, [r[1] * 1e6 for r in rows], "o-", "collapsed Taylor mode"),
                                (dims_done, [r[2] * 1e6 for r in rows], "s-", "trace(jax.hessian)")],
                    "input dimension D", "time per Laplacian (us)", "Laplacian of a 3-layer tanh MLP (jitted, CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
