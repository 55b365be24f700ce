"""Progress and cancellation for long requests, without any display code.

Long computations (many chunks of lattice directions) call :func:`step` between chunks. When
a :class:`Job` is active in the calling thread, ``step`` records how far the work has come
and raises :class:`Cancelled` once the job was cancelled (the magics cancel it when the user
interrupts the kernel). Outside a job, ``step`` does nothing, so the library is unchanged
for plain Python callers.

>>> job = Job()
>>> with job.active():
...     step(1, 4, "directions")
>>> job.done, job.total, job.phase
(1, 4, 'directions')
>>> job.cancel()
>>> with job.active():
...     step(2, 4, "directions")
Traceback (most recent call last):
...
jaxcalc_ext.core.errors.Cancelled: cancelled
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from .errors import Cancelled

CHECKPOINT_EVERY = 64   # loop iterations (equations, steps) between two looks at whether the user interrupted




class Job:
    """What one long request has done so far, and whether it should stop."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.phase = ""
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @contextlib.contextmanager
    def active(self) -> Iterator["Job"]:
        """Make this the job of the current thread inside the block."""
        previous = getattr(_LOCAL, "job", None)
        _LOCAL.job = self
        try:
            yield self
        finally:
            _LOCAL.job = previous


_LOCAL = threading.local()


def current_job() -> Job | None:
    return getattr(_LOCAL, "job", None)


def step(done: int, total: int, phase: str = "") -> None:
    """Record progress for the current job (if any); raise :class:`Cancelled` if it was cancelled."""
    job = current_job()
    if job is None:
        return
    job.done, job.total, job.phase = done, total, phase
    if job.cancelled:
        raise Cancelled()
