"""Run a magic's computation so that an interrupt always reaches the user, with progress.

XLA runs compiled programs in C++; an interrupt that arrives meanwhile is delivered only
when Python code runs next in the main thread, and it can be lost there (in a garbage
collector callback, "Exception ignored in: _xla_gc_callback"). So the computation runs in
a worker thread of its own while the main thread waits in short, interruptible sleeps. On
Ctrl-C / the kernel's interrupt the main thread returns at once with ``KeyboardInterrupt``;
the job is cancelled, stops at its next checkpoint if it has one (between chunks of work, see
:mod:`jaxcalc_ext.core.progress`), and is otherwise *abandoned*: left to finish in the background,
its result dropped. The next request starts at once in a new thread instead of queueing
behind it (a user function sleeping, an XLA compile or a graph build cannot be stopped from
outside); only when :data:`MAX_ABANDONED` of them are still running does a new request wait,
so interrupted work cannot pile up in memory, and its progress line says so.

After :data:`PROGRESS_AFTER_S` a progress line appears (an updating HTML bar in Jupyter,
a carriage-return line on the terminal) and is emptied when the work ends.

JAX's float64 switch is thread-local: the worker runs in the caller's setting.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable

from ..core.progress import Cancelled, Job

PROGRESS_AFTER_S = 1.0
MAX_ABANDONED = 4          # interrupted requests still running before a new one waits for them
_POLL_S = 0.05
_ABANDONED: list[threading.Thread] = []


def abandoned() -> list[threading.Thread]:
    """Interrupted requests still running in the background."""
    _ABANDONED[:] = [t for t in _ABANDONED if t.is_alive()]
    return list(_ABANDONED)


def run_interruptibly(fn: Callable[[], Any], *, shell=None, label: str = "computing") -> Any:
    """Run ``fn()`` in a worker thread and return its result (or raise its exception)."""
    import jax

    x64 = bool(jax.config.jax_enable_x64)
    job = Job()
    finished = threading.Event()
    outcome: dict = {}
    display = _ProgressDisplay(shell, label)
    started = time.perf_counter()

    def work():
        try:
            if job.cancelled:
                raise Cancelled()
            with job.active(), jax.enable_x64(x64):
                outcome["result"] = fn()
        except BaseException as err:   # handed to the caller's thread, or dropped if abandoned
            outcome["error"] = err
        finally:
            finished.set()

    worker = None
    try:
        while len(abandoned()) >= MAX_ABANDONED:   # interrupted work still holds its memory
            if time.perf_counter() - started > PROGRESS_AFTER_S:
                display.show(job, waiting=len(abandoned()))
            _ABANDONED[0].join(_POLL_S)
        # a daemon: an abandoned request never holds up the kernel's exit
        worker = threading.Thread(target=work, name="jaxcalc-request", daemon=True)
        worker.start()
        while not finished.wait(_POLL_S):
            if time.perf_counter() - started > PROGRESS_AFTER_S:
                display.show(job, background=len(abandoned()))
    except KeyboardInterrupt:
        job.cancel()
        if worker is not None and not finished.is_set():
            _ABANDONED.append(worker)
        display.close()
        raise
    except BaseException:
        display.close()
        raise
    display.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


class _ProgressDisplay:
    """A progress line for Jupyter (an HTML <progress> updated in place) or a terminal."""

    def __init__(self, shell, label: str) -> None:
        self.label = label
        self.handle = None
        self.jupyter = shell is not None and hasattr(shell, "kernel")
        self.shown = False

    def text(self, job: Job, waiting: int = 0, background: int = 0) -> str:
        if waiting:
            return (f"{self.label}: waiting for {waiting} interrupted request{'s' * (waiting != 1)} "
                    "to finish in the background (interrupt to stop waiting)")
        if job.total:
            text = f"{self.label}: {job.phase} {job.done}/{job.total}"
        else:
            text = f"{self.label}: tracing and compiling"
        if background:
            text += f", while {background} interrupted request{'s' * (background != 1)} finish{'es' * (background == 1)}"
        return text + " (interrupt to stop)"

    def show(self, job: Job, waiting: int = 0, background: int = 0) -> None:
        if self.jupyter:
            from IPython.display import HTML, display

            value = f' value="{job.done}" max="{job.total}"' if job.total else ""
            html = HTML(f"<progress{value} style='width:20em'></progress> {self.text(job, waiting, background)}")
            if self.handle is None:
                self.handle = display(html, display_id=True)
            else:
                self.handle.update(html)
        else:
            sys.stderr.write("\r" + self.text(job, waiting, background))
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
