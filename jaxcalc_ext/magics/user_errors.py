"""An error raised in the user's own code, said in one line that points at their code.

A function that raises, recurses without end or misspells a jax.numpy name should show
the user's error and where it happened, not thousands of lines through JAX's tracer and
our interpreter. Errors with no frame of the user's code are our bugs and are left alone.

>>> try:
...     exec(compile("def f(x):\\n    return x.missing\\nf(1)", "<cell>", "exec"), {})
... except AttributeError as err:
...     describe_user_error(err)
"AttributeError in your code (line 2 of <cell>): 'int' object has no attribute 'missing'"
"""
from __future__ import annotations

import difflib
import os
import re
import traceback

from ..core.user_code import is_user_file

def _user_frame(err: BaseException):
    """The innermost frame of the user's code in the traceback, or None."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if is_user_file(f.filename)]
    return frames[-1] if frames else None


def _hint(err: BaseException, message: str, line: str, magic: str) -> str:
    if isinstance(err, TypeError) and "^" in line and ("xor" in message or "bitwise" in message):
        return "; ^ is bitwise XOR in Python: write ** for powers (x**2)"
    if isinstance(err, RecursionError):
        return "; the function calls itself without end"
    match = re.match(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if isinstance(err, AttributeError) and match:
        import importlib

        try:
            names = dir(importlib.import_module(match.group(1)))
        except ImportError:
            return ""
        close = difflib.get_close_matches(match.group(2), [n for n in names if not n.startswith("_")], n=1)
        return f"; did you mean {match.group(1)}.{close[0]}?" if close else ""
    if isinstance(err, NameError):
        return "; define it first" + (", or name the variables with --vars" if magic == "taylor" else "")
    return ""


def describe_user_error(err: BaseException, line: str = "", magic: str = "taylor") -> str | None:
    """One line for an error raised in the user's code, or None when it is not theirs; hints
    name only options that ``magic`` has."""
    frame = _user_frame(err)
    if frame is None:
        return None
    message = " ".join(str(err).strip().split("\n")[0].split()) or type(err).__name__
    where = frame.filename if frame.filename.startswith("<") else os.path.basename(frame.filename)
    return (f"{type(err).__name__} in your code (line {frame.lineno} of {where}): {message}"
            f"{_hint(err, message, line, magic)}")
