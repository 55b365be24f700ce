"""The inline loop a user feels: cell time and saved-output size of ``%taylor`` against the same
curves drawn by hand with matplotlib, in one real Jupyter kernel (alternating runs, medians).

Targets (issue 12): warm ``%taylor`` cell <= 1.3x the hand-made plot; saved output <= 1.2x its
size; a two-variable ``--surface`` cell <= 250 KB; the first ``%taylor`` after ``%load_ext`` in a
fresh kernel <= 1.5 s (measured after a short pause, as a user types the next cell, and also
with no pause at all).

    python benchmarks/inline_loop.py [--runs 7] [--fresh 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

TAYLOR = "%taylor sin(x) + cos(x) --at {c} --order 1,2,5,10 --range -4 4"
BY_HAND = """\
c = {c}
xs = np.linspace(-4, 4, 400)
f = np.sin(xs) + np.cos(xs)
fig, (top, bottom) = plt.subplots(2, 1, sharex=True, height_ratios=[2, 1])
top.plot(xs, f, 'k', lw=2.5, label='$f$')
for n in (1, 2, 5, 10):
    # derivatives of sin + cos cycle with period 4: (sin+cos)^(k)(c) = sqrt(2) sin(c + pi/4 + k pi/2)
    coeffs = [np.sqrt(2) * np.sin(c + np.pi / 4 + k * np.pi / 2) / math.factorial(k) for k in range(n + 1)]
    t = sum(a * (xs - c) ** k for k, a in enumerate(coeffs))
    top.plot(xs, t, '--', label=f'$T_{{{{{{n}}}}}}$')
    bottom.semilogy(xs, np.abs(f - t) + 1e-300, label=f'$|f - T_{{{{{{n}}}}}}|$')
top.set_ylim(-2.5, 2.5); top.legend(fontsize=8); bottom.legend(fontsize=8)
plt.show()
"""
# Issue 29's baseline: the same figure by hand with JAX, each derivative a jitted jax.grad.
BY_HAND_JAX = """\
c = {c}
xs = np.linspace(-4, 4, 400)
g = lambda x: jnp.sin(x) + jnp.cos(x)
fx = np.asarray(jax.vmap(g)(xs))
derivatives = [g]
for _ in range(10):
    derivatives.append(jax.grad(derivatives[-1]))
values = [float(d(c)) for d in jitted]
fig, (top, bottom) = plt.subplots(2, 1, sharex=True, height_ratios=[2, 1])
top.plot(xs, fx, 'k', lw=2.5, label='$f$')
for n in (1, 2, 5, 10):
    t = sum(values[k] / math.factorial(k) * (xs - c) ** k for k in range(n + 1))
    top.plot(xs, t, '--', label=f'$T_{{{{{{n}}}}}}$')
    bottom.semilogy(xs, np.abs(fx - t) + 1e-300, label=f'$|f - T_{{{{{{n}}}}}}|$')
