"""Jaxprs of a function and of its transformations, as text, an equation table and statistics.

>>> import jax.numpy as jnp
>>> r = describe_jaxpr(lambda x: x**2 + jnp.exp(x), 3.0)
>>> [row["primitive"] for row in r.views[0].table]
['integer_pow', 'exp', 'add']
"""
from __future__ import annotations

import html
import re
import inspect
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from ..core.errors import JaxCalcError, UnsupportedPrimitiveError
from ..core.jaxpr import split_static

TRANSFORMS = ("grad", "jvp", "vjp", "hessian", "taylor")


@dataclass
class JaxprView:
    """One jaxpr with its equation table and statistics."""

    label: str
    closed: Any  # jax.extend.core.ClosedJaxpr

    @property
    def text(self) -> str:
        return self._printed()[0]

    def _printed(self):
        """The jaxpr's text and the names it gave each variable, from one pretty-printing pass."""
        if getattr(self, "_cache", None) is None:
            try:  # JAX's printer, sharing its naming context (private API, guarded)
                from jax._src import core as _core

                context = _core.JaxprPpContext()
                doc = _core.pp_jaxpr(self.closed.jaxpr, context, _core.JaxprPpSettings())
                # no ANSI colour codes: they would show as garbage in HTML and saved notebooks
                text = doc.format(use_color=False)
                name = lambda v: str(_core.pp_var(v, context, print_literal_dtype=False))
                if self.closed.consts:
                    text = self.closed.pretty_print(use_color=False)
            except Exception:
                text, name = _plain(str(self.closed)), str
            self._cache = (text, name)
        return self._cache

    def _name(self, var) -> str:
        return self._printed()[1](var)

    @property
    def table(self) -> list[dict]:
        from ..core.jaxpr_text import format_aval, format_literal, format_params
        from jax.extend.core import Literal

        def atom(a):
            return format_literal(a.val) if isinstance(a, Literal) else self._name(a)

        rows = []
        for i, eqn in enumerate(self.closed.jaxpr.eqns):
            rows.append({
                "index": i,
                "outputs": ", ".join(self._name(v) for v in eqn.outvars),
                "primitive": eqn.primitive.name,
                "params": format_params(eqn.params, limit=60),
                "inputs": ", ".join(atom(a) for a in eqn.invars),
                "shapes": ", ".join(format_aval(v.aval) for v in eqn.outvars),
            })
        return rows

    @property
    def stats(self) -> dict:
        from ..core.jaxpr import count_equations, iter_equations, nesting_depth

        jaxpr = self.closed.jaxpr
        return {
            "equations": len(jaxpr.eqns),
            "equations_nested": count_equations(jaxpr),
            "depth": nesting_depth(jaxpr),
            "primitives": dict(Counter(e.primitive.name for e in iter_equations(jaxpr)).most_common()),
            "inputs": len(jaxpr.invars),
            "constants": len(jaxpr.constvars),
            "outputs": len(jaxpr.outvars),
        }

    def describe(self) -> str:
        """Plain text, in the spirit of a commented walk through the equations."""
        jaxpr = self.closed.jaxpr
        names = lambda vs: "[" + ", ".join(self._name(v) for v in vs) + "]"
        lines = [f"{self.label}: inputs {names(jaxpr.invars)}, constants {names(jaxpr.constvars)}"]
        for row in self.table:
            params = f" with {row['params']}" if row["params"] else ""
            lines.append(f"  {row['index']}. {row['outputs']} = {row['primitive']}{params} on {row['inputs']}  [{row['shapes']}]")
        lines.append(f"  output: {names(jaxpr.outvars)}")
        s = self.stats
        hist = ", ".join(f"{k} {v}" for k, v in s["primitives"].items())
        lines.append(f"  {s['equations']} equations ({s['equations_nested']} with sub-jaxprs), depth {s['depth']}: {hist}")
        return "\n".join(lines)

    def html(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("#", "outputs", "primitive", "params", "inputs", "shapes"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in
                                           ("index", "outputs", "primitive", "params", "inputs", "shapes")) + "</tr>"
                       for r in self.table)
        s = self.stats
        hist = ", ".join(f"{html.escape(k)}&nbsp;{v}" for k, v in s["primitives"].items())
        return (f'<div class="jaxcalc-jaxpr"><h4>{html.escape(self.label)}</h4>'
                f"<pre>{highlight(self.text)}</pre>"
                f"<table><tr>{head}</tr>{body}</table>"
                f"<p>{s['equations']} equations ({s['equations_nested']} including sub-jaxprs), "
                f"nesting depth {s['depth']}; primitives: {hist}</p></div>")


