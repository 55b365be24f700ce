"""Input-to-redraw latency of the live Taylor view, measured in JupyterLab in headless chromium.

A slider is dragged at the pace of pointer events (one move per 16 ms, a 60 Hz mouse) across
its track, several times; the page records, for each frame drawn, the time from the input event
that asked for it to the next animation frame after drawing (so waiting behind an in-flight
request counts), and the kernel's own time per update. Target (issue 12): median <= 50 ms,
p95 <= 100 ms at order <= 20 in one variable; kernel <= 10 ms per update.

    python benchmarks/live_latency.py [--sweeps 4]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
from browser_lab import lab, open_notebook, run_all, why_no_browser, write_notebook  # noqa: E402

CELLS = ["%load_ext jaxcalc_ext", "%taylor tan(x) --at 0 --order 12 --live --range -1.5 1.5"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=4)
    parser.add_argument("--without-nodelay", action="store_true",
                        help="serve without jaxcalc_ext.hooks.server (Nagle's algorithm on, as plain Jupyter does)")
    args = parser.parse_args(argv)
    missing = why_no_browser()
    if missing:
        print(f"cannot measure: {missing}")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        write_notebook(root / "live.ipynb", CELLS)
        with lab(root, nodelay=not args.without_nodelay) as (server, browser):
            page = open_notebook(browser, server, "live.ipynb")
            run_all(page)
            page.wait_for_selector(".jaxcalc-live[data-order]", timeout=60_000)
            time.sleep(4.0)  # the optimised program compiles in the background meanwhile
            box = page.query_selector(".jaxcalc-live-center-0").bounding_box()
            y = box["y"] + box["height"] / 2
            for sweep in range(args.sweeps):
                xs = np.linspace(box["x"] + 4, box["x"] + box["width"] - 4, 90)
                xs = xs if sweep % 2 == 0 else xs[::-1]
                page.mouse.move(xs[0], y)
                page.mouse.down()
                for x in xs[1:]:
                    page.mouse.move(float(x), y)
                    page.wait_for_timeout(16)
                page.mouse.up()
                page.wait_for_timeout(300)
            view = page.query_selector(".jaxcalc-live")
            latencies = np.array(json.loads(view.get_attribute("data-latencies"))[1:])
            kernel = np.array(json.loads(view.get_attribute("data-kernel"))[1:])
            trips = np.array(json.loads(view.get_attribute("data-trips"))[1:])
    print(f"frames drawn: {len(latencies)} for {args.sweeps * 89} input events (stale ones dropped)")
    print(f"input to redraw: median {np.median(latencies):.1f} ms, p95 {np.percentile(latencies, 95):.1f} ms "
          f"(targets 50 / 100 ms)")
    print(f"kernel per update: median {np.median(kernel):.2f} ms, p95 {np.percentile(kernel, 95):.2f} ms "
          f"(target 10 ms)")
    print(f"request to reply: median {np.median(trips[:, 0]):.1f} ms; drawing: median {np.median(trips[:, 1]):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
