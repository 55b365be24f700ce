"""Tiered compilation: answer the first call fast, run repeated calls at full speed.

XLA spends most of a first call's compile time generating and optimising machine code that
an interactive request runs once. A :class:`TieredJit` compiles its first calls for compile
speed: back-end optimisations off and XLA's older, simpler code emitter for fused loops
(together about a third of the default compile time, for a slower but still compiled
program), optionally from a variant of the function that is cheaper to build (``quick_fn``:
the Taylor engine's variant solves its triangular systems without LAPACK, whose first use
in a process loads SciPy). Once the function is called again and again (``promote_after``
calls) a fully optimised compile of ``fn`` takes over, as JIT compilers of dynamic
languages do. That compile runs in a background thread, started after the first call, so no
interactive request ever waits for it (a slider dragged through a hundred centres, or the
second cell that asks again): the quick tier answers until the full one is ready. Both tiers
must compute the same thing; only their speed differs.

>>> import jax.numpy as jnp
>>> square = TieredJit(lambda x: x * x, promote_after=2)
>>> [float(square(jnp.float32(3.0))) for _ in range(3)]
[9.0, 9.0, 9.0]
>>> square.wait_promoted(timeout=60)
True
>>> float(square(jnp.float32(4.0)))
16.0
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

# A program whose quick first call took longer than this is large: its full compile would take a
# few times longer and compete with the user's next requests, so it is promoted on the
# promote_after-th call, in the caller's thread, as before.
BACKGROUND_PROMOTION_MAX_S = 2.0

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
        self._full_ready = threading.Event()
        self._promotion: threading.Thread | None = None
        self._large = False

    @property
    def promoted(self) -> bool:
        """True once calls go to the fully optimised program."""
        return self._calls >= self.promote_after and (self._full_ready.is_set() or self._large)

    def wait_promoted(self, timeout: float | None = None) -> bool:
        """Wait for the background compile of the full tier (tests and benchmarks)."""
        if self._promotion is not None:
            self._promotion.join(timeout)
        return self._full_ready.is_set()

    def __call__(self, *args: Any):
        import jax

        if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args)):
            return self._full(*args)  # inlined into the caller's program: no compile of its own
        self._calls += 1
        if self._calls > self.promote_after and (self._full_ready.is_set() or self._large):
            return self._full(*args)
        start = time.perf_counter()
        result = self._call_quick(*args)
        if self._promotion is None and not self._large:
            if time.perf_counter() - start > BACKGROUND_PROMOTION_MAX_S:
                self._large = True
            else:
                self._promote_in_background(args)
        return result

    def _promote_in_background(self, args: tuple) -> None:
        """Compile (and once run) the full tier for these argument types in a background thread,
        under the caller's float64 setting (JAX's x64 switch is per thread)."""
        import jax

        x64 = bool(jax.config.jax_enable_x64)

        def compile_full():
            try:
                with jax.enable_x64(x64):
                    jax.block_until_ready(self._full(*args))
                self._full_ready.set()
            except Exception:  # the quick tier keeps answering; a real error shows there
                pass

        # not a daemon: XLA aborts the process if it exits in the middle of a compile
        self._promotion = threading.Thread(target=compile_full, name="jaxcalc-promote")
        self._promotion.start()

    def full(self, *args: Any):
        """Call the fully optimised program at once: for large batches, where the quick tier's
        unoptimised loops would cost more than the optimised compile saves."""
        self._calls = max(self._calls, self.promote_after)
        self._full_ready.set()
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


class Interpreted:
    """The same interface as :class:`TieredJit` for a program too large to compile with profit:
    it runs op by op (each primitive compiled once, shared by every program), at about 2 ms per
    equation with no compile at all, where XLA would spend 10 s on 2,000 equations and 100 s on
    10,000. The Taylor engine chooses it from the program's size (``cost.EAGER_MIN_EQUATIONS``).

    >>> import jax.numpy as jnp
    >>> float(Interpreted(lambda x: x * x)(jnp.float32(3.0)))
    9.0
    """

    promoted = True

    def __init__(self, fn: Callable) -> None:
        self._fn = fn

    def __call__(self, *args: Any):
        return self._fn(*args)

    def full(self, *args: Any):
        return self._fn(*args)

    def wait_promoted(self, timeout: float | None = None) -> bool:
        return True
