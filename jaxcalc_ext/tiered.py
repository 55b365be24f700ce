"""Tiered compilation: answer the first call fast, run repeated calls at full speed.

XLA's LLVM back end spends about half of a first call's compile time optimising machine code
that an interactive request runs once. A :class:`TieredJit` compiles its first calls with
the back-end optimisations off (about half the compile time, a slower but still compiled
program) and switches to a fully optimised compile once the function is called again and
again (``promote_after`` calls), as JIT compilers of dynamic languages do.

>>> import jax.numpy as jnp
>>> square = TieredJit(lambda x: x * x, promote_after=2)
>>> [float(square(jnp.float32(3.0))) for _ in range(3)]
[9.0, 9.0, 9.0]
>>> square.promoted
True
"""
from __future__ import annotations

from typing import Any, Callable

QUICK_OPTIONS = {"xla_backend_optimization_level": 0}


class TieredJit:
    """``jax.jit(fn)`` with a quick first tier; calls under an outer trace use the full tier."""

    def __init__(self, fn: Callable, promote_after: int = 3):
        import jax

        self._quick = jax.jit(fn, compiler_options=QUICK_OPTIONS)
        self._full = jax.jit(fn)
        self._calls = 0
        self.promote_after = promote_after

    @property
    def promoted(self) -> bool:
        return self._calls >= self.promote_after

    def __call__(self, *args: Any):
        import jax

        if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args)):
            return self._full(*args)  # inlined into the caller's program: no compile of its own
        self._calls += 1
        return (self._full if self._calls > self.promote_after else self._quick)(*args)
