"""Values and params as short text for node labels.

>>> format_value(0.90514825)
'0.9051'
>>> format_value([[1.0, 2.0], [3.0, 4.0]])
'f64[2,2] mean 2.5, |max| 4'
"""
from __future__ import annotations

import numpy as np

_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16", "int32": "i32",
          "int64": "i64", "bool": "bool", "complex64": "c64", "complex128": "c128", "uint32": "u32",
          "int8": "i8", "uint8": "u8"}


def short_dtype(dtype) -> str:
    """``f64``, ``bf16``; extended dtypes such as PRNG keys (``key<fry>``) as JAX names them."""
    name = str(dtype)
    if name == "bfloat16":
        return "bf16"
    try:
        return _SHORT.get(str(np.dtype(dtype)), name)
    except TypeError:
        return name


def format_aval(aval) -> str:
    shape = getattr(aval, "shape", None)
    dtype = getattr(aval, "dtype", None)
    if shape is None or dtype is None:
        return str(aval)
    return f"{short_dtype(dtype)}[{','.join(map(str, shape))}]"


def format_value(value) -> str:
    """Scalars to 4 significant digits; arrays as shape plus a short summary."""
    try:
        a = np.asarray(value)
    except Exception:
        return str(value)[:40]
    if a.dtype == object:
        return str(value)[:40]
    if a.ndim == 0 or a.size == 1:
        x = a.reshape(()).item()
        if isinstance(x, (bool, np.bool_)):
            return str(bool(x))
        if isinstance(x, (int, np.integer)):
            return str(int(x))
        if isinstance(x, complex):
            return f"{x:.4g}"
        return f"{float(x):.4g}"
    head = f"{short_dtype(a.dtype)}[{','.join(map(str, a.shape))}]"
    if a.size == 0:
        return head
    if np.issubdtype(a.dtype, np.number):
        return f"{head} mean {float(np.mean(a)):.4g}, |max| {float(np.max(np.abs(a))):.4g}"
    return head


def format_params(params: dict, limit: int = 40) -> str:
    """Key params in one short line; sub-jaxprs and callables are left out."""
    from jax.extend import core as jcore

    parts = []
    for k, v in params.items():
        if v is None or isinstance(v, (jcore.Jaxpr, jcore.ClosedJaxpr)) or callable(v) or k in (
                "name", "accuracy", "out_sharding", "sharding", "donated_invars", "inline",
                "keep_unused", "ctx_mesh", "compiler_options_kvs", "in_shardings", "out_shardings",
                "in_layouts", "out_layouts", "resource_env", "debug_info", "symbolic_zeros",
                "num_consts", "jvp_jaxpr_fun", "precision", "preferred_element_type",
                "_split_transpose", "unroll", "linear", "jaxpr", "branches", "weak_type"):
            continue
        if isinstance(v, (tuple, list)) and any(isinstance(x, (jcore.Jaxpr, jcore.ClosedJaxpr)) for x in v):
            continue
        text = f"{k}={v}"
        parts.append(text if len(text) <= limit else text[:limit - 1] + "…")
    return ", ".join(parts)


def format_literal(value) -> str:
    """A literal as the number it is (0.1, not TypedFloat(0.1, dtype=float32))."""
    a = np.asarray(value)
    if a.ndim == 0:
        x = a.item()
        if isinstance(x, bool):
            return str(x)
        if isinstance(x, int):
            return str(x)
        if isinstance(x, complex):
            return f"{x:.6g}"
        text = f"{float(x):.6g}"
        return text if any(c in text for c in ".en") else text + ".0"
    return format_value(a)
