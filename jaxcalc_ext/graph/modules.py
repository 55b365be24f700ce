"""Name what a program calls by the user's own model structure: ``conv1: Conv``,
``blocks[3]: TransformerBlock``, ``layers[4]: Linear``.

Equinox and Flax NNX models are objects holding their submodules at attribute paths. While a
function is traced, :func:`module_scopes` wraps each module class's ``__call__`` in a
``jax.named_scope`` named by the instance's path and class, so every equation a module makes
carries its name; the graph builder reads it back as a *module* level (:mod:`.scopes`). The
paths are found on the objects the traced function receives and on those it closes over
(function closures and the globals it names). Haiku pushes its own module names
(``mlp/linear_0``) and needs nothing here. The library's own scope inside a named module
(Equinox's ``eqx.nn.Linear``) is redundant and is dropped by :func:`module_level_names`.

>>> is_module_label("blocks[3]: TransformerBlock"), is_module_label("attention")
(True, False)
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import re
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..core.paths import readable_path
from ..core.user_code import is_user_file

# Module base classes, by the library that defines them: looked up only if already imported.
MODULE_BASES = (("equinox", "Module"), ("flax.nnx", "Module"))
# Scopes a library opens inside its own modules' calls: redundant inside a named module.
LIBRARY_SCOPE_PREFIXES = ("eqx.", "equinox.", "flax.", "nnx.")
_LABEL = re.compile(r"^[\w\[\]\.\-–]+: \w+$")
_PATCH_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65536)
def is_module_label(name: str) -> bool:
    """Whether a named scope is one this module pushed (``path: Class``)."""
    return bool(_LABEL.match(name))


def _module_bases() -> tuple[type, ...]:
    bases = []
    for module_name, attribute in MODULE_BASES:
        module = sys.modules.get(module_name)
        base = getattr(module, attribute, None) if module is not None else None
        if isinstance(base, type):
            bases.append(base)
    return tuple(bases)


def _path_text(path: tuple) -> str:
    return readable_path(path).lstrip(".") or ""


@dataclass(frozen=True)
class ModuleName:
    label: str    # what the drawing says: "model: CNN", "conv1: Conv", "blocks[3]: Block"
    path: str     # the attribute path from the model ("" for the model itself)
    module: Any


def module_names(roots: list[tuple[str, Any]], below: str = "") -> dict[int, ModuleName]:
    """``id(module) -> ModuleName`` for every module reachable from the named roots, walking
    pytrees (lists, dicts, a module's fields) with their key paths. A root module is labelled by
    its name and class (``model: CNN``), the modules inside it by their paths from it
    (``conv1: Conv``, ``blocks[3]: Block``), or from ``below`` when the root is itself inside."""
    import jax

    bases = _module_bases()
    if not bases:
        return {}
    names: dict[int, ModuleName] = {}

    def visit(obj: Any, path: str, root_name: str) -> None:
        if isinstance(obj, bases) and not type(obj).__name__.startswith("_"):
            # (a library's private wrapper, such as eqx.filter_grad's _GradWrapper, is walked
            # through but not named: it is the transformation, not a part of the model)
            if id(obj) in names:
                return
            head = path or root_name
            names[id(obj)] = ModuleName(f"{head}: {type(obj).__name__}" if head else type(obj).__name__, path, obj)
        try:
            children = jax.tree_util.tree_flatten_with_path(
                obj, is_leaf=lambda x: x is not obj and isinstance(x, bases))[0]
        except Exception:  # not a pytree we can walk: nothing named below it
            return
        for key_path, child in children:
            if isinstance(child, bases):
                text = _path_text(key_path)
                visit(child, f"{path}.{text}" if path and text and not text.startswith("[") else path + text, "")

    for name, root in roots:
        visit(root, below, name)
    return names


def closure_roots(f: Callable) -> list[tuple[str, Any]]:
    """The objects a function closes over, and the globals its code names, with their names."""
    roots = []
    seen: set[int] = set()
    for fn in _unwrapped(f):
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
            try:
                roots.append((name, cell.cell_contents))
            except ValueError:  # an empty cell
                pass
        globals_ = getattr(fn, "__globals__", {})
        roots += [(name, globals_[name]) for name in code.co_names if name in globals_]
    out = []
    for name, obj in roots:
        if id(obj) not in seen and not isinstance(obj, (type, type(sys))):
            seen.add(id(obj))
            out.append((name, obj))
    return out


def _parameter_names(f: Callable) -> list[str]:
    import inspect

    try:
        return [p.name for p in inspect.signature(f).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _unwrapped(f: Callable) -> list[Callable]:
    chain = []
    while f is not None and len(chain) < 16:
        chain.append(f)
        f = getattr(f, "__wrapped__", None) or getattr(f, "func", None)  # functools.wraps, partial
    return chain


@contextlib.contextmanager
def module_scopes(names: dict[int, "ModuleName"]) -> Iterator[None]:
    """Within the block, in this thread, a call of a named module runs inside
    ``jax.named_scope(its name)``; a module of the same class not found on the way (a copy that
    ``nnx.grad`` made) is named by its class, and its submodules by their paths from it.

    The classes' ``__call__`` are wrapped while any block uses them (counted, so overlapping
    blocks in other threads, such as an interrupted request still tracing, neither wait for
    each other nor restore each other's wrappers); the wrapper names nothing in a thread with
    no block open, and each class is restored when its last block ends.
    """
    classes = list(dict.fromkeys(type(n.module) for n in names.values() if callable(n.module)))
    if not classes:
        yield
        return
    known = dict(names)    # also keeps the modules alive, so their ids stay unique meanwhile

    def label_of(module) -> str:
        """The module's name, and its submodules' names below it: a copy made on the way (by
        eqx.filter_grad or nnx.grad) names its own children, by their paths from it."""
        name = known.setdefault(id(module), ModuleName(type(module).__name__, "", module))
        for key, child in module_names([("", module)], below=name.path).items():
            known.setdefault(key, child)
        if not _call_is_users(type(module)):
            _remember_library_label(name.label)
        return name.label

    with _PATCH_LOCK:
        for cls in classes:
            if cls in _WRAPPED:
                _WRAPPED[cls][1] += 1
            else:
                _WRAPPED[cls] = [cls.__dict__.get("__call__", _MISSING), 1]
                type.__setattr__(cls, "__call__", _naming_call(cls.__call__))
    token = _LABEL_OF.set(label_of)
    try:
        yield
    finally:
        _LABEL_OF.reset(token)
        with _PATCH_LOCK:
            for cls in classes:
                _WRAPPED[cls][1] -= 1
                if _WRAPPED[cls][1] == 0:
                    saved, _ = _WRAPPED.pop(cls)
                    if saved is _MISSING:
                        type.__delattr__(cls, "__call__")
                    else:
                        type.__setattr__(cls, "__call__", saved)


@functools.lru_cache(maxsize=1024)
def _call_is_users(cls: type) -> bool:
    """Whether the class's ``__call__`` is the user's code (a model they wrote) rather than a
    library's (``eqx.nn.Linear``); read before the naming wrapper replaces it."""
    call = _WRAPPED[cls][0] if cls in _WRAPPED else cls.__dict__.get("__call__", _MISSING)
    if call is _MISSING:
        call = getattr(cls, "__call__", None)
    code = getattr(inspect.unwrap(call), "__code__", None) if call is not None else None
    return code is not None and is_user_file(code.co_filename)


_LIBRARY_LABELS: dict[str, None] = {}            # labels of modules whose code is a library's
LIBRARY_LABELS_KEPT = 4096


def _remember_library_label(label: str) -> None:
    _LIBRARY_LABELS[label] = None
    if len(_LIBRARY_LABELS) > LIBRARY_LABELS_KEPT:
        del _LIBRARY_LABELS[next(iter(_LIBRARY_LABELS))]


def is_library_module(label: str) -> bool:
    """Whether a module scope named ``label`` is a library's module (``query_proj: Linear``):
    no line of the user's runs inside it, so the user's line that called it is outside it.

    >>> is_library_module("no such module: Nothing")
    False
    """
    return label in _LIBRARY_LABELS


_MISSING = object()
_WRAPPED: dict[type, list] = {}                  # class -> [its own __call__ or _MISSING, blocks using it]
_LABEL_OF: contextvars.ContextVar = contextvars.ContextVar("jaxcalc_module_label_of", default=None)
_NAMING: contextvars.ContextVar = contextvars.ContextVar("jaxcalc_module_naming", default=())


def _naming_call(original: Callable) -> Callable:
    """``__call__`` opening the module's named scope when a naming block is open in this thread
    (once per module: a subclass inheriting a wrapped ``__call__`` does not name itself twice)."""
    import jax

    def call(self, *args, **kwargs):
        label_of = _LABEL_OF.get()
        if label_of is None or id(self) in _NAMING.get():
            return original(self, *args, **kwargs)
        token = _NAMING.set(_NAMING.get() + (id(self),))
        try:
            with jax.named_scope(label_of(self)):
                return original(self, *args, **kwargs)
        finally:
            _NAMING.reset(token)
    return call


def named_modules(f: Callable) -> Callable:
    """``f`` traced with its modules named (see the module docstring): the names are found on
    the arguments it is called with and on what it closes over."""
    import functools

    parameters = _parameter_names(f)

    @functools.wraps(f)
    def traced(*args):
        args = tuple(with_named_functions(a) for a in args)
        named_args = [(parameters[i] if i < len(parameters) else f"arg{i}", a) for i, a in enumerate(args)]
        names = module_names(named_args + [("self", f)] + closure_roots(f))
        with module_scopes(names):   # the objects stay alive in names while f runs
            return f(*args)
    return traced


# Module classes whose instances hold plain functions as layers (Equinox's
# ``layers = [eqx.nn.Conv2d(...), jax.nn.relu, jnp.ravel, ...]``).
FUNCTION_HOLDING_BASES = (("equinox", "Module"),)


def with_named_functions(obj: Any) -> Any:
    """A copy of a module whose functions listed as layers (``layers[2]`` = ``jax.nn.relu``)
    each run in a named scope ``layers[2]: relu``, as its submodules do; anything else is
    returned as it is.
    The copy is what the traced function receives (the arguments are rebuilt from their leaves
    for every trace), so the user's model is never touched.

    >>> with_named_functions([abs]) == [abs]   # not a module: unchanged
    True
    """
    bases = tuple(getattr(sys.modules.get(m), a, None) for m, a in FUNCTION_HOLDING_BASES)
    bases = tuple(b for b in bases if isinstance(b, type))
    if not bases or not isinstance(obj, bases):
        return obj
    import jax

    def is_function(x) -> bool:
        return callable(x) and not isinstance(x, (type, *bases)) and not hasattr(x, "shape")

    leaves, tree = jax.tree_util.tree_flatten_with_path(obj, is_leaf=lambda x: x is not obj and is_function(x))
    # only the entries of a list of layers: a function in a field of its own (MaxPool2d's
    # ``operation = lax.max``) is a parameter of the library's code, which may test its identity
    named = [_named_function(leaf, f"{_path_text(path)}: {getattr(leaf, '__name__', type(leaf).__name__)}")
             if is_function(leaf) and path and isinstance(path[-1], jax.tree_util.SequenceKey) else leaf
             for path, leaf in leaves]
    return jax.tree_util.tree_unflatten(tree, named)


def _named_function(fn: Callable, label: str) -> Callable:
    import functools

    import jax

    if not is_module_label(label):
        return fn

    @functools.wraps(fn)
    def call(*args, **kwargs):
        with jax.named_scope(label):
            return fn(*args, **kwargs)
    return call


# jnp.einsum opens a named scope named by its subscripts ("hqd,hkd->hqk"): JAX's, not the user's
# (the operation is drawn by that same einsum string).
_EINSUM_SCOPE = re.compile(r"^[\w,.]*->[\w.]*$")


def module_level_names(scopes: list[str]) -> list[str]:
    """A named-scope stack with the library's own scopes inside a named module left out, and
    JAX's own einsum scopes left out everywhere.

    >>> module_level_names(["attention", "hqd,hkd->hqk"])
    ['attention']
    """
    out: list[str] = []
    inside_module = False
    scopes = [name for name in scopes if not _EINSUM_SCOPE.match(name)]
    for name in scopes:
        if is_module_label(name):
            inside_module = True
            out.append(name)
        elif inside_module and name.startswith(LIBRARY_SCOPE_PREFIXES):
            continue
        else:
            inside_module = False if not name.startswith(LIBRARY_SCOPE_PREFIXES) else inside_module
            out.append(name)
    return out
