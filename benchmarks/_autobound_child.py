"""Run in a venv with AutoBound (jax 0.4.23): read cases as JSON on stdin, write AutoBound's
degree-(n+1) interval coefficient for each (or the error it raised) as JSON on stdout."""
import json
import sys

import jax

jax.config.update("jax_enable_x64", True)
sys.path.insert(0, sys.argv[1])                       # tests/taylor: the function catalogue
import autobound.jax as ab                            # noqa: E402
from band_catalogue import FUNCTIONS                  # noqa: E402

out = []
for case in json.loads(sys.stdin.read()):
    f = FUNCTIONS[case["name"]][0]
    x0, n, h = case["x0"], case["degree"], case["h"]
    try:
        bounds = ab.taylor_bounds(f, n + 1)(x0, (x0 - h, x0 + h))
        lo, hi = bounds.coefficients[-1]
        out.append([float(lo), float(hi)])
    except Exception as error:                        # noqa: BLE001 (a refusal is a result)
        out.append(f"{type(error).__name__}: {str(error)[:60]}")
print(json.dumps(out))
