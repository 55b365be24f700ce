"""Values and params as short text for node labels.

>>> format_value(0.90514825)
'0.9051'
>>> format_value([[1.0, 2.0], [3.0, 4.0]])
'[[1, 2], [3, 4]]'
>>> format_value(np.arange(12.0))
'f64[12] mean 5.5, |max| 11'
"""
from __future__ import annotations

import functools

import numpy as np

SMALL_ARRAY = 6   # arrays up to this size are written out in full

_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16", "int32": "i32",
          "int64": "i64", "bool": "bool", "complex64": "c64", "complex128": "c128", "uint32": "u32",
          "int8": "i8", "uint8": "u8"}


def short_dtype(dtype) -> str:
    """``f64``, ``bf16``; extended dtypes such as PRNG keys (``key<fry>``) as JAX names them."""
    try:
        return _short_dtype(dtype)
    except TypeError:   # unhashable
        return _short_dtype.__wrapped__(dtype)


@functools.lru_cache(maxsize=256)
def _short_dtype(dtype) -> str:
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


NODE_VALUE_CHARS = 26   # a value line in a graph node: about the node's width


def short_value(value, width: int = NODE_VALUE_CHARS) -> str:
    """A value as a node shows it, about the node's width: written out when it fits, else its
    first entries and how many (``[0.1, 2, 3.5, … 6 values]``); the full value stays in the
    node table and the explorer's card.

    >>> import numpy as np
    >>> short_value(np.array([0.1, 2.0, 3.5, 4.25, 5.0, 6.5]))
    '[0.1, 2, 3.5, … 6 values]'
    >>> short_value(np.float32(0.5))
    '0.5'
    """
    text = format_value(value)
    if len(text) <= width or not text.startswith("["):
        return text
    entries = text.strip("[]").replace("[", "").replace("]", "").split(", ")
    shown = []
    for entry in entries:
        candidate = ", ".join(shown + [entry])
        if len(candidate) + 14 > width and shown:
            break
        shown.append(entry)
    return f"[{', '.join(shown)}, … {np.size(np.asarray(value))} values]"


def format_value(value) -> str:
    """Scalars to 4 significant digits; arrays as shape plus a short summary; a PRNG key by its
    type (its bits mean nothing to a reader)."""
    from .dtypes import is_extended

    dtype = getattr(value, "dtype", None)
    if is_extended(dtype):
        return f"{dtype}[{','.join(map(str, getattr(value, 'shape', ())))}]"
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
    if a.size <= SMALL_ARRAY:
        return _array_text(a)
    if a.dtype == np.bool_:
        return f"{head} {int(a.sum())} True"
    if np.issubdtype(a.dtype, np.number):
        return f"{head} mean {float(np.mean(a)):.3g}, |max| {float(np.max(np.abs(a))):.3g}"
    return head


def _array_text(a: np.ndarray) -> str:
    """A small array written out: [[1, 2], [3, 4]], [True, False], [0.5, -1.25]."""
    if a.dtype == np.bool_:
        fmt = lambda x: str(bool(x))
    elif np.issubdtype(a.dtype, np.integer):
        fmt = lambda x: str(int(x))
    elif np.issubdtype(a.dtype, np.complexfloating):
        fmt = lambda x: f"{complex(x):.3g}"
    else:
        fmt = lambda x: f"{float(x):.4g}"

    def nest(x):
        return "[" + ", ".join(nest(y) for y in x) + "]" if x.ndim else fmt(x)
    return nest(a)


# Params that only say how, not what: left out of node labels.
QUIET_PARAMS = ("name", "accuracy", "out_sharding", "sharding", "donated_invars", "inline",
                "keep_unused", "ctx_mesh", "compiler_options_kvs", "in_shardings", "out_shardings",
                "in_layouts", "out_layouts", "resource_env", "debug_info", "symbolic_zeros",
                "num_consts", "jvp_jaxpr_fun", "precision", "preferred_element_type",
                "_split_transpose", "unroll", "linear", "jaxpr", "branches", "weak_type",
                "dimension_numbers", "algorithm", "transpose_algorithm", "sharding", "copy_p",
                "broadcast_dimensions", "indices_are_sorted", "unique_indices", "mode", "fill_value",
                "update_jaxpr", "update_consts")


def operation_label(eqn) -> tuple[str, str]:
    """(label, detail) for a node: the primitive and the params that teach something.

    A contraction is written as what it computes: ``@`` for a matrix product, else an
    einsum string (``bij,bjk->bik``); a cast as ``to f32``.
    """
    name = eqn.primitive.name
    params = eqn.params
    if name == "dot_general":
        spec = einsum_spec(params["dimension_numbers"], len(eqn.invars[0].aval.shape),
                           len(eqn.invars[1].aval.shape))
        if spec in PLAIN_MATMULS:
            return "@", ""
        return ("outer", "") if spec == "a,b->ab" else ("einsum", spec)
    if name == "convert_element_type":
        return "convert", f"to {short_dtype(params['new_dtype'])}"
    return name, format_params(params)


PLAIN_MATMULS = {"ab,b->a", "a,ab->b", "ab,bc->ac", "a,a->", "abc,acd->abd"}


def einsum_spec(dimension_numbers, lhs_ndim: int, rhs_ndim: int) -> str:
    """``dot_general``'s dimension numbers as an einsum string: (((1,), (0,)), ((), ())) -> ab,bc->ac.

    >>> einsum_spec((((2,), (1,)), ((0,), (0,))), 3, 3)
    'abc,acd->abd'
    """
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    lhs = [""] * lhs_ndim
    rhs = [""] * rhs_ndim
    for i, j in zip(lhs_batch, rhs_batch):
        lhs[i] = rhs[j] = next(letters)
    free_lhs = []
    for i in range(lhs_ndim):
        if i in lhs_contract:
            lhs[i] = lhs[i] or next(letters)
        elif not lhs[i]:
            lhs[i] = next(letters)
            free_lhs.append(lhs[i])
    for i, j in zip(lhs_contract, rhs_contract):
        rhs[j] = lhs[i]
    free_rhs = []
    for j in range(rhs_ndim):
        if not rhs[j]:
            rhs[j] = next(letters)
            free_rhs.append(rhs[j])
    out = [lhs[i] for i in lhs_batch] + free_lhs + free_rhs
    return f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"


def format_params(params: dict, limit: int = 40) -> str:
    """Key params in one short line; sub-jaxprs and callables are left out."""
    from jax.extend import core as jcore

    parts = []
    for k, v in params.items():
        if v is None or isinstance(v, (jcore.Jaxpr, jcore.ClosedJaxpr)) or callable(v) or k in QUIET_PARAMS:
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
