"""Cost models: memory and time of a Taylor request, read off the traced program's shapes.

A truncated series of order K is an array with K+1 rows, so an equation that is linear in
its series operands (add, reshape, slicing, sums) costs ``(K+1) * size`` per pass. Every
other rule (products, quotients, the ODE recurrences of the elementary functions) builds
and solves ``(K+1) x (K+1)`` Toeplitz systems per element: ``(K+1)^2 * size`` memory and
about twice that in multiply-adds. Loop bodies count once in memory and ``length`` times in
work. The constants below were fitted on this project's benchmarks (a shared 2-core CPU
machine); estimates err on the side of too large.

>>> import jax, jax.numpy as jnp
>>> traced = jax.make_jaxpr(lambda x: jnp.sin(x) * jnp.cos(x))(0.5)
>>> profile = program_profile(traced.jaxpr)
>>> profile.nonlinear_elements, profile.equations
(3, 3)
>>> mlp = jax.make_jaxpr(lambda x, w: jnp.tanh(x @ w) @ w)(jnp.ones(64), jnp.ones((64, 64)))
>>> profile = program_profile(mlp.jaxpr, (True, False))   # x @ W is linear in x: no 64 x 64 temporaries
>>> profile.largest_nonlinear, profile.peak_series_elements
(64, 128)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from jax.extend import core as jcore

from ...core.budget import Cost

from ...core.dtypes import is_inexact, itemsize
from ...core.jaxpr import sub_jaxprs
from .rules import LINEAR_PRIMITIVES

# Fitted constants (seconds, bytes): see the module docstring and benchmarks/cost_model.py.
SERIES_OPS_PER_SECOND = 7e7      # Toeplitz multiply-adds per second the Taylor rules reach on large arrays
COMPILE_SECONDS_FIXED = 0.25
COMPILE_SECONDS_PER_EQUATION = 1.8e-3   # lowering, linear in the program's equations
COMPILE_SECONDS_SUPERLINEAR = 4.2e-4    # XLA's passes: 4.2e-4 E^1.32 s (0.46 s at 200, 9.6 s at 2,000)
COMPILE_EXPONENT = 1.32
COMPILE_BYTES_PER_EQUATION = 2.5e5      # XLA's memory while it compiles (0.75 GB at 2,000 equations)
EAGER_MIN_EQUATIONS = 60         # larger programs are interpreted equation by equation: compiling
                                 # them whole costs more (1.8 s at 100 equations, against 1.0 s)
EAGER_SECONDS_PER_EQUATION = 1.5e-4     # one interpreted pass (a batch of a few directions), per series equation
EAGER_SECONDS_PER_CONSTANT = 5e-5       # an equation that does not depend on x, evaluated once
EAGER_SECONDS_PER_RULE = 0.12           # compiling one rule signature, once per process
LAPACK_FLOPS_PER_SECOND = 5e9    # dense inverses of the interpolation matrices
NESTED_SECONDS_PER_EQUATION = 1.7e-4   # nested jvp: time ~ E * 2.5**K (measured to K = 10)
JET_SECONDS_PER_EQUATION = 2.8e-4      # jax.experimental.jet: time ~ E * K**2.2
BYTES_PER_TEMPORARY = 16         # Toeplitz matrices and solve workspaces alive at once (measured: 14.5)
INTERPRETED_BYTES_PER_EQUATION = 4e3    # the interpreter's per-equation bookkeeping and rule programs


@dataclass(frozen=True)
class ProgramProfile:
    """What a Taylor pass through a jaxpr costs per unit of (K+1) and (K+1)^2: read off its
    equations, which values depend on the input (only those carry series), and which are alive
    together (the peak of memory, not the sum of every value)."""

    equations: int            # equations, sub-jaxprs included (compile time)
    series_equations: int     # equations a series flows through (interpreted cost)
    nonlinear_elements: int   # elements computed by non-linear rules, per pass
    nonlinear_work: int       # the same, times loop trip counts (work)
    linear_elements: int      # elements of every floating value that depends on the input
    linear_work: int = 0      # the same, times loop trip counts
    peak_series_elements: int = 0    # series elements alive at once (rows each)
    largest_nonlinear: int = 0       # the largest one non-linear rule computes (its temporaries)
    peak_elements: int = 0           # floating elements alive at once in a plain evaluation
    largest_value: tuple = (0, None)  # (elements, equation) of the largest value made
    rule_signatures: int = 0         # distinct (primitive, output types) a series flows through

    @property
    def runs_eagerly(self) -> bool:
        """Large programs are interpreted, not compiled (see :func:`setup_cost`)."""
        return self.equations > EAGER_MIN_EQUATIONS


def program_profile(jaxpr: jcore.Jaxpr, series_inputs: tuple[bool, ...] | None = None) -> ProgramProfile:
    """Equation counts, element counts and peak live elements of a jaxpr, sub-jaxprs included.

    ``series_inputs`` says which inputs depend on the point (default: all); constants never do.
    A value depends on the point when any input of its equation does; a product or a ``dot``
    with one constant operand is linear in the series (``x @ W``), with two a Cauchy product.
    """
    series: set = set(v for v, s in zip(jaxpr.invars, series_inputs or (True,) * len(jaxpr.invars)) if s)
    last_use: dict = {}
    for i, eqn in enumerate(jaxpr.eqns):
        for v in eqn.invars:
            if isinstance(v, jcore.Var):
                last_use[v] = i
    for v in jaxpr.outvars:
        if isinstance(v, jcore.Var):
            last_use[v] = len(jaxpr.eqns)
    equations = series_eqns = nonlinear = work = linear = linear_work = largest_nl = 0
    live_series = live_all = peak_series = peak_all = 0
    largest = (0, None)
    signatures: set = set()
    alive: dict = {}
    for v in (*jaxpr.constvars, *jaxpr.invars):
        size = _size(v.aval) if _inexact(v.aval) else 0
        alive[v] = (size, v in series)
        live_all += size
        live_series += size if v in series else 0
    peak_series, peak_all = live_series, live_all
    for i, eqn in enumerate(jaxpr.eqns):
        reads_series = any(isinstance(v, jcore.Var) and v in series for v in eqn.invars)
        size = sum(_size(v.aval) for v in eqn.outvars if _inexact(v.aval))
        if size > largest[0]:
            largest = (size, eqn)
        subs = sub_jaxprs(eqn.params)
        inner_peak = inner_series_peak = 0
        if subs:
            trips = int(eqn.params.get("length", 1) or 1)
            for sub in subs:
                inner = program_profile(sub, None if reads_series else (False,) * len(sub.invars))
                equations += inner.equations
                series_eqns += inner.series_equations
                nonlinear += inner.nonlinear_elements
                work += inner.nonlinear_work * trips
                linear += inner.linear_elements
                linear_work += inner.linear_work * trips
                largest_nl = max(largest_nl, inner.largest_nonlinear)
                inner_peak = max(inner_peak, inner.peak_elements)
                inner_series_peak = max(inner_series_peak, inner.peak_series_elements)
                if inner.largest_value[0] > largest[0]:
                    largest = inner.largest_value
                signatures.add((eqn.primitive.name, inner.equations))
        else:
            equations += 1
            if reads_series and size:
                series_eqns += 1
                signatures.add((eqn.primitive.name, tuple(v.aval for v in eqn.outvars)))
                linear += size
                linear_work += size
                operands = [v for v in eqn.invars if isinstance(v, jcore.Var) and v in series]
                if eqn.primitive.name not in LINEAR_PRIMITIVES and not (
                        eqn.primitive.name in ("mul", "dot_general") and len(operands) < 2):
                    if eqn.primitive.name == "dot_general":   # a Cauchy product per contracted element
                        size = max(size, max(_size(v.aval) for v in eqn.invars if hasattr(v, "aval")))
                    nonlinear += size
                    work += size
                    largest_nl = max(largest_nl, size)
        for v in eqn.outvars:
            is_series = reads_series and _inexact(v.aval)
            if is_series:
                series.add(v)
            out = _size(v.aval) if _inexact(v.aval) else 0
            alive[v] = (out, is_series)
            live_all += out
            live_series += out if is_series else 0
        peak_all = max(peak_all, live_all + inner_peak)
        peak_series = max(peak_series, live_series + inner_series_peak)
        for v in {v for v in eqn.invars if isinstance(v, jcore.Var) and last_use.get(v) == i}:
            out, is_series = alive.pop(v, (0, False))
            live_all -= out
            live_series -= out if is_series else 0
    return ProgramProfile(equations, series_eqns, nonlinear, work, linear, linear_work,
                          peak_series, largest_nl, peak_all, largest, len(signatures))


def _size(aval) -> int:
    return int(np.prod(getattr(aval, "shape", ()), dtype=np.int64))


def _inexact(aval) -> bool:
    return is_inexact(getattr(aval, "dtype", None))


def _itemsize(jaxpr: jcore.Jaxpr) -> int:
    sizes = [itemsize(v.aval.dtype) for v in jaxpr.invars if _inexact(v.aval)]
    return max(sizes, default=8)


def setup_cost(profile: ProgramProfile) -> Cost:
    """Before the first pass: XLA's compile (seconds growing like E^1.32, memory like E), or,
    for a program interpreted equation by equation, a small compile per rule signature. XLA's
    own working set (about 60 MB, paid once per process) is not a request's."""
    e = profile.equations
    if profile.runs_eagerly:   # each rule signature compiled once (a rough count: at most all of them)
        return Cost(INTERPRETED_BYTES_PER_EQUATION * e, EAGER_SECONDS_PER_RULE * profile.rule_signatures)
    return Cost(COMPILE_BYTES_PER_EQUATION * e, COMPILE_SECONDS_FIXED + COMPILE_SECONDS_PER_EQUATION * e
                + COMPILE_SECONDS_SUPERLINEAR * e ** COMPILE_EXPONENT)


