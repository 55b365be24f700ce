"""Run a magic's computation so that an interrupt always reaches the user, with progress.

XLA runs compiled programs in C++; an interrupt that arrives meanwhile is delivered only
when Python code runs next in the main thread, and it can be lost there (in a garbage
collector callback, "Exception ignored in: _xla_gc_callback"). So the computation runs in
one worker thread while the main thread waits in short, interruptible sleeps. On Ctrl-C /
the kernel's interrupt the main thread returns at once with ``KeyboardInterrupt``; the job
is cancelled and stops at its next checkpoint (between chunks of work, see
:mod:`jaxcalc_ext.progress`). Work is serialised: a new request waits for an interrupted one
to stop, so two never compete for memory.

After :data:`PROGRESS_AFTER_S` a progress line appears (an updating HTML bar in Jupyter,
a carriage-return line on the terminal) and is removed when the work ends.

JAX's float64 switch is thread-local: the worker runs in the caller's setting.
"""
from __future__ import annotations

import concurrent.futures
import sys
import time
from typing import Any, Callable

from ..progress import Cancelled, Job

PROGRESS_AFTER_S = 1.0
_POLL_S = 0.05
_EXECUTOR: concurrent.futures.ThreadPoolExecutor | None = None


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="jaxcalc")
    return _EXECUTOR


def run_interruptibly(fn: Callable[[], Any], *, shell=None, label: str = "computing") -> Any:
    """Run ``fn()`` in the worker thread and return its result (or raise its exception)."""
    import jax

    x64 = bool(jax.config.jax_enable_x64)
    job = Job()

    def work():
        if job.cancelled:
            raise Cancelled()
        with job.active(), jax.enable_x64(x64):
            return fn()

    future = _executor().submit(work)
    display = _ProgressDisplay(shell, label)
    started = time.perf_counter()
    try:
        while True:
            try:
                result = future.result(timeout=_POLL_S)
                break
            except concurrent.futures.TimeoutError:
                if time.perf_counter() - started > PROGRESS_AFTER_S:
                    display.show(job)
    except KeyboardInterrupt:
        job.cancel()
        display.close()
        raise
    except BaseException:
        display.close()
        raise
    display.close()
    return result


class _ProgressDisplay:
    """A progress line for Jupyter (an HTML <progress> updated in place) or a terminal."""

    def __init__(self, shell, label: str) -> None:
        self.label = label
        self.handle = None
        self.jupyter = shell is not None and hasattr(shell, "kernel")
        self.shown = False

    def text(self, job: Job) -> str:
        if job.total:
            return f"{self.label}: {job.phase} {job.done}/{job.total} (interrupt to stop)"
        return f"{self.label}: compiling (interrupt to stop)"

    def show(self, job: Job) -> None:
        if self.jupyter:
            from IPython.display import HTML, display

            value = f' value="{job.done}" max="{job.total}"' if job.total else ""
            html = HTML(f"<progress{value} style='width:20em'></progress> {self.text(job)}")
            if self.handle is None:
                self.handle = display(html, display_id=True)
            else:
                self.handle.update(html)
        else:
            sys.stderr.write("\r" + self.text(job))
            sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if not self.shown:
            return
        if self.jupyter and self.handle is not None:
            # An output cannot be removed from a cell, only emptied: nothing is left to read (not
            # even "<IPython.core.display.HTML object>", an empty HTML's text form).
            self.handle.update({"text/plain": ""}, raw=True)
        elif not self.jupyter:
            sys.stderr.write("\r" + " " * 72 + "\r")
            sys.stderr.flush()
        self.shown = False
