"""Get the heavy one-time work done while the user types the next cell.

``%load_ext jaxcalc_ext`` itself stays quick: it starts one thread that imports JAX and
matplotlib (holding the import lock while it imports, when JAX is not imported yet, so the
user's own imports wait instead of colliding), then, without the lock, lays out a small figure (font files load
on first use) and starts JAX's CPU client with a tiny compile. (The LAPACK kernels the full
Taylor tier uses load in its own background compile, after the first answer.) A request that arrives before it is done simply waits for the
modules it needs (Python's import locks), so nothing is done twice. The user's ``jax.config``
is not touched: the compiles run under a thread-local float64 switch.

>>> thread = start()
>>> thread.join(120); finished()
True
"""
from __future__ import annotations

import contextlib
import threading

# what a first %taylor imports
FIRST_REQUEST_MODULES = ("PIL.Image", "jaxcalc_ext.core.budget", "jaxcalc_ext.display.results", "jaxcalc_ext.magics.resolve",
                         "jaxcalc_ext.display.taylor_figure", "jaxcalc_ext.taylor.engine.coefficients",
                         "jaxcalc_ext.taylor.study", "jaxcalc_ext.core.tracing")

# what its first figure imports (matplotlib without pyplot, its Agg canvas, PIL's PNG writer)
DRAWING_MODULES = ("jaxcalc_ext.display.figures", "matplotlib.figure", "matplotlib.backends.backend_agg",
                   "PIL.PngImagePlugin")

_THREAD: threading.Thread | None = None
_DONE = threading.Event()


@contextlib.contextmanager
def _imports_serialized(locked: threading.Event):
    """Hold the interpreter's global import lock (``locked`` is set once it is held): another
    thread's import of a module not yet loaded waits until we are done. Without it, the user's
    ``import jax.numpy`` running while we import ``jax`` can meet JAX's internal import cycles
    half-way and fail. The lock is taken before :func:`start` returns, so no other thread can be
    half-way through an import of its own that we would then wait for."""
    try:
        import _imp

        _imp.acquire_lock()
    except (ImportError, AttributeError, RuntimeError):
        locked.set()
        yield
        return
    locked.set()
    try:
        yield
    finally:
        _imp.release_lock()


def _import_modules() -> None:
    import importlib

    import jax  # noqa: F401
    import jax.numpy  # noqa: F401

    for name in FIRST_REQUEST_MODULES + DRAWING_MODULES:
        importlib.import_module(name)


def _warm(locked: threading.Event) -> None:
    """Import, then compile and draw once. The import lock is held only while importing, and only
    when JAX is not imported yet (the race it prevents): compiling and drawing run without it,
    so the user's code in the same cell as ``%load_ext`` never waits on them, and cannot
    deadlock with them (it may hold a lock of JAX's while it imports)."""
    import sys

    try:
        if "jax" in sys.modules:
            locked.set()
            _import_modules()
        else:
            with _imports_serialized(locked):
                _import_modules()
        import jax
        import jax.numpy as jnp

        from ..display import figures

        figure = figures.new_figure(1.0, 0.6)   # fonts first: a first request draws before it compiles twice
        axes = figure.subplots()
        axes.plot([1, 2], [1.0, 2.0], label="T₁")
        axes.legend()
        figures.figure_bytes(figure, "retina")
        with jax.enable_x64(True):  # thread-local: the user's setting is not changed
            x = jnp.float64(0.5)
            jax.block_until_ready(jax.jit(lambda v: jnp.sin(v) * v)(x))
    except Exception:  # warming up is an optimisation: a real problem shows in the request
        locked.set()
    finally:
        _DONE.set()


def start() -> threading.Thread:
    """Start the warm-up once per process; later calls return the same thread."""
    global _THREAD
    if _THREAD is None:
        locked = threading.Event()
        # not a daemon: XLA aborts the process if it exits in the middle of a compile
        _THREAD = threading.Thread(target=_warm, args=(locked,), name="jaxcalc-warmup")
        _THREAD.start()
        locked.wait(5.0)
    return _THREAD


def finished() -> bool:
    return _DONE.is_set()
