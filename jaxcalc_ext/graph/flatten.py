"""jaxpr -> a flat list of steps: the first stage of a computation graph.

One loop walks the jaxpr (:meth:`Flattener.walk`); call-like equations (``jit``,
``custom_jvp_call``, ``custom_vjp_call``, ``checkpoint``) found through their params are
expanded (a ``call`` level in each step's scope) or kept as one step named after the function
(``relu``, ``where``). Each step knows how to evaluate itself (JAX's own ``bind``) and where it
came from (its scope: named scopes, modules, calls, source lines).

>>> import jax, jax.numpy as jnp
>>> closed = jax.make_jaxpr(lambda w: jnp.tanh(w) * 2.0)(1.5)
>>> flat = Flattener(fold=True)
>>> outputs = flat.walk(closed.jaxpr, closed.consts, [flat.new_key(v.aval) for v in closed.jaxpr.invars], [])
>>> [s.label for s in flat.steps]
['tanh', 'mul']
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..core.jaxpr import (bind_equation, call_body, call_name, equation_flops, has_custom_rule, is_backward,
                          labelled_sub_jaxprs, sub_jaxprs)
from ..core.jaxpr_text import format_aval, operation_label
from ..core.progress import CHECKPOINT_EVERY
from ..core.progress import step as progress_step
from .scopes import FOLD_NAMES, Level, equation_source, place_named_scopes

@dataclass(frozen=True)
class LiteralOperand:
    """A literal operand (a constant written into the equation)."""

    value: Any


@dataclass
class FlatStep:
    """One equation as drawn: what it computes, from which values, where it came from."""

    label: str
    detail: str
    inputs: list          # value keys (int) or LiteralOperand
    outputs: list[int]
    backward: bool
    evaluate: Callable[..., list]
    avals: list = field(default_factory=list)
    repeat: int = 1
    identity: bool = False
    bodies: list = field(default_factory=list)  # (name, jaxpr) of loops and branches, drawn as structure
    scope: list = field(default_factory=list)   # Levels, outermost first (see scopes.py)
    flops: int = 0
    origin: tuple = ()   # the user's call that made it (scopes._frames_origin)
    callee: str | None = None   # the library function the user's line called for it (avg_pool, relu)
    call_name: str | None = None   # the folded library call (relu) that made it, or whose derivative it is
    rule: "RuleCall | None" = None  # the custom_jvp/custom_vjp call whose body it is in: JAX's adjoint
                                    # passes through the call's rule, never through these steps


@dataclass
class RuleCall:
    """A call with a derivative rule of its own (custom_jvp, custom_vjp), as the reverse sweep
    sees it: one unit from its inputs to its outputs, differentiated by JAX through its rule.
    Its body is still drawn, step by step, with values; the adjoints inside it are not JAX's."""

    label: str
    inputs: list
    evaluate: Callable[..., list]
    outputs: list = field(default_factory=list)
    steps: list = field(default_factory=list)


def _bind(eqn) -> Callable[..., list]:
    prim, params = eqn.primitive, eqn.params

    def run(*args):
        out = bind_equation(prim, params, *args)
        return list(out) if prim.multiple_results else [out]
    return run


def _run_body(body) -> Callable[..., list]:
    from jax.extend.core import jaxpr_as_fun

    fun = jaxpr_as_fun(body)
    return lambda *args: list(fun(*args))


def is_identity(eqn) -> bool:
    """Equations that only rename a value: mul by 1, casts that keep the dtype, copies."""
    name = eqn.primitive.name
    if name in ("copy", "copy_p"):
        return True
    if name == "convert_element_type":
        return eqn.invars[0].aval.dtype == eqn.outvars[0].aval.dtype
    if name == "mul":
        from jax.extend.core import Literal as JaxLiteral

        lits = [a for a in eqn.invars if isinstance(a, JaxLiteral)]
        return len(lits) == 1 and np.all(np.asarray(lits[0].val) == 1) and \
            eqn.outvars[0].aval.shape == [a for a in eqn.invars if not isinstance(a, JaxLiteral)][0].aval.shape
    return False


