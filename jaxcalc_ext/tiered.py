"""Tiered compilation: answer the first call fast, run repeated calls at full speed.

XLA spends most of a first call's compile time generating and optimising machine code that
an interactive request runs once. A :class:`TieredJit` compiles its first calls for compile
speed: back-end optimisations off and XLA's older, simpler code emitter for fused loops
(together about a third of the default compile time, for a slower but still compiled
program), optionally from a variant of the function that is cheaper to build (``quick_fn``:
the Taylor engine's variant solves its triangular systems without LAPACK, whose first use
in a process loads SciPy). Once the function is called again and again (``promote_after``
calls) a fully optimised compile of ``fn`` takes over, as JIT compilers of dynamic
languages do. Both tiers must compute the same thing; only their speed differs.

>>> import jax.numpy as jnp
>>> square = TieredJit(lambda x: x * x, promote_after=2)
>>> [float(square(jnp.float32(3.0))) for _ in range(3)]
[9.0, 9.0, 9.0]
>>> square.promoted
True
"""
from __future__ import annotations

from typing import Any, Callable

# XLA debug options, tried in this order: an option this XLA does not know is dropped.
QUICK_OPTIONS = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


class TieredJit:
    """``jax.jit(fn)`` with a quick first tier; calls under an outer trace use the full tier."""

    def __init__(self, fn: Callable, promote_after: int = 3, quick_fn: Callable | None = None):
        import jax

        self._quick_fn = fn if quick_fn is None else quick_fn
        self._quick_options = dict(QUICK_OPTIONS)
        self._quick = jax.jit(self._quick_fn, compiler_options=self._quick_options)
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
        if self._calls > self.promote_after:
            return self._full(*args)
        return self._call_quick(*args)

    def full(self, *args: Any):
        """Call the fully optimised program at once: for large batches, where the quick tier's
        unoptimised loops would cost more than the optimised compile saves."""
        self._calls = max(self._calls, self.promote_after)
        return self._full(*args)

    def _call_quick(self, *args: Any):
        import jax

        try:
            return self._quick(*args)
        except jax.errors.JaxRuntimeError as err:
            unknown = [name for name in self._quick_options if f"'{name}'" in str(err)]
            if "No such compile option" not in str(err) or not unknown:
                raise
            del self._quick_options[unknown[0]]  # an XLA without this option: compile without it
            self._quick = jax.jit(self._quick_fn, compiler_options=self._quick_options)
            return self._call_quick(*args)
