"""Dtypes by JAX's own rules, for every layer: PRNG keys and other extended dtypes are opaque
values (constants to the Taylor engine, shown by their type in a graph), never fed to NumPy's
dtype machinery, which cannot read them.

>>> import jax, jax.numpy as jnp
>>> key = jax.random.key(0)
>>> is_extended(key.dtype), is_inexact(key.dtype), is_inexact(jnp.float32), itemsize(key.dtype)
(True, False, True, 8)
>>> host_array(key).dtype
dtype('uint32')
"""
from __future__ import annotations

from typing import Any

import numpy as np


def dtype_of(value: Any):
    """The dtype of an aval, an array, a tracer or a Python number (JAX's promotion rules)."""
    import jax.numpy as jnp

    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype
    aval = getattr(value, "aval", None)
    if aval is not None and getattr(aval, "dtype", None) is not None:
        return aval.dtype
    return jnp.result_type(value)


def is_extended(dtype) -> bool:
    """A PRNG key or another dtype JAX defines beyond NumPy's."""
    import jax

    return dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.extended)


def is_inexact(dtype) -> bool:
    """Floating point or complex (never an extended dtype)."""
    import jax.numpy as jnp

    return dtype is not None and not is_extended(dtype) and jnp.issubdtype(dtype, jnp.inexact)


def is_number(dtype) -> bool:
    """Integer, floating point or complex (not bool, not an extended dtype)."""
    import jax.numpy as jnp

    return dtype is not None and not is_extended(dtype) and jnp.issubdtype(dtype, jnp.number)


def itemsize(dtype) -> int:
    """Bytes per element; a PRNG key counts the bytes of its key data."""
    if is_extended(dtype):
        impl = getattr(dtype, "_impl", None)
        shape = getattr(impl, "key_shape", (2,))
        return 4 * int(np.prod(shape, dtype=np.int64))
    return np.dtype(dtype).itemsize


def host_array(value: Any) -> np.ndarray:
    """A value as a NumPy array to print or test: a key array as its key data (uint32)."""
    import jax

    if is_extended(getattr(value, "dtype", None)):
        return np.asarray(jax.random.key_data(value))
    return np.asarray(value)
