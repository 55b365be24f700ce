"""Enclosure rules: beside each Taylor rule, how balls go through the primitive.

Every row of the Taylor engine's table (:data:`~jaxcalc_ext.taylor.engine.rules.REGISTRY`) gets
its ``enclosure`` here: a rule ``(params, *inputs) -> output(s)`` over :class:`~.balls.Ball`
values (and plain arrays for integers and decided booleans), or the reason it has none, so that
every primitive the engine expands is either enclosed or refused by name. ``tests`` check that
no row is left without one.

Three kinds of rows:

- index maps (reshape, slice, gather, select_n, ...): the same map applied to the midpoints and
  to the radii, exactly;
- sums and products (add, reduce_sum, dot_general, mul, div): midpoints in floating point, radii
  with Rump's bound on the rounding of the sums;
- functions (exp, tanh, atan, ...) from :mod:`.balls`; comparisons, kinks and jumps decided on
  the whole ball or refused with :class:`~.balls.NotEnclosed`.

>>> import numpy as np
>>> from jaxcalc_ext.taylor.enclosure.balls import point_series, bounds
>>> y = ENCLOSURES["tanh"]({}, point_series([0.0], 3))
>>> [round(float(v), 6) for v in y.mid[:, 0]]            # tanh t = t - t^3/3
[0.0, 1.0, 0.0, -0.333333]
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
from typing import Any, Callable, Iterator

import numpy as np

from ..engine.rules import REGISTRY
from . import balls as B
from .balls import Ball, NotEnclosed

EnclosureRule = Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class Decided:
    """A boolean or integer result decided on every ball of a batch, per batch entry:
    ``value`` has the batch axis first (``(batch or 1, *shape)``)."""

    value: np.ndarray

    def uniform(self, what: str) -> np.ndarray:
        """The value when every batch entry agrees (a ``cond`` index, a ``while`` test)."""
        v = self.value
        if v.shape[0] > 1 and not np.all(v == v[:1]):
            raise NotEnclosed(f"{what} differs across the interval")
        return v[0]


class Undecided(NotEnclosed):
    """A decision (a comparison, a kink, a jump) that the ball does not settle, at ``site`` (an
    equation, and which visit of it) for the entry ``element`` of its flattened (batch, shape)
    output, among ``choices`` branches; ``several`` when more than one entry is undecided there.

    A caller may then evaluate each branch over the whole ball with :func:`forcing`: each is an
    analytic formula there, and the function is one of them at every point of the ball.
    """

    def __init__(self, what: str, site, element: int, choices: list[int], several: bool):
        super().__init__(f"{what} where the interval does not decide it (a kink or a jump there)")
        self.site, self.element, self.choices, self.several = site, element, choices, several


# The equation being applied (set by the interpreter) and the branches forced on it.
_SITE: contextvars.ContextVar = contextvars.ContextVar("enclosure_site", default=None)
_FORCED: contextvars.ContextVar[dict] = contextvars.ContextVar("enclosure_forced", default={})


@contextlib.contextmanager
def forcing(choices: dict) -> Iterator[None]:
    """Within the block, the decision at each site in ``choices`` (site -> (element, branch))
    takes that branch for that entry, decided or not."""
    token = _FORCED.set(choices)
    try:
        yield
    finally:
        _FORCED.reset(token)


@contextlib.contextmanager
def at_site(site) -> Iterator[None]:
    token = _SITE.set(site)
    try:
        yield
    finally:
        _SITE.reset(token)


def choose(branch: np.ndarray, undecided: np.ndarray, choices: int | Callable[[int], list[int]],
           what: str) -> np.ndarray:
    """The branch each entry takes: ``branch`` where decided, the forced branch for a forced
    entry; an undecided entry that is not forced raises :class:`Undecided` naming the branches
    it may take (``choices``: their number, or a function of the entry giving them)."""
    site = _SITE.get()
    forced = _FORCED.get().get(site)
    flat, open_ = branch.reshape(-1).copy(), undecided.reshape(-1).copy()
    if forced is not None:
        element, choice = forced
        flat[element], open_[element] = choice, False
    if open_.any():
        entries = np.flatnonzero(open_)
        element = int(entries[0])
        options = list(range(choices)) if isinstance(choices, int) else choices(element)
        raise Undecided(what, site, element, options, several=entries.size > 1)
    return flat.reshape(branch.shape)


def enclosure_rule(*names: str) -> Callable[[EnclosureRule], EnclosureRule]:
    """Register ``fn`` as the enclosure of each named primitive's Taylor row."""
    def register(fn: EnclosureRule) -> EnclosureRule:
        for name in names:
            REGISTRY[name] = dataclasses.replace(REGISTRY[name], enclosure=fn)
        return fn
    return register


