"""Where each equation came from: the user's own structure, read from its source info.

JAX keeps, for every equation, the Python traceback that created it and the ``named_scope``
stack (``name_stack``); transposed equations of a gradient keep the traceback of the forward
equation they transpose. From these we read, outermost first:

- the ``jax.named_scope`` scopes (flax modules push theirs);
- the user's own functions (``block``, ``layer_norm``), found as frames in files outside
  site-packages, the standard library and this package;
- a library activation the equation belongs to (``jax.nn.gelu``, ``softmax``, ``standardize``),
  which becomes a folded node;
- for the innermost user function, the source line, so one line of code can be one box.

>>> import jax, jax.numpy as jnp
>>> def layer(x):
...     return jax.nn.gelu(x) + 1.0
>>> eqns = jax.make_jaxpr(layer)(1.0).jaxpr.eqns
>>> [level.label for level in equation_scope(eqns[2])][-1]
'gelu'
"""
from __future__ import annotations

import functools
import linecache
import os
from dataclasses import dataclass

from ..core.user_code import is_user_file
from .modules import is_library_module, is_module_label, module_level_names

# Library functions drawn as one named node, keyed by (file suffix, function name); the
# flattener folds their calls (and a few more helpers) into one step: FOLD_NAMES.
ACTIVATION_FILES = ("jax/_src/nn/functions.py", "jax/_src/ops/special.py", "jax/_src/numpy/lax_numpy.py")
ACTIVATIONS = {
    "gelu": "gelu", "silu": "silu", "swish": "silu", "softmax": "softmax", "log_softmax": "log_softmax",
    "standardize": "layer norm", "logsumexp": "logsumexp", "relu": "relu", "relu6": "relu6",
    "sigmoid": "sigmoid", "softplus": "softplus", "log_sigmoid": "log_sigmoid", "elu": "elu",
    "leaky_relu": "leaky_relu", "celu": "celu", "selu": "selu", "glu": "glu", "hard_tanh": "hard_tanh",
    "mish": "mish", "squareplus": "squareplus", "hard_sigmoid": "hard_sigmoid", "hard_silu": "hard_silu",
    "dot_product_attention": "attention", "one_hot": "one_hot", "where": "where", "clip": "clip",
}
# Folded with ``fold`` on: every activation (attention keeps its structure), and jax.numpy's
# helpers; calls whose name starts with "_" (jax.numpy's private helpers) are folded too.
FOLD_NAMES = (frozenset(ACTIVATIONS) - {"dot_product_attention"}) | {
    "logaddexp", "standardize", "sign", "maximum", "minimum", "mean", "var",
    "ravel", "expand_dims", "squeeze", "swapaxes", "moveaxis"}
SOURCE_LABEL_CHARS = 32
# Levels read from the named-scope stack: the user's scopes and the modules named by .modules.
NAMED_KINDS = ("scope", "module")


@dataclass(frozen=True)
class Level:
    """One level of an equation's origin. ``key`` tells instances apart (a function called
    from two lines is two keys); ``line`` is where, inside it, the equation was made."""

    key: tuple
    label: str
    kind: str          # scope | module | function | activation | line
    line: int = 0


@functools.lru_cache(maxsize=4096)
def _activation(file_name: str, function_name: str) -> str | None:
    if any(file_name.endswith(suffix) for suffix in ACTIVATION_FILES):
        return ACTIVATIONS.get(function_name)
    return None


@functools.lru_cache(maxsize=4096)
def source_text(file_name: str, line: int) -> str:
    """The statement's first line, stripped and shortened for a cluster label ('' when unknown):
    an equation made on a continuation line (``dt0=ts[1] - ts[0], y0=y0,``) is named by the
    statement it continues (``sol = diffrax.diffeqsolve(...)``)."""
    line = statement_start(file_name, line)
    text = linecache.getline(file_name, line).strip()
    if "#" in text:
        text = text.split("#")[0].rstrip()
    return shortened(text)


