"""Turn what the user typed after a magic into a Python function (no JAX, no IPython).

Accepted forms: a name or dotted name in the namespace (``f``, ``jnp.tanh``), any
expression that evaluates to a callable (``lambda x: x**2``, ``jax.grad(g)``), or an
expression in free variables (``sin(x) + cos(x)``, ``x**2 + 2*x*y + y**3``; the variables
take arguments in alphabetical order unless given) where
``jax.numpy`` functions are available by bare name.

>>> fn = resolve_function("x**2 + 2*x*y", {}).function
>>> fn(1.0, 3.0)
7.0
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..core.errors import JaxCalcError

# Names that can be free variables of an expression: a single letter of any alphabet (x, y, t,
# θ), with digits (w1, x_2), or a Greek letter's name (theta).
_GREEK = ("alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lam|mu|nu|xi|rho|sigma|tau|"
          "phi|chi|psi|omega")
_VARIABLE_NAME = re.compile(rf"(?:[^\W\d_]|{_GREEK})(_?\d+)?$")


@dataclass(frozen=True)
class ResolvedFunction:
    function: Callable
    label: str                      # what to call it in titles: the source text
    variables: tuple[str, ...] | None  # free variables of an expression, in call order


def math_namespace() -> dict[str, Any]:
    """Bare names for expressions: jax.numpy's functions and constants, plus jax, jnp, lax."""
    import jax
    import jax.numpy as jnp

    ns = {k: getattr(jnp, k) for k in dir(jnp) if not k.startswith("_")}
    ns.update(jax=jax, jnp=jnp, lax=jax.lax, np=jnp, pi=jnp.pi, e=jnp.e, inf=jnp.inf,
              erf=jax.scipy.special.erf, relu=jax.nn.relu, sigmoid=jax.nn.sigmoid,
              softplus=jax.nn.softplus, gamma=jax.scipy.special.gamma,
              lgamma=jax.scipy.special.gammaln)
    return ns


def _parse(text: str) -> ast.Expression | None:
    """The expression's syntax tree, or None when it nests too deeply for Python's ``ast``
    objects (a sum of thousands of terms), which Python's compiler still compiles: such text is
    read by its tokens (:func:`_names_by_tokens`) and compiled directly."""
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise JaxCalcError(f"syntax error in '{_shortened(text)}': {err.msg}; "
                           "write a Python expression such as sin(x) + cos(x)") from None
    except (RecursionError, MemoryError):
        try:
            compile_deep(text, "<expression>")
        except SyntaxError as err:
            raise JaxCalcError(f"syntax error in '{_shortened(text)}': {err.msg}") from None
        except (RecursionError, MemoryError):
            raise JaxCalcError(f"the expression '{_shortened(text)}' nests too deeply for Python to "
                               "compile: define it as a function (def f(x): ...) with a loop") from None
        return None


DEEPEST_EXPRESSION = 20_000   # recursion allowed while compiling one long expression


def compile_deep(text: str, name: str):
    """Compile an expression that nests deeper than the recursion limit (a sum of 3,000 terms is
    3,000 nested additions to Python's compiler), with the limit raised for the compile only,
    on the caller's thread (the main thread's stack holds it); longer text is refused."""
    import sys

    text = text.strip()
    limit = sys.getrecursionlimit()
    if len(text) > 50 * DEEPEST_EXPRESSION:
        raise RecursionError("expression too long")
    sys.setrecursionlimit(max(limit, DEEPEST_EXPRESSION))
    try:
        return compile(text, name, "eval")
    finally:
        sys.setrecursionlimit(limit)


def _shortened(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 20] + " ... " + text[-15:]