def refuse(reason: str, *names: str) -> None:
    """Record why these primitives have no enclosure; a request meeting one is refused so."""
    for name in names:
        REGISTRY[name] = dataclasses.replace(REGISTRY[name], enclosure=reason)


# ---------------------------------------------------------------- shapes of batched values
def _lead(balls: list[Ball]) -> tuple[int, int]:
    return max(b.mid.shape[0] for b in balls), max(b.mid.shape[1] for b in balls)


def _broadcast(ball: Ball, rows: int, batch: int) -> Ball:
    if ball.rows < rows:
        ball = ball.padded(rows)
    shape = (rows, batch) + ball.mid.shape[2:]
    return Ball(np.broadcast_to(ball.mid, shape), np.broadcast_to(ball.rad, shape))


def _plain_against(value, ndim_of_value: int) -> np.ndarray:
    """A plain or decided array lined up with a ball's ``(rows, batch, *shape)``."""
    if isinstance(value, Decided):
        v = value.value
        return v.reshape((1,) + v.shape)
    v = np.asarray(value)
    return v.reshape((1, 1) + v.shape)


# ---------------------------------------------------------------- index maps
def _jax_index_map(prim, params: dict, inputs: list) -> Any:
    """Any index map, by JAX itself on the midpoints and on the radii (vmapped over the rows
    and the batch); integer operands (indices) pass as they are."""
    import jax
    import jax.numpy as jnp

    balls = [x for x in inputs if isinstance(x, Ball)]
    rows, batch = _lead(balls)
    if any(isinstance(x, Decided) for x in inputs):
        inputs = [x.uniform(f"{prim.name}'s index") if isinstance(x, Decided) else x for x in inputs]
    inputs = [_broadcast(x, rows, batch) if isinstance(x, Ball) else x for x in inputs]
    axes = [0 if isinstance(x, Ball) else None for x in inputs]
    run = jax.vmap(jax.vmap(lambda *a: prim.bind(*a, **params), in_axes=axes), in_axes=axes)

    def part(pick):
        return run(*[jnp.asarray(pick(x)) if isinstance(x, Ball) else x for x in inputs])
    mid, rad = part(lambda b: b.mid), part(lambda b: b.rad)
    if prim.multiple_results:
        return [Ball(np.asarray(m), np.asarray(r)) for m, r in zip(mid, rad)]
    return Ball(np.asarray(mid), np.asarray(rad))


def _numpy_index_map(fn: Callable[..., np.ndarray]) -> EnclosureRule:
    """An index map written on arrays with the rows and batch axes leading."""
    def rule(params, *inputs):
        balls = [x for x in inputs if isinstance(x, Ball)]
        rows, batch = _lead(balls)
        inputs = [_broadcast(x, rows, batch) if isinstance(x, Ball) else x for x in inputs]
        return Ball(fn([x.mid for x in inputs], **params), fn([x.rad for x in inputs], **params))
    return rule


def _broadcast_in_dim(a, shape, broadcast_dimensions, **_):
    a = a[0]
    target = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        target[d] = a.shape[2 + i]
    return np.broadcast_to(a.reshape(a.shape[:2] + tuple(target)), a.shape[:2] + tuple(shape))


_NUMPY_INDEX_MAPS = {
    "reshape": lambda a, new_sizes, **_: a[0].reshape(a[0].shape[:2] + tuple(new_sizes)),
    "broadcast_in_dim": _broadcast_in_dim,
    "transpose": lambda a, permutation, **_: np.transpose(a[0], (0, 1) + tuple(p + 2 for p in permutation)),
    "squeeze": lambda a, dimensions, **_: np.squeeze(a[0], axis=tuple(d + 2 for d in dimensions)),
    "expand_dims": lambda a, dimensions, **_: np.expand_dims(a[0], tuple(d + 2 for d in dimensions)),
    "rev": lambda a, dimensions, **_: np.flip(a[0], axis=tuple(d + 2 for d in dimensions)),
    "slice": lambda a, start_indices, limit_indices, strides=None, **_: a[0][
        (slice(None), slice(None)) + tuple(slice(s, e, st) for s, e, st in
                                           zip(start_indices, limit_indices, strides or [1] * len(start_indices)))],
    "concatenate": lambda a, dimension, **_: np.concatenate(a, axis=dimension + 2),
    "stack": lambda a, axis, **_: np.stack(a, axis=axis + 2),
}
for _name, _fn in _NUMPY_INDEX_MAPS.items():
    enclosure_rule(_name)(_numpy_index_map(_fn))