@functools.lru_cache(maxsize=256)
def _statement_spans(file_name: str) -> tuple[tuple[int, int], ...]:
    """(first, last) line of every simple statement in a file or cell, innermost last."""
    import ast

    source = "".join(linecache.getlines(file_name))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    return tuple((node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
                 if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef,
                                                                          ast.AsyncFunctionDef, ast.If, ast.For,
                                                                          ast.While, ast.With, ast.Try)))


def statement_start(file_name: str, line: int) -> int:
    """The first line of the innermost statement holding ``line`` (``line`` when unknown)."""
    spans = [span for span in _statement_spans(file_name) if span[0] <= line <= span[1]]
    return min(spans, key=lambda span: span[1] - span[0])[0] if spans else line


def shortened(label: str) -> str:
    """A group's label cut to SOURCE_LABEL_CHARS (a notebook's width holds three side by side)."""
    return label if len(label) <= SOURCE_LABEL_CHARS else label[:SOURCE_LABEL_CHARS - 1] + "…"


def _named_scopes(eqn) -> list[str]:
    stack = getattr(eqn.source_info, "name_stack", None)
    scopes = []
    for entry in getattr(stack, "stack", ()):
        name = getattr(entry, "name", None)  # Scope entries; Transform entries (jvp, transpose) have none
        if type(entry).__name__ == "Scope" and name:
            scopes.append(str(name))
    return scopes


@dataclass(frozen=True)
class _Frame:
    file_name: str
    function_name: str
    line_num: int


def _raw_frames(eqn) -> list[tuple]:
    """(code, bytecode offset) pairs, outermost first: cheaper than building Frame objects."""
    traceback = eqn.source_info.traceback
    if traceback is None:
        return []
    codes, offsets = traceback.raw_frames()
    return list(zip(reversed(codes), reversed(offsets)))


@functools.lru_cache(maxsize=1 << 16)
def _frame(code, offset: int) -> _Frame:
    from jax._src.lib import xla_client

    line = xla_client.Traceback.code_addr2line(code, offset)
    return _Frame(code.co_filename, getattr(code, "co_qualname", code.co_name), line)


def equation_scope(eqn) -> list[Level]:
    """The levels an equation belongs to, outermost first (see the module docstring); named
    scopes first (:func:`place_named_scopes` moves them inside the functions that open them)."""
    return equation_source(eqn)[0]


def equation_source(eqn) -> tuple[list[Level], tuple, str | None]:
    """The equation's scope (:func:`equation_scope`), its origin (:func:`_frames_origin`) and
    the library function the user's line called to make it (:func:`_frames_callee`), from one
    read of the traceback."""
    levels, origin, callee = _source_of(tuple(_raw_frames(eqn)), tuple(_named_scopes(eqn)))
    return list(levels), origin, callee


@functools.lru_cache(maxsize=1 << 14)
def _source_of(frames: tuple, scopes: tuple) -> tuple[tuple, tuple, str | None]:
    """:func:`equation_source` of one traceback and name stack: the equations one source line
    makes (a layer's, each of its derivative's) share them, so each is read once."""
    named = [Level(("scope", i, name), name, "module" if is_module_label(name) else "scope")
             for i, name in enumerate(module_level_names(list(scopes)))]
    levels = named + list(_frames_scope(frames))
    if not named:   # a library that names nothing itself (Diffrax) is drawn by its own functions
        levels += _library_levels(frames)
    return tuple(levels), _frames_origin(frames), _frames_callee(frames)


# Library frames that only pass a call on (decorators, Haiku's method interceptors): the
# function they call names the equation, not they.
PASS_THROUGH = frozenset({None, "wrapped", "wrapper", "inner", "decorated", "run_interceptors", "wrapped_fn",
                          "fun_wrapped", "BoundMethod", "with_extra_args_support", "wrap_method"})
_JAX_INTERNALS = os.sep + os.path.join("jax", "_src") + os.sep
_OUR_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _last_user_frame(frames: tuple) -> int | None:
    return max((i for i, (code, _) in enumerate(frames) if is_user_file(code.co_filename)), default=None)


