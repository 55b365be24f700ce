"""Names for what a user passes and gets back: pytree leaves by their paths as the user writes
them (``model.conv1.kernel``, ``params['w']``, ``opt_state[0].mu``), and the function a wrapper
stands for (``nnx.grad(loss_fn)`` takes ``(model, images, labels)``, not ``(*args, **kwargs)``).

>>> import jax
>>> [readable_path(p) for p, _ in jax.tree_util.tree_flatten_with_path({"w": [1.0, 2.0]})[0]]
["['w'][0]", "['w'][1]"]
"""
from __future__ import annotations

import inspect
import re
from typing import Callable


def readable_path(path: tuple) -> str:
    """A pytree path as Python would write it, without the ``.value`` a Flax NNX Variable keeps
    its array at: ``.conv1.kernel``, ``['w'][0]``, ``[0].mu``."""
    import jax

    return re.sub(r"\.(value|raw_value)$", "", jax.tree_util.keystr(path))


def _only_star_arguments(f: Callable) -> bool:
    try:
        params = list(inspect.signature(f, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):
        return True
    return all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


def wrapped_function(f: Callable, depth: int = 8) -> Callable:
    """The function a transformation's wrapper stands for, to read its parameter names: through
    ``__wrapped__``, and through the closure of a wrapper that took only ``*args, **kwargs``
    and did not say what it wraps (Flax's ``nnx.grad``).

    >>> def loss(model, x):
    ...     return 0.0
    >>> def decorator(fn):
    ...     def wrapper(*args, **kwargs):
    ...         return fn(*args, **kwargs)
    ...     return wrapper
    >>> list(inspect.signature(wrapped_function(decorator(loss))).parameters)
    ['model', 'x']
    """
    for _ in range(depth):
        if not _only_star_arguments(f):
            return f
        inner = getattr(f, "__wrapped__", None)
        if inner is None:
            cells = getattr(f, "__closure__", None) or ()
            candidates = []
            for cell in cells:
                try:
                    value = cell.cell_contents
                except ValueError:   # an empty cell
                    continue
                if callable(value) and not isinstance(value, type) and (
                        hasattr(value, "__code__") or hasattr(value, "__wrapped__")):
                    candidates.append(value)
            users = [c for c in candidates if _defined_by_user(c)]   # the user's function, if one is there
            inner = (users or candidates)[0] if len(users or candidates) == 1 else None
        if inner is None or inner is f:
            return f
        f = inner
    return f


def _defined_by_user(f: Callable) -> bool:
    from .user_code import is_user_file

    code = getattr(f, "__code__", None)
    return code is not None and is_user_file(code.co_filename)


def plain_path(path_text: str) -> str:
    """A path with dict keys written as attributes, to compare an NNX State's paths
    (``['conv1']['kernel']``) with its module's (``.conv1.kernel``).

    >>> plain_path("['conv1']['kernel']"), plain_path(".conv1.kernel")
    ('.conv1.kernel', '.conv1.kernel')
    """
    return re.sub(r"\['([^'\]]*)'\]", r".\1", path_text)