@enclosure_rule("convert_element_type", "copy", "copy_p", "device_put", "reduce_precision", "real",
                "stop_gradient", "nonbatchable", "nondifferentiable_backward")
def _identity(params, x, *rest):
    """The same real number (a cast between float types, a copy, stop_gradient's value); a cast
    of a ball to integers is a step function, decided on the ball or refused."""
    import jax.numpy as jnp

    new_dtype = params.get("new_dtype")
    if new_dtype is not None and not jnp.issubdtype(new_dtype, jnp.floating):
        lo, hi = B.bounds(x[0:1])
        if new_dtype == np.bool_:
            if np.any((lo <= 0) & (hi >= 0) & ((lo < 0) | (hi > 0))):
                raise NotEnclosed("a cast to bool of a value that may cross 0")
            return Decided(lo[0] != 0)
        if not np.array_equal(np.trunc(lo), np.trunc(hi)):
            raise NotEnclosed("a cast to integers of a value that crosses a whole number")
        return Decided(np.trunc(lo[0]).astype(new_dtype))
    if rest:                         # device_put of several operands
        return [x, *rest]
    return x


@enclosure_rule("gather", "dynamic_slice", "dynamic_update_slice", "scatter", "pad", "split",
                "maybe_set", "select_if_vmap")
def _index_map_by_jax(params, *inputs, prim=None):
    return _jax_index_map(prim, params, list(inputs))


@enclosure_rule("select_n")
def _select_n(params, which, *cases):
    if not isinstance(which, (Decided, np.ndarray)) and not np.isscalar(which):
        raise NotEnclosed("a selection on a value that is not decided")
    cases = same_rank(*cases)
    rows, batch = _lead(cases)
    cases = [_broadcast(c, rows, batch) for c in cases]
    pick = _plain_against(which, 0).astype(np.int64)
    mid, rad = cases[0].mid, cases[0].rad
    for i, c in enumerate(cases[1:], start=1):
        mid, rad = np.where(pick == i, c.mid, mid), np.where(pick == i, c.rad, rad)
    return Ball(mid, rad)


# ---------------------------------------------------------------- sums
def _sum_map(fn: Callable[[np.ndarray], np.ndarray], terms: int, x: Ball) -> Ball:
    """A sum of ``terms`` entries (reduce_sum, cumsum): midpoints summed, radii with the rounding."""
    mid = fn(x.mid)
    rad = B.grow(fn(x.rad) + 2.0 * (terms + 2) * B.U * fn(np.abs(x.mid)), terms + 4)
    return Ball(mid, rad)


@enclosure_rule("reduce_sum")
def _reduce_sum(params, x):
    axes = tuple(a + 2 for a in params["axes"])
    terms = int(np.prod([x.mid.shape[a] for a in axes])) if axes else 1
    return _sum_map(lambda v: np.sum(v, axis=axes), terms, x)


@enclosure_rule("cumsum")
def _cumsum(params, x):
    axis, reverse = params["axis"] + 2, params.get("reverse", False)

    def run(v):
        v = np.flip(v, axis) if reverse else v
        out = np.cumsum(v, axis=axis)
        return np.flip(out, axis) if reverse else out
    return _sum_map(run, x.mid.shape[axis], x)


@enclosure_rule("add", "add_any")
def _add(params, a, b):
    return B.add(*same_rank(a, b))


@enclosure_rule("sub")
def _sub(params, a, b):
    return B.sub(*same_rank(a, b))


@enclosure_rule("neg")
def _neg(params, a):
    return B.neg(a)