def _in_a_library(code) -> bool:
    """A frame of a library's own code: not the user's, not JAX's internals, not ours."""
    name = code.co_filename
    return not (_JAX_INTERNALS in name or name.startswith(_OUR_PACKAGE) or is_user_file(name))


@functools.lru_cache(maxsize=1 << 14)
def _frames_callee(frames: tuple) -> str | None:
    """The library function the user's innermost line called to make an equation, as that
    library names it: Flax's ``avg_pool``, Optax's ``softmax_cross_entropy_with_integer_labels``,
    an activation (``relu``); None when the line calls JAX itself (``jnp.tanh(x @ w)``, whose
    source line is the better name) or no user frame is known."""
    last_user = _last_user_frame(frames)
    if last_user is None:
        return None
    for code, _ in frames[last_user + 1:]:
        activation = _activation(code.co_filename, code.co_name)
        if activation is not None:
            return activation
        if not _in_a_library(code):
            continue
        name = _readable_name(getattr(code, "co_qualname", code.co_name), library=True)
        if name not in PASS_THROUGH:
            return name
    return None


LIBRARY_LEVELS = 2   # levels of a library's own functions drawn below the one the user called


@functools.lru_cache(maxsize=1 << 14)
def _library_levels(frames: tuple) -> tuple[Level, ...]:
    """Below the library function the user's line called (``diffeqsolve``), the library's own
    public functions that made an equation, outermost first, at most LIBRARY_LEVELS deep:
    ``RecursiveCheckpointAdjoint.loop``, ``Tsit5.step``. Private helpers, decorators and JAX
    itself are passed through. Inside a jitted library function JAX keeps no frame of the
    user's: the first library function is then the jitted one (its call is drawn already)."""
    last_user = _last_user_frame(frames)
    names: list[tuple] = []
    for code, _ in frames[(-1 if last_user is None else last_user) + 1:]:
        name = _readable_name(getattr(code, "co_qualname", code.co_name), with_class=True, library=True) \
            if _in_a_library(code) else None
        if name is None or name.startswith("_") or name.split(".")[-1] in PASS_THROUGH:
            continue
        names.append((code.co_filename, code.co_firstlineno, name))
    levels, caller = [], None
    for file_name, first_line, name in names[1:1 + LIBRARY_LEVELS]:   # names[0]: what the line called
        key = ("library", file_name, first_line, caller)
        levels.append(Level(key, name, "library"))
        caller = key
    return tuple(levels)


def _readable_name(qualname: str, with_class: bool = False, library: bool = False) -> str | None:
    """``MLP.__call__`` -> ``MLP``, ``pool.<locals>.inner`` -> ``inner``, ``<lambda>`` -> None;
    ``with_class``: a method keeps its class (``Tsit5.step``). In a library (``library``), a
    function defined inside another is named by the public function that made it, as the library
    documents it: ``clip_by_global_norm.<locals>.update_fn`` -> ``clip_by_global_norm`` (Optax's
    transforms), ``loop.<locals>.body_fun_aux`` -> ``loop``; a private name names nothing.

    >>> _readable_name("scale_by_adam.<locals>.update_fn", library=True)
    'scale_by_adam'
    >>> _readable_name("_VmapWrapper.__call__", library=True) is None
    True
    """
    if library and "<locals>" in qualname:
        qualname = qualname.split(".<locals>")[0]
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    if parts and parts[-1] == "__call__" and len(parts) > 1:
        parts = parts[:-1]
    if not parts or parts[-1].startswith("<"):
        return None
    if library and any(p.startswith("_") and not p.startswith("__") or p.endswith("_impl") for p in parts):
        return None   # a library's private helper: what called it, or what it calls, names the step
    if with_class and len(parts) > 1 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]