def _names_by_tokens(text: str) -> tuple[list[str], set[str]]:
    """:func:`_names` for text too deep for ``ast``: names not after a dot, in order of first
    use, and those followed by a call's parenthesis (names bound by a lambda are left out)."""
    import io
    import keyword
    import tokenize

    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text.strip()).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    seen, called, bound, in_lambda = [], set(), set(), False
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == "lambda":
            in_lambda = True
            continue
        if in_lambda:
            if tok.type == tokenize.OP and tok.string == ":":
                in_lambda = False
            elif tok.type == tokenize.NAME:
                bound.add(tok.string)
            continue
        if tok.type != tokenize.NAME or keyword.iskeyword(tok.string) or tok.string in bound:
            continue
        if i and tokens[i - 1].type == tokenize.OP and tokens[i - 1].string == ".":
            continue
        if i + 1 < len(tokens) and tokens[i + 1].string == "=" and i and tokens[i - 1].string in "(,":
            continue   # a keyword argument's name
        if i + 1 < len(tokens) and tokens[i + 1].string == "(":
            called.add(tok.string)
        if tok.string not in seen:
            seen.append(tok.string)
    return seen, called


def _names(tree: ast.AST) -> tuple[list[str], set[str]]:
    """Loaded names in order of first use, and the names used as the callee of a call."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args)
        elif isinstance(node, ast.comprehension):
            bound.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    seen, called = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            if node.id not in seen:
                seen.append(node.id)
    return seen, called


def _is_number(value) -> bool:
    """A parameter's value: a Python or NumPy/JAX scalar (an array is data, not a parameter)."""
    import numbers

    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return True
    shape = getattr(value, "shape", None)
    return shape == () and getattr(value, "dtype", None) is not None and getattr(value.dtype, "kind", "") in "fiuc"


def resolve_function(text: str, namespace: dict, variables: list[str] | None = None,
                     coordinates: int | None = None, free_variables: bool = True) -> ResolvedFunction:
    """Resolve ``text`` against the user's namespace; see the module docstring.

    The variables of an expression are its single-letter-like names that are not bound to a
    number or a function: a name bound to data (``x = np.linspace(...)``) is still a variable,
    and a name bound to a number (``a = 2.0``) is a parameter. With ``coordinates`` (how many
    the point has), a mismatch is a one-line error; ``variables`` (``--vars``) overrides.
    Without ``free_variables`` (``%graddag``, ``%jaxpr``) the text must name a function.
    """
    text = text.strip()
    if not text:
        raise JaxCalcError("no function given: write e.g. sin(x) + cos(x), a name, or a lambda")
    tree = _parse(text)
    scope = {**math_namespace(), **namespace}
    names, called = _names(tree) if tree is not None else _names_by_tokens(text)
    known = lambda n: n in scope or hasattr(builtins, n)
    if not free_variables:
        unknown = [n for n in names if not known(n)]
        if unknown:
            raise JaxCalcError(f"unknown name '{unknown[0]}': define it first (def {unknown[0]}(x): ...) "
                               "or give a lambda")
    if variables is None:
        free = sorted(n for n in names if not known(n))
        not_variables = [n for n in free if not _VARIABLE_NAME.match(n)]
        if not_variables:
            raise JaxCalcError(f"unknown name '{not_variables[0]}': define it first (free variables of an "
                               "expression are single letters such as x, y, w1; or name them with --vars)")
        shadowed = sorted(n for n in names if n in namespace and n not in called and _VARIABLE_NAME.match(n)
                          and not callable(namespace[n]) and not _is_number(namespace[n])
                          and n not in math_namespace())
        free = sorted(set(free) | set(shadowed))   # x = np.linspace(...) in the notebook: a variable here
        # One variable with several coordinates is a vector variable (sum(sin(v)**2) --at 1,2,3).
        if len(free) > 1 and coordinates is not None and len(free) != coordinates:
            raise JaxCalcError(
                f"'{text}' has {len(free)} variable{'s' if len(free) > 1 else ''} ({', '.join(free)}) but --at "
                f"gives {coordinates} coordinate{'s' if coordinates > 1 else ''}: give one per variable, "
                "or name the variables with --vars")
    else:
        free = list(variables)
        missing = [n for n in names if not known(n) and n not in free]
        if missing:
            raise JaxCalcError(f"unknown name '{missing[0]}': define it first, or add it to --vars "
                               f"(--vars {','.join(free + [missing[0]])})")
        if coordinates is not None and len(free) != coordinates:
            raise JaxCalcError(f"--vars names {len(free)} variable{'s' if len(free) > 1 else ''} but --at gives "
                               f"{coordinates} coordinate{'s' if coordinates > 1 else ''}: give one per variable")
    unknown_calls = sorted(n for n in called if n in free or not known(n))
    if unknown_calls:
        raise JaxCalcError(f"unknown name '{unknown_calls[0]}': define it first, or use a "
                           "jax.numpy function such as sin, exp, tanh")
    code = compile(tree, "<expression>", "eval") if tree is not None else compile_deep(text, "<expression>")
    if not free:
        try:
            value = eval(code, dict(scope))
        except Exception as err:  # the user's expression failed: say how, in one line
            raise JaxCalcError(f"evaluating '{text}' failed: {type(err).__name__}: {err}") from None
        if callable(value):
            return ResolvedFunction(value, text, None)
        # Every variable-like name is bound to a number (x = 5 in the notebook): the point's
        # coordinates pick them when their counts agree; otherwise say which to name.
        free = sorted(n for n in names if _VARIABLE_NAME.match(n) and _is_number(scope.get(n)))
        if not free:
            raise JaxCalcError(f"'{text}' is a value, not a function: write an expression in a "
                               "variable (sin(x)), a lambda, or the name of a function")
        if coordinates is not None and len(free) != coordinates:
            raise JaxCalcError(f"in '{text}', {', '.join(free)} are numbers in your namespace (parameters): "
                               f"name the variable{'s' if coordinates > 1 else ''} with --vars")
    free = tuple(free)
    for name in free:
        scope.pop(name, None)

    def function(*values):
        if len(values) != len(free):
            raise JaxCalcError(f"'{text}' takes {len(free)} argument{'s' * (len(free) != 1)} "
                               f"({', '.join(free)}), got {len(values)}")
        return eval(code, {**scope, **dict(zip(free, values))})

    function.__name__ = "expression"
    function.__qualname__ = text
    import inspect
    function.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in free])
    return ResolvedFunction(function, text, free)


