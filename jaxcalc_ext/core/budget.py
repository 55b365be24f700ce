"""What a request may cost: limits on memory and time, checked before any work is done.

Every public function estimates the memory and the time of a request from its shape (the
traced program, the order, the number of variables, directions and points) and calls
:func:`check` before compiling anything. A request over a limit raises
:class:`BudgetError`, a one-line :class:`~jaxcalc_ext.core.errors.JaxCalcError` that names the
estimate, the limit, how to raise it, and a smaller request that fits.

The default memory limit is a quarter of what this process may use: the machine's memory,
or less under a resource limit (``ulimit -v``/``-d``) or a cgroup (a container, a Jupyter
server with a memory cap). The default time limit is 60 s of estimated work.

>>> with limits(memory_bytes=1e9):
...     check(Cost(memory_bytes=2e9, seconds=1.0, what="order 90 in 2 variables"),
...           suggestion="order <= 60 fits")
Traceback (most recent call last):
...
jaxcalc_ext.core.errors.BudgetError: order 90 in 2 variables needs ~2.0 GB; the limit is 1.0 GB (%config JaxCalc.memory_limit); order <= 60 fits
"""
from __future__ import annotations

import contextlib
import os
import resource
from dataclasses import dataclass
from typing import Callable, Iterator

from .errors import BudgetError, JaxCalcError  # noqa: F401  (BudgetError: callers import it from here too)


@dataclass(frozen=True)
class Cost:
    """The estimated peak memory (bytes) and time (seconds) of one request."""

    memory_bytes: float
    seconds: float
    what: str = "this request"

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(max(self.memory_bytes, other.memory_bytes), self.seconds + other.seconds, self.what)


@dataclass
class Limits:
    memory_bytes: float
    seconds: float


def _cgroup_memory_limit() -> float | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as file:
                text = file.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            return float(text)
    return None


def usable_memory() -> float:
    """The memory this process may use: physical memory, less under an rlimit or a cgroup."""
    candidates = [float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))]
    for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY:
            candidates.append(float(soft))
    cgroup = _cgroup_memory_limit()
    if cgroup is not None:
        candidates.append(cgroup)
    return min(candidates)


DEFAULT_TIME_LIMIT_S = 60.0
LIMITS = Limits(memory_bytes=usable_memory() / 4, seconds=DEFAULT_TIME_LIMIT_S)


def set_limits(memory_bytes: float | None = None, seconds: float | None = None) -> Limits:
    """Change the limits for the rest of the session (the magics' ``%config JaxCalc.*`` does this)."""
    if memory_bytes is not None:
        if not memory_bytes > 0:
            raise JaxCalcError(f"the memory limit must be positive, got {memory_bytes}")
        LIMITS.memory_bytes = float(memory_bytes)
    if seconds is not None:
        if not seconds > 0:
            raise JaxCalcError(f"the time limit must be positive, got {seconds}")
        LIMITS.seconds = float(seconds)
    return LIMITS


@contextlib.contextmanager
def limits(memory_bytes: float | None = None, seconds: float | None = None) -> Iterator[Limits]:
    """Other limits inside a block only.

    >>> with limits(seconds=5):
    ...     LIMITS.seconds
    5.0
    """
    saved = (LIMITS.memory_bytes, LIMITS.seconds)
    try:
        yield set_limits(memory_bytes, seconds)
    finally:
        LIMITS.memory_bytes, LIMITS.seconds = saved


def human_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def human_seconds(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def fits(cost: Cost) -> bool:
    return cost.memory_bytes <= LIMITS.memory_bytes and cost.seconds <= LIMITS.seconds


def check(cost: Cost, suggestion: str | dict | Callable[[], str | dict | None] | None = None) -> None:
    """Raise :class:`BudgetError` when ``cost`` is over a limit; ``suggestion`` names a request
    that fits (a callable is only called when needed): a text, options such as ``{"points": 64}``
    that each caller's layer spells its own way (``points=64``, ``--points 64``), or a text naming
    options as ``{name}`` with the options: ``("without {values} it fits", {"values": None})``."""
    if fits(cost):
        return
    if cost.memory_bytes > LIMITS.memory_bytes:
        message = (f"{cost.what} needs ~{human_bytes(cost.memory_bytes)}; the limit is "
                   f"{human_bytes(LIMITS.memory_bytes)} (%config JaxCalc.memory_limit)")
    else:
        message = (f"{cost.what} would take ~{human_seconds(cost.seconds)}; the limit is "
                   f"{human_seconds(LIMITS.seconds)} (%config JaxCalc.time_limit)")
    hint = suggestion() if callable(suggestion) else suggestion
    if isinstance(hint, tuple):   # (text naming options as {name}, the options)
        text, options = hint
        raise BudgetError(message.replace("{", "{{").replace("}", "}}") + f"; {text}", options=options)
    if isinstance(hint, dict):
        fields = " and ".join(f"{{{name}}}" for name in hint)
        raise BudgetError(message.replace("{", "{{").replace("}", "}}") + f"; {fields} fits", options=hint)
    raise BudgetError(message + (f"; {hint}" if hint else ""))


def largest_fitting(cost_of: Callable[[int], Cost], low: int, high: int) -> int | None:
    """The largest n in [low, high] whose cost fits, for costs that grow with n (bisection)."""
    if not fits(cost_of(low)):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if fits(cost_of(mid)):
            low = mid
        else:
            high = mid - 1
    return low