@functools.lru_cache(maxsize=1 << 14)
def _frames_scope(frames: tuple) -> tuple[Level, ...]:
    """The function, line and activation levels of one traceback (equations made by the same
    call share their traceback's frames, so this is computed once per call)."""
    levels: list[Level] = []
    caller: tuple | None = None
    last_user = None
    for code, offset in frames:
        file_name = code.co_filename
        name = _activation(file_name, code.co_name)
        if name is not None:
            levels = _with_line(levels, last_user)
            return tuple(levels + [Level(("activation", name, caller), name, "activation",
                                         _frame(code, offset).line_num)])
        if is_user_file(file_name):
            frame = _frame(code, offset)
            function = _readable_name(frame.function_name) or "<lambda>"   # Net.__call__ -> Net
            if function not in ("<module>", "<lambda>", "<listcomp>", "<genexpr>", "<dictcomp>"):
                levels.append(Level(("function", file_name, function, caller), function, "function",
                                    frame.line_num))
            caller = (file_name, frame.line_num)
            last_user = frame
    return tuple(_with_line(levels, last_user))


@functools.lru_cache(maxsize=1 << 14)
def _frames_origin(frames: tuple) -> tuple:
    """Which call in the user's code made this equation: the innermost user frame's bytecode
    offset (one per call, even several on a line) and the library frames below it down to the
    primitive's ``bind``. A primitive's forward equation, the equations of its derivative and
    their transposes in a gradient all share it (JAX gives them the forward call's traceback),
    so the explorer can link a forward node to its backward ones.
    """
    last_user = _last_user_frame(frames)
    if last_user is None:
        return ()
    key = []
    for code, offset in frames[last_user:]:
        if code.co_filename.endswith(("jax/_src/core.py", "interpreters/partial_eval.py")):
            break
        key.append((code.co_filename, code.co_firstlineno, offset))
    return tuple(key)


def _with_line(levels: list[Level], frame) -> list[Level]:
    if frame is None:
        return levels
    text = source_text(frame.file_name, frame.line_num)
    if text:
        levels.append(Level(("line", frame.file_name, frame.line_num), text, "line", frame.line_num))
    return levels


def place_named_scopes(scopes: list[list[Level]]) -> list[list[Level]]:
    """Move each named scope inside the functions all its equations share: a
    ``with jax.named_scope("attention")`` written in ``block`` sits inside ``block``.

    (JAX records the scope stack and the Python stack separately; a scope opened in a function
    holds equations whose frames all pass through that function.)
    """
    if not any(lv.kind in NAMED_KINDS for s in scopes for lv in s[:1]):
        return scopes                             # no named scopes (they always come first)
    keys = [tuple(s) for s in scopes]                          # hashed once: levels hash slowly
    distinct = list(dict.fromkeys(keys))                       # equations of one call share theirs
    frames_of = [[lv for lv in s if lv.kind not in NAMED_KINDS] for s in distinct]
    named_of = [[lv for lv in s if lv.kind in NAMED_KINDS] for s in distinct]
    shared: dict[tuple, list[Level]] = {}    # scope -> the functions all its equations are in
    for frames, named in zip(frames_of, named_of):
        functions = []                                  # the user's functions, outermost first
        for lv in frames:
            if lv.kind != "function":
                break
            functions.append(lv)
        for level in named:
            prefix = shared.get(level.key, functions)
            n = 0
            while n < min(len(prefix), len(functions)) and prefix[n].key == functions[n].key:
                n += 1
            shared[level.key] = prefix[:n]
    placed = {}
    for key, frames, named in zip(distinct, frames_of, named_of):
        at = [len(shared[level.key]) for level in named]
        at = [max(at[:i + 1]) for i in range(len(at))]       # nested scopes never move outwards
        if named and frames and frames[-1].kind == "line" and at[-1] == len(frames) - 1 \
                and is_library_module(named[-1].label):
            frames = frames[:-1]   # the line called a library's module: its equations are inside it
        path = []
        for i, frame in enumerate(frames + [None]):
            path.extend(level for level, where in zip(named, at) if where == i)
            if frame is not None:
                path.append(frame)
        placed[key] = path
    return [list(placed[key]) for key in keys]