def resolve_cell(cell: str, namespace: dict) -> ResolvedFunction:
    """The function a cell defines: its last ``def``, or its last expression.

    The cell runs in a copy of the namespace (plus jax, jnp and the bare jax.numpy names), so
    names it binds do not appear among the user's variables; objects it mutates are the user's
    own, as with any Python function.
    """
    try:
        module = ast.parse(cell)
    except SyntaxError as err:
        raise JaxCalcError(f"syntax error in the cell, line {err.lineno}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise JaxCalcError("the cell nests too deeply for Python to read: define the function with a "
                           "loop (def f(x): ...)") from None
    if not module.body:
        raise JaxCalcError("the cell is empty: define a function (def f(x): ...) or write an expression")
    scratch = {**math_namespace(), **namespace}  # the same bare names as the one-line form
    last = module.body[-1]
    body = module.body[:-1] if isinstance(last, ast.Expr) else module.body
    try:
        exec(compile(ast.Module(body=body, type_ignores=[]), "<cell>", "exec"), scratch)
    except Exception as err:
        raise JaxCalcError(f"running the cell failed: {type(err).__name__}: {err}") from None
    if isinstance(last, ast.Expr):
        return resolve_function(ast.get_source_segment(cell, last) or ast.unparse(last), scratch)
    defs = [s for s in module.body if isinstance(s, ast.FunctionDef)]
    if not defs:
        raise JaxCalcError("the cell defines no function: end it with a def or an expression")
    name = defs[-1].name
    function = scratch.get(name)
    if not callable(function):
        raise JaxCalcError(f"the cell defines {name} but then binds it to {type(function).__name__} "
                           f"{_shortened(repr(function), 30)}: end the cell with the function (its def, or "
                           "an expression giving it)")
    return ResolvedFunction(function, name, None)


