"""A steady library call against tracing the same function, in one process (issue 22).

Every jaxcalc_ext call traces the user's function afresh (so a changed global, closure cell or
attribute is seen: never a stale program) and runs its compiled program. Measured as ratios
against two baselines, interleaved in rounds, each the best round's median of many calls:

* ``jax.make_jaxpr(f)(x)`` of the same function object: JAX caches this trace on the function's
  identity, so it does not re-run f (and returns a stale program after ``a = 3.0``; the script
  shows it);
* ``jax.make_jaxpr(lambda y: f(y))(x)``: the same trace without that cache, which is the work a
  never-stale call must do.

    python benchmarks/steady_call.py [--rounds 5] [--calls 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

import jaxcalc_ext as jc  # noqa: E402
from laplacian import make_mlp  # noqa: E402  (the 3-layer tanh MLP of benchmarks/laplacian.py)


def median_us(fn, calls: int) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    f = lambda x: jnp.sin(x) + jnp.cos(x) * jnp.exp(-x ** 2 / 4) + jnp.tanh(x)  # noqa: E731
    u = make_mlp(16, jax.random.key(0))
    x0, v0 = np.float64(0.5), jnp.ones(16)
    cases = {
        "taylor_coefficients(f, 0.5, 10)": (lambda: jc.taylor_coefficients(f, 0.5, 10), f, x0),
        "laplacian(mlp, x), d = 16": (lambda: jc.laplacian(u, v0), u, v0),
    }
    for name, (call, fn, x) in cases.items():
        for _ in range(30):
            call()          # compiled, promoted to the optimised tier
        jc_best, cached_best, fresh_best = [], [], []
        for _ in range(args.rounds):
            jc_best.append(median_us(call, args.calls))
            cached_best.append(median_us(lambda: jax.make_jaxpr(fn)(x), args.calls))
            fresh_best.append(median_us(lambda: jax.make_jaxpr(lambda y: fn(y))(x), args.calls))
        ours, cached, fresh = min(jc_best), min(cached_best), min(fresh_best)
        print(f"{name}: {ours:.0f} us; make_jaxpr cached {cached:.0f} us ({ours / cached:.2f}x), "
              f"uncached {fresh:.0f} us ({ours / fresh:.2f}x)")

    a = [1.0]
    g = lambda x: jnp.sin(x) * a[0]  # noqa: E731
    before = str(jax.make_jaxpr(g)(x0))
    a[0] = 3.0
    stale = str(jax.make_jaxpr(g)(x0)) == before
    fresh_value = float(jc.taylor_coefficients(g, 0.5, 1)[0])
    print(f"after a[0] = 3.0, make_jaxpr(g) is {'the stale program' if stale else 'updated'}; "
          f"jaxcalc_ext sees 3 sin(0.5) = {fresh_value:.6f}")


if __name__ == "__main__":
    main()
