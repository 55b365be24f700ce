"""Scoped float64: compute in double precision without touching the user's ``jax.config``."""
from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def float64_scope(enabled: bool = True) -> Iterator[None]:
    """Run a block with ``jax_enable_x64`` set, restoring the previous state afterwards.

    >>> import jax, jax.numpy as jnp
    >>> with float64_scope():
    ...     jnp.ones(1).dtype.name
    'float64'
    >>> jax.config.jax_enable_x64   # unchanged outside
    False
    """
    import jax

    if not enabled:
        yield
        return
    with jax.enable_x64(True):
        yield