def evaluate(text: str, namespace: dict, what: str) -> Any:
    """Evaluate an option value (``--at pi/2``) in the user's namespace plus math names."""
    try:
        tree = _parse(text)
        code = compile(tree, "<option>", "eval") if tree is not None else compile_deep(text, "<option>")
        return eval(code, {**math_namespace(), **namespace})
    except JaxCalcError:
        raise JaxCalcError(f"cannot read {what} '{text}': write a number or a Python expression") from None
    except Exception as err:
        raise JaxCalcError(f"cannot evaluate {what} '{text}': {type(err).__name__}: {err}") from None


def _top_level_spaces(text: str) -> list[int]:
    """Positions of spaces outside brackets and strings: candidate function/argument splits."""
    depth, quote, out = 0, None, []
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " " and depth == 0:
            out.append(i)
    return out


def _split_call(text: str) -> tuple[str, list[ast.expr], list] | None:
    """The function text and the argument expressions: ``f 1.0, 2.0`` (a call's argument list
    after the shortest leading expression), or ``f 1.0 2.0`` (arguments apart by spaces)."""
    spaces = _top_level_spaces(text)
    for cut in spaces:
        head, tail = text[:cut].strip(), text[cut:].strip()
        if not head or not tail:
            continue
        try:
            ast.parse(head, mode="eval")
            call = ast.parse(f"_f({tail})", mode="eval")
        except (SyntaxError, RecursionError, MemoryError):
            continue
        return head, call.body.args, call.body.keywords
    pieces = [p for p in (text[a:b].strip() for a, b in zip([0] + spaces, spaces + [len(text)])) if p]
    if len(pieces) > 2:
        try:
            ast.parse(pieces[0], mode="eval")
            return pieces[0], [ast.parse(p, mode="eval").body for p in pieces[1:]], []
        except (SyntaxError, RecursionError, MemoryError):
            return None
    return None


def resolve_call(text: str, namespace: dict, magic: str = "%jaxpr") -> tuple[ResolvedFunction, tuple]:
    """``"f 3.0"``, ``"loss params, batch"``, ``"jax.grad(g) 1.5"``, ``"f 1.0 2.0"`` ->
    (function, arguments). The arguments are evaluated in the user's namespace."""
    text = text.strip()
    if not text:
        raise JaxCalcError(f"no function given: write e.g. {magic} f 3.0")
    split = _split_call(text)
    if split is None:
        tree = _parse(text)  # a syntax error in the whole line is reported as such
        if tree is not None and isinstance(tree.body, ast.Call) and tree.body.args:
            function = ast.unparse(tree.body.func)
            arguments = ", ".join(ast.unparse(a) for a in tree.body.args)
            raise JaxCalcError(f"write the function and its arguments apart: {magic} {function} {arguments} "
                               f"(not {text})")
        raise JaxCalcError(f"give the function and its arguments: e.g. {magic} f 3.0 (got '{text}')")
    head, arg_nodes, keywords = split
    if keywords:
        raise JaxCalcError("give the arguments by position, not by keyword")
    resolved = resolve_function(head, namespace, free_variables=False)
    scope = {**math_namespace(), **namespace}
    try:
        args = tuple(eval(compile(ast.Expression(a), "<args>", "eval"), scope) for a in arg_nodes)
    except Exception as err:
        tail = ", ".join(ast.unparse(a) for a in arg_nodes)
        raise JaxCalcError(f"evaluating the arguments '{tail}' failed: {type(err).__name__}: {err}") from None
    _check_arguments(args)
    return resolved, args


def _check_arguments(args: tuple) -> None:
    """Arguments JAX can trace (numbers, arrays, PRNG keys, pytrees and models holding them): a
    string given as an argument is refused; non-array leaves inside a model are held static."""
    import jax
    import numpy as np

    # A string given as an argument is a mistake; a string inside a model is held static.
    strings = [a for a in args if isinstance(a, (str, bytes))]
    objects = [leaf for leaf in jax.tree_util.tree_leaves(args) if isinstance(leaf, np.ndarray) and leaf.dtype == object]
    for leaf in strings + objects:
        raise JaxCalcError(f"the argument {leaf!r} is not a number or an array: JAX traces numbers, "
                           "arrays and pytrees of them")
