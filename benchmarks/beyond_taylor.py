"""Issue 27's two tables: the certified band's tightness against AutoBound, and the location of
singularities against SciPy's plain Padé.

1. Band tightness. For each function of ``tests/taylor/band_catalogue.py`` at its x0, degrees
   n = 2, 4, 8 and half-widths h = 0.1, 0.5, 1 with h <= R/2 (R its radius, or the edge of its
   domain): the width of ``[lo, hi]`` in ``f(x) in T_n(x) + [lo, hi] (x - x0)^(n+1)`` over the
   true range of ``(f - T_n) / (x - x0)^(n+1)`` (mpmath on a dense grid), for
   ``jc.certified_remainder`` and for Google's AutoBound (``autobound.jax.taylor_bounds``, which
   needs jax 0.4.23: it runs in its own venv, ``benchmarks/.venv-autobound``, created on the first
   run from the package index). A band that misses part of the true range is marked UNSOUND.
2. Singularities. The relative error of the distance to the nearest singularity from K = 20 and
   K = 30 Taylor coefficients: ``jc.singularities`` against the nearest pole of
   ``scipy.interpolate.pade`` ([K/2 / K/2]), and the closed form.

    python benchmarks/beyond_taylor.py [--points 401] [--no-autobound]
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CATALOGUE = HERE.parent / "tests" / "taylor"
sys.path.insert(0, str(CATALOGUE))

AUTOBOUND_VENV = HERE / ".venv-autobound"
AUTOBOUND_PACKAGES = ["jax==0.4.23", "jaxlib==0.4.23", "numpy<2", "scipy<1.13", "autobound", "mpmath",
                      "typing_extensions"]
DEGREES = (2, 4, 8)
HALF_WIDTHS = (0.1, 0.5, 1.0)


def autobound_python() -> pathlib.Path | None:
    """The venv's python, made on first use; None when it cannot be made."""
    python = AUTOBOUND_VENV / "bin" / "python"
    if python.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(AUTOBOUND_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *AUTOBOUND_PACKAGES], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"AutoBound not measured: its venv could not be made ({error})")
        return None
    return python


def autobound_bounds(cases: list[dict]) -> list:
    python = autobound_python()
    if python is None:
        return ["not run"] * len(cases)
    out = subprocess.run([str(python), str(HERE / "_autobound_child.py"), str(CATALOGUE)],
                         input=json.dumps(cases), capture_output=True, text=True, timeout=3600)
    if out.returncode:
        print("AutoBound failed:", out.stderr[-400:])
        return ["failed"] * len(cases)
    return json.loads(out.stdout.strip().splitlines()[-1])


