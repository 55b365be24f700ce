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

from .user_code import is_user_file, raised_by_user


def _user_frame(err: BaseException):
    """The innermost frame of the user's code in the traceback, or None."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if is_user_file(f.filename)]
    return frames[-1] if frames else None


def _hint(err: BaseException, message: str, line: str, magic: str) -> str:
    if isinstance(err, TypeError) and "^" in line and ("xor" in message or "bitwise" in message):
        return "; ^ is bitwise XOR in Python: write ** for powers (x**2)"
    if isinstance(err, RecursionError):
        import sys

        return (f"; its calls nest deeper than Python allows ({sys.getrecursionlimit()} frames, JAX's "
                "tracing included): a recursion without end, or one to write as a loop")
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


def _one_line(text: str) -> str:
    return " ".join(text.strip().split("\n")[0].split())


def _class_name(err_or_name) -> str:
    """``_EquinoxRuntimeError`` as its library presents it: EquinoxRuntimeError."""
    name = err_or_name if isinstance(err_or_name, str) else type(err_or_name).__name__
    return name.lstrip("_") or name


def _where(file_name: str, line: int) -> str:
    shown = file_name if file_name.startswith("<") else os.path.basename(file_name)
    return f"line {line} of {shown}"


# A Python exception reported inside a compiled program's error text ("CpuCallback error ...
# Traceback ... ValueError: message"), and the frames of its traceback.
_RAISED_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)): ?(.*)$")
_FRAME_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def describe_compiled_program_error(err: BaseException) -> str | None:
    """One line for an error the compiled program stopped with: a Python callback in the
    program raised (Equinox's ``error_if`` checks, ``jax.pure_callback``), or XLA ran out of
    memory. Other runtime errors are ours and are left alone (None)."""
    import jax

    text = str(err)
    # XLA says it ran out of memory in a JaxRuntimeError, or in a ValueError when a result is
    # copied out; in whatever class it comes, it is said in one line and the kernel goes on
    if "RESOURCE_EXHAUSTED" in text and isinstance(err, (jax.errors.JaxRuntimeError, ValueError, MemoryError)):
        return (f"the computation ran out of memory ({_one_line(text)[:200]}): ask for less "
                "(fewer points, a lower order, smaller arrays)")
    if not isinstance(err, jax.errors.JaxRuntimeError):
        return None
    if text.startswith("INTERNAL: Error dispatching computation"):
        # the CPU runtime could not start the program: a process out of memory or threads
        return ("XLA's runtime could not run the compiled program (INTERNAL: Error dispatching computation): "
                "the process is short of memory or threads; ask for less (fewer points, a lower order, "
                "smaller arrays) or restart the kernel")
    if "callback" not in text.lower():
        return None
    body = text.split("\n--------------------")[0]
    raised = [m for m in map(_RAISED_LINE.match, body.split("\n")) if m]
    if not raised:
        return f"the compiled program stopped in a callback: {_one_line(text)[:300]}"
    name, message = raised[-1].group(1).split(".")[-1], raised[-1].group(2)
    frames = [(f, int(n)) for f, n in _FRAME_LINE.findall(body) if is_user_file(f)]
    where = f" (the callback's {_where(*frames[-1])})" if frames else ""
    return (f"{_class_name(name)} raised inside the compiled program{where}, by a check or callback "
            f"in the code (eqx.error_if, jax.pure_callback): {_one_line(message) or name}")


def describe_user_error(err: BaseException, line: str = "", magic: str = "taylor") -> str | None:
    """One line for an error raised in the user's code (any exception class, in Python or inside
    the compiled program), or None when it is not theirs; hints name only options that
    ``magic`` has."""
    compiled = describe_compiled_program_error(err)
    if compiled is not None:
        return compiled
    frame = _user_frame(err)
    function = raised_by_user(err)
    if frame is None and function is None:
        return None
    message = _one_line(str(err)) or type(err).__name__
    where = f"in your code ({_where(frame.filename, frame.lineno)})" if frame is not None else f"calling {function}"
    return f"{_class_name(err)} {where}: {message}{_hint(err, message, line, magic)}"
