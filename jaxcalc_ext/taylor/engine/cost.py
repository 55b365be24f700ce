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

# Fitted constants (seconds, bytes): see the module docstring.
SERIES_OPS_PER_SECOND = 2e8      # Toeplitz multiply-adds per second reached by the Taylor rules
COMPILE_SECONDS_PER_EQUATION = 2e-3
COMPILE_SECONDS_FIXED = 0.1
LAPACK_FLOPS_PER_SECOND = 5e9    # dense inverses of the interpolation matrices
NESTED_SECONDS_PER_EQUATION = 1.7e-4   # nested jvp: time ~ E * 2.5**K (measured to K = 10)
JET_SECONDS_PER_EQUATION = 2.8e-4      # jax.experimental.jet: time ~ E * K**2.2
BYTES_PER_TEMPORARY = 2          # Toeplitz matrix plus the solve's workspace


@dataclass(frozen=True)
class ProgramProfile:
    """What a Taylor pass through a jaxpr costs per unit of (K+1) and (K+1)^2."""

    equations: int            # equations, sub-jaxprs included (compile time)
    nonlinear_elements: int   # elements computed by non-linear rules, per pass (memory)
    nonlinear_work: int       # the same, times loop trip counts (work)
    linear_elements: int      # elements of every floating value (series rows)


def program_profile(jaxpr: jcore.Jaxpr) -> ProgramProfile:
    """Equation counts and element counts of a jaxpr, sub-jaxprs included."""
    equations = nonlinear = work = linear = 0
    for eqn in jaxpr.eqns:
        subs = sub_jaxprs(eqn.params)
        if subs:
            trips = int(eqn.params.get("length", 1) or 1)
            for sub in subs:
                inner = program_profile(sub)
                equations += inner.equations
                nonlinear += inner.nonlinear_elements
                work += inner.nonlinear_work * trips
                linear += inner.linear_elements
            continue
        equations += 1
        size = sum(_size(v.aval) for v in eqn.outvars if _inexact(v.aval))
        linear += size
        if size and eqn.primitive.name not in LINEAR_PRIMITIVES:
            if eqn.primitive.name == "dot_general":   # a Cauchy product per contracted element
                size = max(size, max(_size(v.aval) for v in eqn.invars if hasattr(v, "aval")))
            nonlinear += size
            work += size
    return ProgramProfile(equations, nonlinear, work, linear)


def _size(aval) -> int:
    return int(np.prod(getattr(aval, "shape", ()), dtype=np.int64))


def _inexact(aval) -> bool:
    return is_inexact(getattr(aval, "dtype", None))


def _itemsize(jaxpr: jcore.Jaxpr) -> int:
    sizes = [itemsize(v.aval.dtype) for v in jaxpr.invars if _inexact(v.aval)]
    return max(sizes, default=8)


def taylor_pass_cost(jaxpr: jcore.Jaxpr, order: int, directions: int = 1, *,
                     chunk: int | None = None, what: str | None = None) -> Cost:
    """One Taylor pass of order ``order`` along ``directions`` directions, ``chunk`` at a time."""
    profile = program_profile(jaxpr)
    rows = order + 1
    item = _itemsize(jaxpr)
    per_direction_bytes = item * (BYTES_PER_TEMPORARY * rows * rows * profile.nonlinear_elements
                                  + rows * profile.linear_elements)
    at_once = directions if chunk is None else min(chunk, directions)
    ops = directions * 2.0 * rows * rows * profile.nonlinear_work + directions * rows * profile.linear_elements
    seconds = (COMPILE_SECONDS_FIXED + COMPILE_SECONDS_PER_EQUATION * profile.equations
               + ops / SERIES_OPS_PER_SECOND)
    return Cost(at_once * per_direction_bytes, seconds, what or f"order {order}")


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