def band_table(points: int, with_autobound: bool) -> None:
    import jaxcalc_ext as jc
    from band_catalogue import FUNCTIONS, true_range

    cases = [{"name": name, "x0": x0, "degree": n, "h": h}
             for name, (_, _, x0, reach) in FUNCTIONS.items()
             for n in DEGREES for h in HALF_WIDTHS if h <= reach / 2]
    theirs = autobound_bounds(cases) if with_autobound else ["not run"] * len(cases)
    ours_factors, their_factors, rows, seconds = [], [], [], []
    unsound = {"ours": 0, "AutoBound": 0, "AutoBound beyond rounding": 0}
    for case, their in zip(cases, theirs):
        f, fm, x0, _ = FUNCTIONS[case["name"]]
        n, h = case["degree"], case["h"]
        start = time.perf_counter()
        band = jc.certified_remainder(f, x0, n, h)
        seconds.append(time.perf_counter() - start)
        lo, hi = true_range(fm, x0, n, band.holds_on, points)
        width = hi - lo
        scale = max(abs(lo), abs(hi), 1e-300)
        exact = width <= 1e-12 * scale           # a polynomial: the remainder ratio is a constant
        ours = (band.hi - band.lo) / width if not exact else math.nan
        if band.lo > lo or band.hi < hi:
            unsound["ours"] += 1
        ours_text = (f"{ours:.3g}" if not exact else f"width {band.hi - band.lo:.0e} (exact: 0)") + \
            ("" if band.complete else " (part)")
        if band.complete and not exact:
            ours_factors.append(ours)
        if isinstance(their, list):
            a_lo, a_hi = their
            t_lo, t_hi = true_range(fm, x0, n, (x0 - h, x0 + h), points) if not band.complete else (lo, hi)
            factor = (a_hi - a_lo) / (t_hi - t_lo) if not exact else math.nan
            miss = max(a_lo - t_lo, t_hi - a_hi, 0.0) / max(abs(t_lo), abs(t_hi), 1e-300)
            # no outward rounding: a miss of a few ulps is a real miss, but said as what it is
            kind = "" if miss == 0 else (f" misses by {miss:.0e} (rounding)" if miss < 1e-12 else f" UNSOUND by {miss:.1e}")
            unsound["AutoBound"] += miss > 0
            unsound["AutoBound beyond rounding"] += miss >= 1e-12
            their_text = (f"{factor:.3g}" if not exact else f"width {a_hi - a_lo:.0e} (exact: 0)") + kind
            if miss == 0 and math.isfinite(factor):
                their_factors.append(factor)
        else:
            their_text = their
        rows.append(f"| {case['name']} | {n} | {h:g} | {ours_text} | {their_text} |")
    print("| f | n | h | ours | AutoBound |\n|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nours: {len(ours_factors)} complete bands, median factor {statistics.median(ours_factors):.3f}, "
          f"worst {max(ours_factors):.3f}; misses of the true range: {unsound['ours']}; "
          f"median {statistics.median(seconds):.2f} s per band")
    if their_factors:
        print(f"AutoBound: {len(their_factors)} sound finite answers of {len(cases)}, median factor "
              f"{statistics.median(their_factors):.3f}, worst {max(their_factors):.3g}; "
              f"misses of the true range: {unsound['AutoBound']} "
              f"({unsound['AutoBound beyond rounding']} beyond rounding); "
              f"answered {sum(isinstance(t, list) for t in theirs)} of {len(cases)}")


SINGULAR = [  # name, f, x0, closed-form distance to the nearest singularity
    ("tan at 0", "jnp.tan", 0.0, math.pi / 2),
    ("1/(1+x^2) at 0", "lambda x: 1 / (1 + x ** 2)", 0.0, 1.0),
    ("1/(1+25x^2) at 0", "lambda x: 1 / (1 + 25 * x ** 2)", 0.0, 0.2),
    ("log x at 1", "jnp.log", 1.0, 1.0),
    ("sqrt(1+x) at 0", "lambda x: jnp.sqrt(1 + x)", 0.0, 1.0),
    ("(1-x)^(1/3) at 0", "lambda x: jnp.cbrt(1 - x)", 0.0, 1.0),
    ("e^x/(1-x) at 0", "lambda x: jnp.exp(x) / (1 - x)", 0.0, 1.0),
    ("atan at 0.5", "jnp.arctan", 0.5, math.sqrt(1.25)),
    ("tanh at 0", "jnp.tanh", 0.0, math.pi / 2),
]


def singularity_table() -> None:
    import jax.numpy as jnp
    import jaxcalc_ext as jc
    from scipy.interpolate import pade

    print("\n| f at x0 | K | scipy pade | jc.singularities |\n|---|---|---|---|")
    for name, source, x0, exact in SINGULAR:
        f = eval(source, {"jnp": jnp})
        for order in (20, 30):
            with jc.float64_scope():
                c = np.asarray(jc.taylor_coefficients(f, x0, order), dtype=float)
            try:
                _, q = pade(c, order // 2)
                poles = np.roots(q.coeffs)
                theirs = abs(np.min(np.abs(poles)) - exact) / exact if poles.size else math.inf
                theirs_text = f"{theirs:.1g}"
            except Exception as error:               # noqa: BLE001 (a failure is a result)
                theirs_text = type(error).__name__
            ours = jc.singularities(f, x0, order)
            print(f"| {name} | {order} | {theirs_text} | {abs(ours.distance - exact) / exact:.1g} ({ours.kind}) |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=401, help="grid points for the true remainder range")
    parser.add_argument("--no-autobound", action="store_true")
    args = parser.parse_args()
    band_table(args.points, not args.no_autobound)
    singularity_table()


if __name__ == "__main__":
    main()