class Flattener:
    """Walks a jaxpr into a flat list of steps, each knowing where it came from (its scope).

    Calls (jit, custom_jvp, checkpoint) are expanded with a ``call`` level in the scope,
    except library wrappers (relu, jnp.where's _where), kept as one step under their name.
    """

    def __init__(self, fold: bool):
        self.fold = fold
        self.steps: list[FlatStep] = []
        self.consts: dict[int, Any] = {}
        self.avals: dict[int, Any] = {}
        self.counter = 0
        self.calls = 0
        # What the reverse sweep replays, in program order: steps outside every custom-rule
        # call, and each outermost custom-rule call as one RuleCall.
        self.units: list = []
        self._rule: RuleCall | None = None

    def new_key(self, aval) -> int:
        self.counter += 1
        self.avals[self.counter] = aval
        return self.counter

    def expand(self, name: str, raw_name: str) -> bool:
        return not (self.fold and (name in FOLD_NAMES or raw_name.startswith("_")))

    def _fresh_outputs(self, unit: "RuleCall", outs: list, eqn, scope: list) -> list:
        """A rule call's outputs as values of its own: a body that hands back its input (a
        gradient-clipping identity) still has an output the rule's adjoint belongs to."""
        made_here = {k for step in unit.steps for k in step.outputs}
        fresh = []
        for out, var in zip(outs, eqn.outvars):
            if isinstance(out, int) and out in made_here:
                fresh.append(out)
                continue
            key = self.new_key(var.aval)
            step = FlatStep("copy", "", [out], [key], unit.steps[0].backward if unit.steps else False,
                            lambda v: [v], [format_aval(var.aval)], identity=True, scope=list(scope), rule=unit)
            self.steps.append(step)
            unit.steps.append(step)
            fresh.append(key)
        return fresh

    def walk(self, jaxpr, consts, inputs, prefix: list, backward: bool = False) -> list:
        """``backward``: the jaxpr is the body of a transposed call, whose own equations carry
        no transpose mark in their name stacks: every step of it is in the backward sweep."""
        from jax.extend.core import Literal as JaxLiteral

        env: dict = {}
        for var, value in zip(jaxpr.constvars, consts):
            key = self.new_key(var.aval)
            self.consts[key] = value
            env[var] = key
        env.update(zip(jaxpr.invars, inputs))
        read = lambda a: LiteralOperand(a.val) if isinstance(a, JaxLiteral) else env[a]
        sources = []
        for i, e in enumerate(jaxpr.eqns):
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(jaxpr.eqns), "reading tracebacks")
            sources.append(equation_source(e))
        scopes = relative_scopes([levels for levels, _, _ in sources])
        for i, (eqn, scope, (_, origin, callee)) in enumerate(zip(jaxpr.eqns, scopes, sources)):
            if i % CHECKPOINT_EVERY == 0:
                progress_step(i, len(jaxpr.eqns), "reading the program")
            ins = [read(a) for a in eqn.invars]
            body = call_body(eqn.params, len(eqn.invars))
            name = call_name(eqn)
            raw_name = str(eqn.params.get("name", ""))
            if body is not None and self.expand(name, raw_name):
                self.calls += 1
                # a library's private or _impl function (Equinox's branched_error_if_impl) names no group
                hidden = name.endswith("_impl") or raw_name.startswith("_")
                call = None if hidden else Level(("call", self.calls), name, "call")
                unit = None
                if self._rule is None and has_custom_rule(eqn):
                    unit = self._rule = RuleCall(name, ins, _bind(eqn))
                    self.units.append(unit)
                try:
                    outs = self.walk(body.jaxpr, body.consts, ins, prefix + scope + ([call] if call else []),
                                     backward or is_backward(eqn))
                finally:
                    if unit is not None:
                        self._rule = None
                if unit is not None:
                    outs = self._fresh_outputs(unit, outs, eqn, prefix + scope + ([call] if call else []))
                    unit.outputs = outs
                env.update(zip(eqn.outvars, outs))
                continue
            outs = [self.new_key(v.aval) for v in eqn.outvars]
            env.update(zip(eqn.outvars, outs))
            if body is not None:   # a folded call, bound as the call it is (its rule, if any, included)
                label, detail = name, f"{len(body.jaxpr.eqns)} equations"
                run = _bind(eqn) if has_custom_rule(eqn) else _run_body(body)
            else:
                (label, detail), run = operation_label(eqn), _bind(eqn)
                subs = sub_jaxprs(eqn.params)
                if subs:
                    detail = (detail + "; " if detail else "") + f"body {sum(len(s.eqns) for s in subs)} eqns"
            bodies = labelled_sub_jaxprs(eqn.params) if body is None else []
            step = FlatStep(label, detail, ins, outs, backward or is_backward(eqn), run,
                            [format_aval(v.aval) for v in eqn.outvars], identity=is_identity(eqn),
                            bodies=bodies, scope=prefix + scope, flops=equation_flops(eqn),
                            origin=origin, callee=callee,
                            call_name=name if body is not None else None, rule=self._rule)
            self.steps.append(step)
            if self._rule is None:
                self.units.append(step)
            else:
                self._rule.steps.append(step)
        return [read(a) for a in jaxpr.outvars]


def _custom_derivative_call(origin: tuple) -> bool:
    return any(frame[0].endswith("custom_derivatives.py") for frame in origin)


def name_by_call(steps: list[FlatStep]) -> None:
    """Every step made by the same call of the user's as a folded library call (the mask a
    custom_jvp ``relu`` computes for its derivative, the transposed ops of its backward) is
    named after that call: ``relu``. Only a custom derivative's call site says which function
    it was (a jitted function's says only "jit": an inlined jnp.ravel beside it shares it), and
    where one site made several (``x = layer(x)`` over a list of layers), nothing is named by it."""
    named: dict[tuple, set[str]] = {}
    for step in steps:
        if step.call_name and _custom_derivative_call(step.origin):
            named.setdefault(step.origin, set()).add(step.call_name)
    for step in steps:
        names = named.get(step.origin, ())
        if len(names) == 1:   # a loop calling several layers from one line shares one origin: no guess
            step.call_name = next(iter(names))


def relative_scopes(scopes: list[list[Level]]) -> list[list[Level]]:
    """Each equation's scope without the levels every equation here shares (the function
    being drawn, or the body of a call)."""
    scopes = place_named_scopes(scopes)
    if not scopes:
        return scopes
    common = 0
    shortest = min(len(s) for s in scopes)
    while common < shortest and all(s[common].key == scopes[0][common].key for s in scopes):
        common += 1
    return [s[common:] for s in scopes]