@enclosure_rule("scatter-add", "scatter_add")
def _scatter_add(params, operand, indices, updates, prim=None):
    terms = int(np.prod(np.shape(updates.mid if isinstance(updates, Ball) else updates))) + 1
    abs_mid = _jax_index_map(prim, params, [Ball(np.abs(as_ball(operand).mid), np.abs(as_ball(operand).mid)), indices,
                                            Ball(np.abs(as_ball(updates).mid), np.abs(as_ball(updates).mid))]).mid
    out = _jax_index_map(prim, params, [as_ball(operand), indices, as_ball(updates)])
    return Ball(out.mid, B.grow(out.rad + 2.0 * (terms + 2) * B.U * abs_mid, terms + 4))


def as_ball(x) -> Ball:
    """A float operand as a ball (literals and constants of the program are exact)."""
    if isinstance(x, Ball):
        return x
    if isinstance(x, Decided):
        v = x.value.astype(np.float64)
        return Ball(v[None], np.zeros((1,) + v.shape))
    return B.exact(np.asarray(x, dtype=np.float64))


def same_rank(*xs) -> list[Ball]:
    """Operands of an elementwise primitive as balls of one rank: a jaxpr may mix a rank-0
    operand with arrays (``mul(a:f64[3], b:f64[])``), which lines up after the rows and batch."""
    balls = [as_ball(x) for x in xs]
    rank = max(len(b.shape) for b in balls)
    out = []
    for b in balls:
        if len(b.shape) < rank:
            extra = (1,) * (rank - len(b.shape))
            b = Ball(b.mid.reshape(b.mid.shape + extra), b.rad.reshape(b.rad.shape + extra))
        out.append(b)
    return out


# ---------------------------------------------------------------- products
@enclosure_rule("mul")
def _mul(params, a, b):
    return B.mul(*same_rank(a, b))


@enclosure_rule("square")
def _square(params, a):
    return B.mul(a, a)


@enclosure_rule("dot_general")
def _dot_general(params, a, b):
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    a, b = as_ball(a), as_ball(b)
    la, ra = len(a.shape), len(b.shape)
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    lhs, rhs = [None] * la, [None] * ra
    for i, j in zip(lb, rb):
        lhs[i] = rhs[j] = next(letters)
    for i, j in zip(lc, rc):
        lhs[i] = rhs[j] = next(letters)
    for i in range(la):
        lhs[i] = lhs[i] or next(letters)
    for j in range(ra):
        rhs[j] = rhs[j] or next(letters)
    out = [lhs[i] for i in lb] + [lhs[i] for i in range(la) if i not in lb and i not in lc] \
        + [rhs[j] for j in range(ra) if j not in rb and j not in rc]
    spec = f"...{''.join(lhs)},...{''.join(rhs)}->...{''.join(out)}"
    terms = int(np.prod([a.shape[i] for i in lc])) if lc else 1
    return B.bilinear(a, b, lambda x, y: np.einsum(spec, x, y), terms)


@enclosure_rule("div")
def _div(params, a, b):
    return B.divide(*same_rank(a, b))


@enclosure_rule("reduce_prod")
def _reduce_prod(params, x):
    axes = tuple(a + 2 for a in params["axes"])
    kept = [a for a in range(2, x.mid.ndim) if a not in axes]
    order = (0, 1) + axes + tuple(kept)
    mid, rad = np.transpose(x.mid, order), np.transpose(x.rad, order)
    count = int(np.prod([x.mid.shape[a] for a in axes])) if axes else 1
    lead = mid.shape[:2]
    mid = mid.reshape(lead + (count,) + mid.shape[2 + len(axes):])
    rad = rad.reshape(mid.shape)
    result = B.exact(1.0)
    for i in range(count):
        result = B.mul(result, Ball(mid[:, :, i], rad[:, :, i]))
    return result


@enclosure_rule("integer_pow")
def _integer_pow(params, x):
    return B.integer_power(x, int(params["y"]))


@enclosure_rule("pow")
def _pow(params, x, y):
    x, y = same_rank(x, y)
    if y.is_constant and not np.any(y.rad) and np.unique(y.mid).size == 1:
        return B.power(x, float(y.mid.reshape(-1)[0]))
    return B.exp(B.mul(y, B.log(x)))


# ---------------------------------------------------------------- elementary functions
def _unary(fn: Callable[[Ball], Ball]) -> EnclosureRule:
    return lambda params, x: fn(as_ball(x))


