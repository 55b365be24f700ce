"""Whose code a file is: the user's (a notebook cell, a script, their own package), or a
library's (the standard library, site-packages, JAX, this package). Read by the graph's
scopes (which source lines name groups) and by the magics' error messages (which frame of a
traceback to quote): one answer for both.

>>> is_user_file("<ipython-input-3-abc>"), is_user_file(os.__file__)
(True, False)
"""
from __future__ import annotations

import functools
import os
import sysconfig


@functools.lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this package
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots} | {os.path.abspath(r) + os.sep for r in roots}))


@functools.lru_cache(maxsize=4096)
def is_user_file(file_name: str) -> bool:
    """True for code the user wrote: ``<ipython-input-...>``, ``<cell>``, ``<string>``, or a
    file outside the standard library, the installed packages and jaxcalc_ext."""
    if file_name.startswith(("<frozen", "<__array_function__")):
        return False
    if "site-packages" in file_name or "dist-packages" in file_name:
        return False
    if file_name.startswith("<"):
        return True
    roots = _library_roots()
    return not (os.path.abspath(file_name).startswith(roots) or os.path.realpath(file_name).startswith(roots))


_RAISED_BY_USER = "_jaxcalc_raised_by_user_function"


def mark_raised_by_user(err: BaseException, function_name: str) -> None:
    """Remember that ``err`` came out of the user's function (even from a builtin or a library
    it called, where no frame of the user's own shows), so that the magics word it in one line
    and tell a ``KeyboardInterrupt`` the function raised from the user pressing interrupt."""
    try:
        setattr(err, _RAISED_BY_USER, function_name)
    except (AttributeError, TypeError):  # an exception class that takes no attributes
        pass


def raised_by_user(err: BaseException) -> str | None:
    """The name of the user's function ``err`` came out of, or None."""
    return getattr(err, _RAISED_BY_USER, None)


def user_line_of_equation(eqn) -> tuple[str, int] | None:
    """(file, line) of the innermost frame of the user's code that made a jaxpr equation."""
    traceback = getattr(getattr(eqn, "source_info", None), "traceback", None)
    if traceback is None:
        return None
    try:
        frames = traceback.frames
    except Exception:  # a traceback JAX could not keep
        return None
    for frame in frames:   # innermost first
        if is_user_file(frame.file_name):
            return frame.file_name, frame.line_num
    return None