top.set_ylim(-2.5, 2.5); top.legend(fontsize=8); bottom.legend(fontsize=8)
plt.show()
"""
JAX_SETUP = ("import math, numpy as np, matplotlib.pyplot as plt, jax, jax.numpy as jnp\n"
             "jax.config.update('jax_enable_x64', True)\n"
             "g0 = lambda x: jnp.sin(x) + jnp.cos(x)\nds = [g0]\n"
             "for _ in range(10):\n    ds.append(jax.grad(ds[-1]))\njitted = [jax.jit(d) for d in ds]")
FIRST_BY_HAND = ("import math, time\nimport numpy as np, matplotlib.pyplot as plt, jax, jax.numpy as jnp\n"
                 "jax.config.update('jax_enable_x64', True)\n"
                 "g0 = lambda x: jnp.sin(x) + jnp.cos(x)\nds = [g0]\n"
                 "for _ in range(10):\n    ds.append(jax.grad(ds[-1]))\njitted = [jax.jit(d) for d in ds]\n"
                 + BY_HAND_JAX.format(c=0.0))
SETUP = "import math, numpy as np, matplotlib.pyplot as plt\n%load_ext jaxcalc_ext"
SURFACE = "%taylor sin(x)*cos(y) --at 0.3,0.2 --order 2,4 --surface"


def run(client, code: str, timeout: float = 300) -> tuple[float, list[dict]]:
    """Execute ``code``; return the wall time to idle and the outputs as nbformat would save them."""
    start = time.perf_counter()
    msg_id = client.execute(code)
    outputs = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind in ("display_data", "execute_result"):
            outputs.append({"output_type": kind, "data": content["data"], "metadata": content["metadata"]})
        elif kind == "stream":
            outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
        elif kind == "error":
            raise RuntimeError(f"{code!r} failed: {content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return time.perf_counter() - start, outputs


def saved_bytes(outputs: list[dict]) -> int:
    return len(json.dumps(outputs, indent=1).encode())


def warm_loop(runs: int) -> dict:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        run(client, SETUP)
        run(client, TAYLOR.format(c=0.0))  # compile once
        run(client, BY_HAND.format(c=0.0))
        run(client, JAX_SETUP)
        run(client, BY_HAND_JAX.format(c=0.0))
        taylor_t, hand_t, taylor_b, hand_b, jax_t = [], [], [], [], []
        for i in range(runs):
            c = 0.1 * (i + 1)  # a new centre each time, as a user would try
            t, out = run(client, TAYLOR.format(c=c))
            taylor_t.append(t), taylor_b.append(saved_bytes(out))
            t, out = run(client, BY_HAND.format(c=c))
            hand_t.append(t), hand_b.append(saved_bytes(out))
            jax_t.append(run(client, BY_HAND_JAX.format(c=c))[0])
        run(client, SURFACE)
        surface_b = saved_bytes(run(client, SURFACE)[1])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return {"taylor_s": statistics.median(taylor_t), "hand_s": statistics.median(hand_t),
            "jax_s": statistics.median(jax_t),
            "taylor_kb": statistics.median(taylor_b) / 1e3, "hand_kb": statistics.median(hand_b) / 1e3,
            "surface_kb": surface_b / 1e3}


def first_taylor(pause: float) -> float:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        run(client, "%load_ext jaxcalc_ext")
        time.sleep(pause)
        return run(client, TAYLOR.format(c=0.0))[0]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def first_by_hand() -> float:
    """A fresh kernel: import JAX and pyplot, jit the derivatives and draw the figure by hand."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        return run(client, FIRST_BY_HAND)[0]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def load_ext_seconds() -> float:
    """How long %load_ext takes to return in a fresh kernel."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        return run(client, "%load_ext jaxcalc_ext")[0]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def first_picture() -> float:
    """A fresh kernel: %load_ext, then the first %taylor figure, in one go (no pause)."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        start = time.perf_counter()
        run(client, "%load_ext jaxcalc_ext")
        run(client, TAYLOR.format(c=0.0))
        return time.perf_counter() - start
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", type=int, default=3)
    args = parser.parse_args(argv)
    warm = warm_loop(args.runs)
    paused = statistics.median(first_taylor(3.0) for _ in range(args.fresh))
    at_once = statistics.median(first_taylor(0.0) for _ in range(args.fresh))
    load = statistics.median(load_ext_seconds() for _ in range(args.fresh))
    ours_first = statistics.median(first_picture() for _ in range(args.fresh))
    hand_first = statistics.median(first_by_hand() for _ in range(args.fresh))
    print(f"issue 29: %load_ext returns in {load * 1e3:.0f} ms (target <= 100 ms)")
    print(f"issue 29: %load_ext to first figure {ours_first:.2f} s; by hand with jitted jax.grad (imports "
          f"included) {hand_first:.2f} s: ratio {ours_first / hand_first:.2f} (target <= 0.7)")
    print(f"issue 29: repeated %taylor {warm['taylor_s']:.3f} s; by hand with jitted jax.grad "
          f"{warm['jax_s']:.3f} s: ratio {warm['taylor_s'] / warm['jax_s']:.2f} (target <= 1.2)")
    time_ratio = warm["taylor_s"] / warm["hand_s"]
    size_ratio = warm["taylor_kb"] / warm["hand_kb"]
    print(f"warm cell:   %taylor {warm['taylor_s']:.3f} s, by hand {warm['hand_s']:.3f} s, "
          f"ratio {time_ratio:.2f} (target <= 1.3)")
    print(f"saved size:  %taylor {warm['taylor_kb']:.0f} KB, by hand {warm['hand_kb']:.0f} KB, "
          f"ratio {size_ratio:.2f} (target <= 1.2)")
    print(f"--surface:   {warm['surface_kb']:.0f} KB (target <= 250 KB)")
    print(f"first %taylor after %load_ext: {paused:.2f} s after a 3 s pause (target <= 1.5 s), "
          f"{at_once:.2f} s with no pause")
    met = time_ratio <= 1.3 and size_ratio <= 1.2 and warm["surface_kb"] <= 250 and paused <= 1.5
    print("targets met" if met else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