_LN2 = Ball(np.array([[math.log(2.0)]]), np.array([[4 * B.U]]))
for _names, _fn in [
    (("exp",), B.exp), (("expm1",), B.expm1), (("log",), B.log), (("log1p",), B.log1p),
    (("tanh",), B.tanh), (("tan",), B.tan), (("logistic",), B.logistic), (("atan",), B.atan),
    (("asin",), B.asin), (("acos",), B.acos), (("asinh",), B.asinh), (("acosh",), B.acosh),
    (("atanh",), B.atanh), (("erf",), B.erf), (("erfc",), B.erfc), (("cbrt",), B.cbrt),
    (("sin",), lambda u: B.sin_cos(u)[0]), (("cos",), lambda u: B.sin_cos(u)[1]),
    (("sinh",), lambda u: B.sinh_cosh(u)[0]), (("cosh",), lambda u: B.sinh_cosh(u)[1]),
    (("sqrt",), lambda u: B.power(u, 0.5)), (("rsqrt",), lambda u: B.power(u, -0.5)),
    (("exp2",), lambda u: B.exp(B.mul(u, _LN2))),
]:
    enclosure_rule(*_names)(_unary(_fn))


@enclosure_rule("atan2")
def _atan2(params, y, x):
    return B.atan2(*same_rank(y, x))


# ---------------------------------------------------------------- kinks, jumps and decisions
@enclosure_rule("abs")
def _abs(params, x):
    s = _sign_of_difference(x, 0.0, "abs")
    return Ball(x.mid * s[None], x.rad)


def _sign_of_difference(a, b, what: str) -> np.ndarray:
    """+1/-1 per (batch, entry): the sign of a - b on the whole ball (or the forced branch)."""
    a, b = same_rank(a, b)
    d = B.sub(a[0:1], b[0:1])
    lo, hi = B.bounds(d)
    branch = np.where(lo[0] > 0, 0, 1)
    undecided = (lo[0] <= 0) & (hi[0] >= 0)
    return np.where(choose(branch, undecided, 2, what) == 0, 1.0, -1.0)


def _pick(first_if: np.ndarray, a, b) -> Ball:
    a, b = same_rank(a, b)
    rows, batch = _lead([a, b])
    a, b = _broadcast(a, rows, batch), _broadcast(b, rows, batch)
    keep = first_if[None]
    return Ball(np.where(keep, a.mid, b.mid), np.where(keep, a.rad, b.rad))


@enclosure_rule("max")
def _max(params, a, b):
    return _pick(_sign_of_difference(a, b, "max") > 0, a, b)


@enclosure_rule("min")
def _min(params, a, b):
    return _pick(_sign_of_difference(a, b, "min") < 0, a, b)


@enclosure_rule("clamp")
def _clamp(params, lo, x, hi):
    return _min({}, _max({}, x, lo), hi)


_COMPARISONS = {"gt": lambda s: s > 0, "ge": lambda s: s > 0, "lt": lambda s: s < 0, "le": lambda s: s < 0,
                "eq": lambda s: s == 0, "ne": lambda s: s != 0, "lt_to": lambda s: s < 0, "le_to": lambda s: s < 0}


def _comparison(name: str) -> EnclosureRule:
    decide = _COMPARISONS[name]

    def rule(params, a, b):
        if a is b:                            # x != x (a NaN test), x <= x: the same number
            return Decided(np.full((1,) + np.shape(as_ball(a).mid)[2:], name in ("eq", "ge", "le", "le_to")))
        a, b = same_rank(a, b)
        if a.is_constant and b.is_constant and not np.any(a.rad) and not np.any(b.rad):
            return Decided(decide(np.sign(a.mid[0] - b.mid[0])))   # exact constants: compared as they are
        return Decided(decide(_sign_of_difference(a, b, name)))     # never equal on the ball
    return rule


for _name in _COMPARISONS:
    enclosure_rule(_name)(_comparison(_name))


def _step_values(name: str, params: dict) -> Callable[[np.ndarray], np.ndarray]:
    return {"sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
            "round": (np.round if int(params.get("rounding_method", 0)) == 1
                      else lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5))}[name]


