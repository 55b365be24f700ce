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


@contextlib.contextmanager
def config_restored() -> Iterator[None]:
    """Undo, on the way out, any ``jax.config.update`` made inside the block (a ``%%taylor``
    cell or a user function that flips ``jax_enable_x64``, say).

    >>> import jax
    >>> with config_restored():
    ...     jax.config.update("jax_enable_x64", True)
    >>> jax.config.jax_enable_x64
    False
    """
    import jax

    before = dict(jax.config.values)
    try:
        yield
    finally:
        for name, value in before.items():
            if jax.config.values.get(name, value) != value:
                jax.config.update(name, value)
