"""Wait for a small result by polling it for a moment, not by sleeping on it.

JAX's CPU runtime hands a compiled program to a worker thread and returns at once. A caller
that then reads the result (``block_until_ready``, ``np.asarray``, ``float``) goes to sleep and
is woken when the result is written. On a virtual machine that wake-up costs about 30 to 40 us:
more than our whole order-50 Taylor program, which runs in under 20 us. So the functions that
answer interactive requests (``taylor_coefficients``, ``laplacian``, ...) poll their result for
at most :data:`POLL_BUDGET_S` before returning it, as adaptive locks spin before they sleep. A
result still running after that is returned as it is, so a long computation costs at most the
budget of one busy core (and of the GIL), and its caller blocks as usual.

>>> import jax.numpy as jnp
>>> y = wait_briefly(jnp.arange(3.0) * 2)
>>> y.is_ready(), y.tolist()
(True, [0.0, 2.0, 4.0])
"""
from __future__ import annotations

import time
from typing import TypeVar

POLL_BUDGET_S = 150e-6  # a little over our slowest interactive program (order 100: ~65 us)

T = TypeVar("T")


def wait_briefly(result: T, budget_s: float | None = None) -> T:
    """Return ``result`` once all its arrays are ready, or once ``budget_s`` has passed.

    Tracers and non-JAX leaves are passed over: under ``jit`` or ``vmap`` there is nothing to
    wait for. The result is returned unchanged in every case.
    """
    import jax

    budget = POLL_BUDGET_S if budget_s is None else budget_s
    pending = [leaf for leaf in jax.tree_util.tree_leaves(result)
               if isinstance(leaf, jax.Array) and not isinstance(leaf, jax.core.Tracer)]
    deadline = time.perf_counter() + budget
    for leaf in pending:
        while not leaf.is_ready():
            if time.perf_counter() > deadline:
                return result
    return result
