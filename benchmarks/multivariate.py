"""First call of a full multivariate Taylor polynomial: 3 variables, total degree 8 (165 monomials).

Target (issue 5): first call <= 0.5 s. Each first call runs in a fresh process after JAX's
backend is warmed by a trivial op; also shown with scipy.linalg already imported (JAX's first
LAPACK lowering imports it once per process). The baseline in the same run is the textbook
construction: nested ``jax.jacfwd`` derivative tensors D^0..D^K, each jitted.

    python benchmarks/multivariate.py [--degree 8] [--timeout 120]
"""
from __future__ import annotations

import argparse
import sys

from _common import run_child

FUNCTION = "lambda x, y, z: jnp.exp(x) * jnp.sin(y) + jnp.cos(x * z) + y**3 * z"
CHILD = r"""
import json, sys, time
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
jnp.zeros(1).block_until_ready()
if "--lapack-loaded" in sys.argv:
    import scipy.linalg
import jaxcalc_ext as jc
f = {function}
degree = int(sys.argv[2])
x0 = (0.3, -0.2, 0.5)
t0 = time.perf_counter()
if sys.argv[1] == "taylor":
    p = jc.taylor_polynomial(f, x0, degree)
    size = len(p.exponents)
else:
    g = lambda v: f(v[0], v[1], v[2])
    tensors, h = [], g
    for k in range(degree + 1):
        tensors.append(jax.jit(h)(jnp.asarray(x0)).block_until_ready())
        h = jax.jacfwd(h)
    size = sum(t.size for t in tensors)
first = time.perf_counter() - t0
print(json.dumps({{"first": first, "size": size}}))
"""


def measure(method: str, degree: int, timeout: float, lapack_loaded: bool = False):
    extra = ["--lapack-loaded"] if lapack_loaded else []
    return run_child(CHILD.format(function=FUNCTION), [method, str(degree), *extra], timeout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--degree", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    print(f"f = {FUNCTION} at (0.3, -0.2, 0.5), degree {args.degree}, float64, first call in a fresh process")
    ours = measure("taylor", args.degree, args.timeout)
    warm = measure("taylor", args.degree, args.timeout, lapack_loaded=True)
    base = measure("jacfwd", args.degree, args.timeout)
    print(f"  taylor_polynomial (lattice directions + interpolation): {ours['first']:.3f} s "
          f"({ours['size']} coefficients); with LAPACK loaded: {warm['first']:.3f} s (target <= 0.5 s)")
    if base:
        print(f"  nested jax.jacfwd tensors D^0..D^{args.degree}: {base['first']:.3f} s ({base['size']} entries); "
              f"ratio ours/jacfwd = {ours['first'] / base['first']:.3f}")
    else:
        print(f"  nested jax.jacfwd tensors D^0..D^{args.degree}: more than {args.timeout:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