def _decide_step(step: Callable, x: Ball, what: str, sign: bool = False) -> np.ndarray:
    """A step function of row 0, per (batch, entry): its value where the ball does not cross a
    jump; where it crosses one, a branch per value on either side (sign: -1, 0 and +1)."""
    lo, hi = B.bounds(x[0:1])
    at_lo, at_hi = step(lo[0]), step(hi[0])
    if sign:                                          # branches -1, 0, +1
        undecided = at_lo != at_hi
        return choose(np.where(undecided, 0, at_lo + 1).astype(int), undecided, 3, what) - 1.0
    if np.any(np.abs(at_hi - at_lo) > 1):
        raise NotEnclosed(f"{what} of a value that crosses several of its jumps")
    undecided = at_lo != at_hi
    picked = choose(np.zeros(at_lo.shape, dtype=int), undecided, 2, what)
    return np.where(picked == 0, at_lo, at_hi)


@enclosure_rule("sign", "floor", "ceil", "round")
def _step(params, x, prim=None):
    value = _decide_step(_step_values(prim.name, params), x, prim.name, sign=prim.name == "sign")
    return Ball(value[None], np.zeros((1,) + value.shape))


@enclosure_rule("rem")
def _rem(params, x, y):                          # rem(x, y) = x - trunc(x / y) y, trunc decided
    x, y = same_rank(x, y)
    q = _decide_step(np.trunc, B.divide(x[0:1], y[0:1]), "rem's quotient")
    return B.sub(x, B.mul(Ball(q[None], np.zeros((1,) + q.shape)), y))


def _winners(x: Ball, axes: tuple[int, ...], largest: bool):
    """Per output entry, the index (over the flattened reduced axes) of the element that is the
    largest (smallest) on the whole ball, or NotEnclosed when two may tie."""
    axes = tuple(a + 2 for a in axes)
    kept = [a for a in range(2, x.mid.ndim) if a not in axes]
    order = (0, 1) + tuple(kept) + axes
    mid, rad = np.transpose(x.mid, order), np.transpose(x.rad, order)
    flat = mid.shape[:2 + len(kept)] + (-1,)
    mid, rad = mid.reshape(flat), rad.reshape(flat)
    lo, hi = B.bounds(Ball(mid[0], rad[0]))
    if not largest:
        lo, hi = -hi, -lo
    best = np.argmax(lo, axis=-1)
    key = np.take_along_axis(lo, best[..., None], -1)
    mask = np.ones_like(hi, dtype=bool)
    np.put_along_axis(mask, best[..., None], False, -1)
    contenders = hi >= key                                   # may be the winner somewhere
    undecided = np.any(mask & contenders, axis=-1)
    flat_contenders = contenders.reshape(-1, contenders.shape[-1])
    best = choose(best, undecided, lambda e: [int(i) for i in np.flatnonzero(flat_contenders[e])],
                  "a maximum or minimum whose winner changes")
    return best, mid, rad


def _reduce_chooser(largest: bool) -> EnclosureRule:
    def rule(params, x):
        best, mid, rad = _winners(x, tuple(params["axes"]), largest)
        pick = np.broadcast_to(best[None, ..., None], mid.shape[:-1] + (1,))
        return Ball(np.take_along_axis(mid, pick, -1)[..., 0], np.take_along_axis(rad, pick, -1)[..., 0])
    return rule


enclosure_rule("reduce_max")(_reduce_chooser(True))
enclosure_rule("reduce_min")(_reduce_chooser(False))


@enclosure_rule("argmax", "argmin")
def _arg_extreme(params, x, prim=None):
    best, _, _ = _winners(x, tuple(params["axes"]), prim.name == "argmax")
    return Decided(best.astype(params["index_dtype"]))


# ---------------------------------------------------------------- refused, with the reason
refuse("no rigorous bound of its derivatives is implemented (lgamma, digamma, zeta, scaled Bessel)",
       "lgamma", "digamma", "zeta", "bessel_i0e", "bessel_i1e")
refuse("complex values are not enclosed: the band is for real functions", "complex", "conj", "imag")
refuse("it is a floating-point operation, not a function of the reals", "nextafter")
refuse("a sort's output order can change on the interval", "sort")

# The table the interpreter reads: name -> rule or reason, derived from the rows.
ENCLOSURES: dict[str, EnclosureRule | str] = {name: row.enclosure for name, row in REGISTRY.items()
                                              if row.enclosure is not None}
# Rules that need the primitive itself (index maps run by JAX, step functions, argmax/argmin).
NEEDS_PRIMITIVE = frozenset({"gather", "dynamic_slice", "dynamic_update_slice", "scatter", "pad", "split",
                             "maybe_set", "select_if_vmap", "scatter-add", "scatter_add", "sign", "floor",
                             "ceil", "round", "argmax", "argmin"})
