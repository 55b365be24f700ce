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