def pass_seconds(profile: ProgramProfile, ops: float) -> float:
    """One pass (a batch of directions): its arithmetic, plus the interpreter's dispatch when
    the program is not compiled."""
    seconds = ops / SERIES_OPS_PER_SECOND
    if profile.runs_eagerly:
        seconds += (EAGER_SECONDS_PER_EQUATION * profile.series_equations
                    + EAGER_SECONDS_PER_CONSTANT * (profile.equations - profile.series_equations))
    return seconds


def taylor_pass_cost(jaxpr: jcore.Jaxpr, order: int, directions: int = 1, *,
                     chunk: int | None = None, what: str | None = None, passes: int = 1) -> Cost:
    """``passes`` Taylor passes of order ``order`` along ``directions`` directions, ``chunk`` at
    a time: the compile (or nothing, interpreted), then each pass's memory at its peak (the
    series alive together, and one non-linear rule's temporaries) and its work."""
    profile = program_profile(jaxpr)
    rows = order + 1
    item = _itemsize(jaxpr)
    per_direction_bytes = item * (rows * profile.peak_series_elements + profile.peak_elements
                                  + BYTES_PER_TEMPORARY * rows * rows * profile.largest_nonlinear)
    at_once = directions if chunk is None else min(chunk, directions)
    ops = directions * (2.0 * rows * rows * profile.nonlinear_work + rows * profile.linear_work)
    setup = setup_cost(profile)
    chunks = -(-directions // at_once)
    seconds = setup.seconds + passes * (pass_seconds(profile, ops) + (chunks - 1) * pass_seconds(profile, 0.0))
    return Cost(at_once * per_direction_bytes + setup.memory_bytes, seconds, what or f"order {order}")


def direction_bytes(jaxpr: jcore.Jaxpr, order: int) -> float:
    """Peak memory of one direction's pass (to size chunks of directions)."""
    return taylor_pass_cost(jaxpr, order, 1).memory_bytes


def fallback_cost(jaxpr: jcore.Jaxpr, order: int, method: str) -> Cost:
    """Nested jvp grows like 2.5**K in traced equations, jet like K**2.2 (measured)."""
    equations = max(program_profile(jaxpr).equations, 1)
    if method == "nested":
        seconds = NESTED_SECONDS_PER_EQUATION * equations * 2.5 ** min(order, 200)
    else:
        seconds = JET_SECONDS_PER_EQUATION * equations * max(order, 1) ** 2.2
    return Cost(0.0, seconds, f"order {order} by {'nested jvp' if method == 'nested' else 'jet'}")


def lattice_size(n: int, order: int) -> int:
    """Number of lattice directions of degrees 1..order in n variables."""
    return math.comb(n + order, n) - 1


def interpolation_cost(n: int, order: int, degrees: range | None = None) -> Cost:
    """Inverting the degree-k Vandermonde matrices (one per degree, size C(n+k-1, k))."""
    degrees = degrees if degrees is not None else range(1, order + 1)
    sizes = [math.comb(n + k - 1, k) for k in degrees if k >= 3 or n == 1]  # k <= 2: closed forms
    flops = sum(2.0 * m ** 3 for m in sizes)
    memory = 3 * 8.0 * max((m * m for m in sizes), default=0)
    return Cost(memory, flops / LAPACK_FLOPS_PER_SECOND)


def multivariate_cost(jaxpr: jcore.Jaxpr, n: int, order: int, chunk_bytes: float) -> Cost:
    """All monomials of degree <= order in n variables: lattice passes plus interpolation."""
    directions = lattice_size(n, order) if order else 1
    per = max(direction_bytes(jaxpr, order), 1.0)
    chunk = max(1, int(chunk_bytes // per))
    passes = taylor_pass_cost(jaxpr, order, directions, chunk=chunk)
    interpolation = interpolation_cost(n, order)
    out = 8.0 * directions * (order + 1)
    return Cost(max(passes.memory_bytes, interpolation.memory_bytes) + out,
                passes.seconds + interpolation.seconds,
                f"order {order} in {n} variables ({directions} directions)")