def _plain(text: str) -> str:
    """Text without ANSI escape sequences."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


_PRIMITIVE = re.compile(r"(= )([a-z_][\w-]*)")
_TYPE = re.compile(r"\b((?:f|i|u|c|bf)\d+|bool)(\[[\d,]*\])")


# No one colour reads at 4.5:1 on both a white and a near-black page: the colours are the
# notebook theme's own syntax colours (light and dark), with fallbacks that read on white
# (nbconvert's HTML, GitHub): 6.4:1 and 6.9:1; keywords keep the text colour, in italics.
TYPE_COLOR = "var(--jp-mirror-editor-variable-2-color, #1a5e9a)"
PRIMITIVE_COLOR = "var(--jp-mirror-editor-keyword-color, #0b6e0b)"


def highlight(text: str) -> str:
    """Escape a jaxpr's text and colour its primitive names and types.

    >>> highlight("let b = sin a")
    '<i>let</i> b = <b style="color:var(--jp-mirror-editor-keyword-color, #0b6e0b)">sin</b> a'
    """
    out = html.escape(text)
    out = _TYPE.sub(rf'<span style="color:{TYPE_COLOR}">\1\2</span>', out)
    out = _PRIMITIVE.sub(rf'\1<b style="color:{PRIMITIVE_COLOR}">\2</b>', out)
    return re.sub(r"\b(lambda|let|in)\b", r'<i>\1</i>', out)


@dataclass
class JaxprResult:
    """What ``%jaxpr`` shows: one jaxpr, or several side by side (``--compare``)."""

    views: list[JaxprView]

    @property
    def jaxpr(self):
        return self.views[0].closed

    def _repr_html_(self) -> str:
        if len(self.views) == 1:
            return self.views[0].html()
        cells = "".join(f'<div style="flex:1; min-width:0; overflow-x:auto">{v.html()}</div>' for v in self.views)
        counts = " vs ".join(f"{html.escape(v.label)}: {v.stats['equations_nested']}" for v in self.views)
        return f'<div><p>equations {counts}</p><div style="display:flex; gap:1em">{cells}</div></div>'

    def __repr__(self) -> str:
        return "\n\n".join(v.describe() for v in self.views)


def transformed(f: Callable, transform: str | None, args: tuple, taylor_order: int = 3,
                name: str | None = None) -> tuple[str, Callable]:
    """``f`` under a transformation, with a label: grad, jvp, vjp, hessian or taylor (K).
    ``name`` is what the user called f (``jax.grad(g)``: ``jax.grad`` keeps g's ``__name__``)."""
    import jax
    import jax.numpy as jnp

    name = name or getattr(f, "__name__", "f")
    if transform is None:
        return name, f
    if transform == "grad":
        return f"grad({name})", jax.grad(f, argnums=_differentiable_arguments(args))
    if transform == "hessian":
        return f"hessian({name})", jax.hessian(f)
    if transform == "jvp":
        return f"jvp({name})", lambda *xs: jax.jvp(f, xs, jax.tree_util.tree_map(jnp.ones_like, xs))
    if transform == "vjp":
        def vjp(*xs):
            out, pullback = jax.vjp(f, *xs)
            return pullback(jax.tree_util.tree_map(jnp.ones_like, out))
        return f"vjp({name})", vjp
    if transform == "taylor":
        from ..taylor.engine.coefficients import taylor_mode, check_order

        order = check_order(taylor_order)
        if len(args) != 1:
            raise JaxCalcError("a Taylor-mode jaxpr needs a function of one argument")
        return (f"taylor{order}({name})",
                lambda x: taylor_mode(f, order, x, jnp.ones_like(x)))
    raise JaxCalcError(f"unknown transformation {transform!r}: use one of {', '.join(TRANSFORMS)}")


def _differentiable_arguments(args: tuple) -> int | tuple[int, ...]:
    """The positions of the arguments that hold floating-point values (a label or an index
    ``y`` is not differentiated); all of them when none does, so JAX names the problem."""
    import jax
    import jax.numpy as jnp

    def inexact(arg):
        leaves = jax.tree_util.tree_leaves(arg)
        return bool(leaves) and all(jnp.issubdtype(jnp.result_type(leaf), jnp.inexact) for leaf in leaves)

    chosen = tuple(i for i, arg in enumerate(args) if inexact(arg)) or tuple(range(len(args)))
    return chosen[0] if len(chosen) == 1 else chosen


def _has_signature(f) -> bool:
    from ..core.paths import wrapped_function

    try:
        inspect.signature(wrapped_function(f))
        return True
    except (TypeError, ValueError):
        return False


def describe_jaxpr(f: Callable, *args: Any, transform: str | None = None, compare: bool = False,
                   taylor_order: int = 3, name: str | None = None) -> JaxprResult:
    """The jaxpr of ``f(*args)`` (or of its transformation), with a table and statistics.

    ``compare=True`` puts f beside its gradient; ``name`` titles f (default its ``__name__``).
    """
    from ..core.tracing import trace

    wanted = [None, transform or "grad"] if compare else [transform]
    name = name or getattr(f, "__name__", None)
    from ..core.paths import wrapped_function
    from ..core.tracing import capturing_updates

    names = [p for p in inspect.signature(wrapped_function(f)).parameters][:len(args)] if _has_signature(f) else []
    # a step that updates its arguments in place (an NNX train_step) returns them: they are its outputs
    f, args = split_static(capturing_updates(f, names), args)  # functions and flags static, as eqx.filter_jit
    views = []
    for t in wanted:
        label, g = transformed(f, t, args, taylor_order, name)
        try:
            views.append(JaxprView(label, trace(g, *args, static_outputs=True)[0]))
        except UnsupportedPrimitiveError as err:   # there is no Taylor-mode program to show
            at = f" ({err.where})" if err.where else ""
            raise JaxCalcError(f"the Taylor engine has no rule for the JAX primitive '{err.primitive_name}'{at}, "
                               f"so {label} has no Taylor-mode program to show; {{jvp}} shows JAX's forward "
                               "mode", options={"jvp": None}) from None
    return JaxprResult(views)
