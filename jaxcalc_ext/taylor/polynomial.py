"""Taylor polynomials as objects: evaluate them, read their coefficients, print them as LaTeX.

>>> import jax.numpy as jnp
>>> p = taylor_polynomial(lambda x, y: x**2 + 2*x*y + y**3, (1.0, 2.0), 2)
>>> p.to_latex(form="expanded")       # by default about the centre: 13 + 6 (x - 1) + ...
'8 - 12 y + x^{2} + 2 x y + 6 y^{2}'
>>> float(p(jnp.array([2.0, 3.0])))
42.0
"""
from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..core.errors import JaxCalcError, NoTaylorSeries
from . import latex as fmt


MAX_EXPANDED_TERMS = 300


@dataclass(frozen=True, eq=False)  # hashed by identity, so jax.jit(p) works
class TaylorPolynomial:
    """``T(x) = sum_alpha c_alpha (x - center)^alpha`` up to total degree ``order``.

    Univariate polynomials have a scalar ``center`` and ``coefficients`` of shape
    ``(order+1, *output_shape)``; multivariate ones a vector ``center`` and
    ``coefficients`` as a dict ``{exponent tuple: value}``.
    """

    center: np.ndarray
    order: int
    exponents: tuple[tuple[int, ...], ...]
    monomial_coefficients: np.ndarray
    variables: tuple[str, ...] = ("x",)
    method: str = "taylor"
    rounding: np.ndarray | None = None    # each coefficient's rounding error, when measured

    @property
    def below_rounding(self) -> np.ndarray:
        """Which coefficients are not told apart from their own rounding error (not written):
        the one significance test (:func:`.engine.sides.not_significant`) on the rounding error
        the passes measured."""
        from .engine.sides import not_significant

        c = np.asarray(self.monomial_coefficients)
        if self.rounding is None or c.ndim != 1:
            return np.zeros(c.shape[:1], bool)
        return (c != 0) & not_significant(c, self.rounding)

    @property
    def dtype(self) -> str:
        return str(self.monomial_coefficients.dtype)

    @property
    def is_univariate(self) -> bool:
        return self.center.ndim == 0

    @property
    def coefficients(self):
        if self.is_univariate:
            return self.monomial_coefficients
        return {e: self.monomial_coefficients[i] for i, e in enumerate(self.exponents)}

    def __call__(self, *points):
        """Evaluate at points: univariate any array; multivariate ``(..., n)`` or one array per variable.

        Works under jit and vmap. Called eagerly on a float64 polynomial while JAX is
        in float32 mode, it evaluates in a scoped float64 switch rather than truncate.
        """
        import jax

        traced = any(isinstance(p, jax.core.Tracer) for p in points)
        if (not traced and self.monomial_coefficients.dtype == np.float64
                and not jax.config.jax_enable_x64):
            with jax.enable_x64(True):
                return self._evaluate(*points)
        return self._evaluate(*points)

    def _evaluate(self, *points):
        import jax.numpy as jnp

        coeffs = jnp.asarray(self.monomial_coefficients)
        if self.is_univariate:
            (x,) = points
            delta = jnp.asarray(x, coeffs.dtype) - self.center
            delta = delta.reshape(delta.shape + (1,) * (coeffs.ndim - 1))
            result = jnp.zeros(jnp.shape(delta), coeffs.dtype) + coeffs[-1]
            for c in coeffs[-2::-1]:  # Horner
                result = result * delta + c
            return result
        if len(points) > 1:
            points = (jnp.stack(jnp.broadcast_arrays(*[jnp.asarray(p, coeffs.dtype) for p in points]), -1),)
        x = jnp.asarray(points[0], coeffs.dtype)
        n = self.center.shape[0]
        if x.shape[-1:] != (n,):
            raise JaxCalcError(f"points must have shape (..., {n}), got {x.shape}")
        return _nested_horner()(x, jnp.asarray(self.center, coeffs.dtype), coeffs, self.exponents)

    def truncate(self, order: int) -> "TaylorPolynomial":
        """The same expansion cut at a lower total degree (Taylor polynomials nest)."""
        if not 0 <= order <= self.order:
            raise JaxCalcError(f"cannot truncate an order-{self.order} polynomial to order {order}")
        keep = [i for i, e in enumerate(self.exponents) if sum(e) <= order]
        return TaylorPolynomial(self.center, order, tuple(self.exponents[i] for i in keep),
                                self.monomial_coefficients[keep], self.variables, self.method,
                                None if self.rounding is None else np.asarray(self.rounding)[keep])

    def expanded(self) -> dict[tuple[int, ...], Any]:
        """Coefficients in powers of x itself (not x - center), by binomial expansion."""
        return self._expanded(self.monomial_coefficients)

    def _expanded(self, coefficients) -> dict[tuple[int, ...], Any]:
        center = np.atleast_1d(self.center).astype(float)
        exps = [e if isinstance(e, tuple) else (e,) for e in self.exponents]
        out: dict[tuple[int, ...], Any] = {}
        for alpha, c in zip(exps, coefficients):
            factors = [[(b, math.comb(a, b) * (-x0) ** (a - b)) for b in range(a + 1)]
                       for a, x0 in zip(alpha, center)]
            for choice in itertools.product(*factors):
                key = tuple(b for b, _ in choice)
                out[key] = out.get(key, 0) + c * math.prod(w for _, w in choice)
        return out

    def _written_terms(self, form: str):
        """(sorted terms, center or None, floor) for ``form``: "expanded", "centered" or "auto".

        "auto" writes powers of x at the origin and powers of (x - x0) elsewhere, in one variable
        or several. Coefficients within their own rounding error (:attr:`below_rounding`) are not
        written; only expanding about the origin from another center adds rounding of its own,
        below ``floor``."""
        if form == "auto":
            form = "centered" if np.any(np.asarray(self.center)) else "expanded"
        from .engine.sides import to_known_digits

        if np.asarray(self.monomial_coefficients).ndim > 1:
            raise JaxCalcError("a polynomial is written out only for a scalar-valued function")
        coeffs = np.where(self.below_rounding, 0.0, to_known_digits(self.monomial_coefficients, self.rounding))
        if form == "expanded":
            moved = bool(np.any(np.asarray(self.center)))
            floor = fmt.noise_floor(coeffs) if moved else 0.0
            return fmt.sort_terms(self._expanded(coeffs)), None, floor
        if form == "centered":
            exps = [e if isinstance(e, tuple) else (e,) for e in self.exponents]
            return fmt.sort_terms(dict(zip(exps, coeffs))), np.atleast_1d(self.center), 0.0
        raise JaxCalcError(f"unknown form {form!r}: use 'expanded', 'centered' or 'auto'")

    def expands_exactly(self) -> bool:
        """Whether writing the polynomial in powers of x and y (not x - x0) loses no digits: its
        expanded coefficients are no larger than ten times the centred ones (at (10, 10) they
        are a hundred thousand times larger, and cancel to the value)."""
        if not np.any(np.asarray(self.center)) or np.asarray(self.monomial_coefficients).ndim > 1 \
                or len(self.exponents) > MAX_EXPANDED_TERMS:
            return False
        centred = np.where(self.below_rounding, 0.0, self.monomial_coefficients)
        expanded = np.asarray(list(self._expanded(centred).values()), dtype=float)
        largest = float(np.max(np.abs(centred))) if centred.size else 0.0
        return bool(largest > 0 and np.all(np.isfinite(expanded)) and np.max(np.abs(expanded)) <= 10 * largest)

    def to_latex(self, *, form: str = "auto", digits: int = 6, max_terms: int | None = None) -> str:
        """The polynomial as LaTeX, lowest degree first: ``form`` is "expanded" (powers of x),
        "centered" (powers of x - x0) or "auto" (powers of x at the origin, of x - x0 elsewhere).
        Past ``max_terms`` the high degrees are elided and counted."""
        terms, center, floor = self._written_terms(form)
        return fmt.polynomial_latex(terms, self.variables, center, digits,
                                    floor, max_terms)

    def latex_lines(self, *, form: str = "auto", digits: int = 6, max_terms: int | None = None,
                    width: float = fmt.LINE_WIDTH) -> list[str]:
        """:meth:`to_latex` broken into lines of about ``width`` typeset characters."""
        terms, center, floor = self._written_terms(form)
        return fmt.polynomial_latex_lines(terms, self.variables, center, digits,
                                          floor, max_terms, width)

    def to_text(self, *, form: str = "auto", digits: int = 6, max_terms: int | None = None) -> str:
        """The polynomial as plain text for a terminal: ``1 + x - 0.5 x^2``."""
        terms, center, floor = self._written_terms(form)
        return fmt.polynomial_text(terms, self.variables, center, digits,
                                   floor, max_terms)

    def _repr_latex_(self) -> str:
        return "$" + self.to_latex(max_terms=20) + "$"

    def __repr__(self) -> str:
        where = (f"{float(self.center):g}" if self.is_univariate
                 else "(" + ", ".join(f"{float(c):g}" for c in self.center) + ")")
        return f"TaylorPolynomial(order={self.order}, center={where}, dtype={self.dtype})"


def argument_count(f: Callable) -> int | None:
    """Number of required positional parameters of f, or None when it cannot be told."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [p for p in sig.parameters.values() if p.kind in kinds and p.default is p.empty]
    if any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        return None
    return len(params)


def _takes_var_positional(f: Callable) -> bool:
    try:
        return any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return False


def as_vector_function(f: Callable, x0) -> tuple[Callable, np.ndarray, bool]:
    """Adapt ``g(x, y, ...)`` with ``x0 = (x, y, ...)`` to ``h(v)``; say whether it was adapted."""
    point = np.asarray(x0)
    nargs = argument_count(f)
    if nargs == 0:
        raise JaxCalcError("the function takes no arguments: give it one per variable (lambda x: ...)")
    if point.ndim == 1 and nargs is None and _takes_var_positional(f):
        # f(*xs) with several coordinates: called as its signature asks, one number each
        return (lambda v: f(*[v[i] for i in range(point.shape[0])])), point, True
    if point.ndim == 1 and nargs is not None and nargs > 1:
        if nargs != point.shape[0]:
            raise JaxCalcError(f"the function takes {nargs} arguments but the point has "
                               f"{point.shape[0]} coordinates")
        return (lambda v: f(*[v[i] for i in range(nargs)])), point, True
    if nargs is not None and nargs > 1:
        raise JaxCalcError(f"the function takes {nargs} arguments but the point has "
                           f"{point.size if point.ndim else 1} coordinate(s): give {nargs}, e.g. {{x0}}",
                           options={"x0": tuple(range(1, nargs + 1))})
    return f, point, False


@dataclass(frozen=True, eq=False)
class ExpansionRequest:
    """One request, validated once: f adapted to the form the engine expands (``f(x)`` in one
    variable, ``g(v)`` of a vector in several), the point, and f traced there, once. Every pass
    (the two-sided checks, lost orders, the cost of sampling, the samples) runs that trace: the
    user's Python runs once per request."""

    function: Callable         # what is traced: f, or g(v) adapting f(x, y, ...)
    point: Any                 # the scalar or vector point, in the dtype the engine uses
    adapted: bool              # f(x, y, ...) was adapted to g(v)
    traced: Any                # .traced.TracedFunction

    @property
    def univariate(self) -> bool:
        return np.ndim(self.point) == 0

    def sampler(self) -> Callable:
        """The traced program as a function of the point (no Python of the user's runs)."""
        return self.traced.as_function(self.traced.consts)


def expansion_request(f: Callable, x0: Any) -> ExpansionRequest:
    """Adapt f to x0 and trace it there (see :class:`ExpansionRequest`).

    >>> import jax.numpy as jnp
    >>> expansion_request(lambda x, y: x * y, (1.0, 2.0)).univariate
    False
    """
    from .engine.coefficients import as_point
    from .multivariate import vector_point
    from ..core.tracing import trace_function

    g, point, adapted = as_vector_function(f, coordinates(x0))
    point = as_point(point, None)[0] if np.ndim(point) == 0 else vector_point(point)
    traced = trace_function(g, point)
    if traced.out_tree.num_leaves != 1 or traced.out_tree.num_nodes != 1:
        raise JaxCalcError(f"the function returns {output_structure(traced.out_tree)}: a Taylor polynomial "
                           "is of one number or array; return one of them (f(x)[0], f(x)['a']), or use "
                           "taylor_coefficients, which takes any pytree")
    return ExpansionRequest(g, point, adapted, traced)


def output_structure(tree) -> str:
    """A pytree's shape in words: "a tuple of 2 values", "a dict with keys 'a', 'b'".

    >>> import jax
    >>> output_structure(jax.tree_util.tree_structure({"a": 1.0}))
    "a dict with key 'a'"
    """
    import jax

    example = jax.tree_util.tree_unflatten(tree, [0] * tree.num_leaves)
    if isinstance(example, dict):
        keys = ", ".join(repr(k) for k in list(example)[:4]) + (", ..." if len(example) > 4 else "")
        return f"a dict with key{'s' * (len(example) != 1)} {keys}"
    if isinstance(example, (tuple, list)):
        return f"a {type(example).__name__} of {len(example)} value{'s' * (len(example) != 1)}"
    return f"a {type(example).__name__} holding {tree.num_leaves} arrays"


def taylor_polynomial(f: Callable, x0: Any, order: int, *, variables: Sequence[str] | None = None,
                      method: str = "auto", request: ExpansionRequest | None = None) -> TaylorPolynomial:
    """The Taylor polynomial of f at x0 of total degree ``order``.

    Univariate for scalar x0; multivariate for a vector x0, either as ``f(v)`` with
    one vector argument or ``f(x, y, ...)`` with one scalar per coordinate. ``request`` is f
    already adapted and traced at x0 (:func:`expansion_request`), to trace it only once.

    >>> import jax.numpy as jnp
    >>> taylor_polynomial(jnp.exp, 0.0, 3).to_latex()
    '1 + x + 0.5 x^{2} + 0.166667 x^{3}'
    """
    from .engine.coefficients import check_order, coefficients_at_many, coefficients_of_traced, require_concrete
    from .multivariate import monomial_coefficients
    from .engine.sides import (SKEW, check_sides, first_lost_order, lost_message,
                               recovering_lost_orders, rounding_estimate, shift_noise, shifted_points)

    require_concrete(x0, "taylor_polynomial")
    order = check_order(order)
    request = request or expansion_request(f, x0)
    x0, traced = request.point, request.traced
    if request.univariate:
        dtype = np.asarray(x0).dtype
        # Every pass the checks below may need, at once (one pass of a large, interpreted program):
        # along +1, the mirror -s and +s, and at the neighbouring floats.
        pairs = [(np.asarray(x0), 1.0), (np.asarray(x0), -SKEW), (np.asarray(x0), SKEW)]
        pairs += [(np.nextafter(np.asarray(x0), np.asarray(side, dtype)), 1.0) for side in (np.inf, -np.inf)]
        memo = {}
        if order >= 1:
            batch = coefficients_at_many(traced, np.stack([p for p, _ in pairs]).astype(dtype),
                                         np.array([d for _, d in pairs], dtype), order, method)
            memo = {(float(p), d): batch[i] for i, (p, d) in enumerate(pairs)}

        def along(scale: float, k: int = order, at=x0):
            known = memo.get((float(at), float(scale))) if k == order else None
            if known is not None:
                return known
            direction = np.asarray(scale, dtype)
            return np.asarray(coefficients_of_traced(traced, at, k, direction, method))

        coeffs = recovering_lost_orders(lambda k: along(1.0, k), order)
        names = tuple(variables or ("x",))
        _check_finite(coeffs, x0, f)
        where = f"x0 = {float(np.asarray(x0)):g}"
        rounding = check_sides(coeffs, lambda s: recovering_lost_orders(lambda k: along(s, k), order),
                               where, both_scales=True)
        near_pole = _warn_near_pole(coeffs, float(np.asarray(x0)))
        if not near_pole:   # x0 moved by one ulp: its primal values round differently
            for moved in shifted_points(x0, coeffs):
                nearby = recovering_lost_orders(lambda k: along(1.0, k, moved), order)
                rounding = np.maximum(rounding, shift_noise(coeffs, nearby))
        rounding = rounding_estimate(rounding)
        lost_from = first_lost_order(coeffs, rounding)
        if lost_from is not None:
            raise JaxCalcError(lost_message(lost_from, where, coeffs.dtype))
        return TaylorPolynomial(np.asarray(x0), order, tuple((k,) for k in range(order + 1)),
                                coeffs, names, method, rounding)
    exps, coeffs, rounding = monomial_coefficients(request.function, x0, order, method=method, two_sided=True,
                                                   traced=traced)
    x0 = np.asarray(x0)
    if coeffs.ndim > 1:
        raise JaxCalcError(f"a multivariate Taylor polynomial needs a scalar function; this one returns "
                           f"shape {coeffs.shape[1:]} (with one variable and {x0.shape[0]} coordinates, the "
                           "variable is a vector): reduce it (sum(...)), or give one coordinate per variable")
    _check_finite(coeffs, x0, request.function)
    if rounding is not None:
        lost_from = first_lost_order(coeffs, rounding, degrees=np.array([sum(e) for e in exps]))
        if lost_from is not None:
            raise JaxCalcError(lost_message(lost_from, "x0 = (" + ", ".join(f"{float(c):g}" for c in x0) + ")",
                                            coeffs.dtype))
    variables = variables or default_variables(f, x0.shape[0], request.adapted)
    return TaylorPolynomial(x0, order, exps, coeffs, tuple(variables), method, rounding)


def coordinates(x0: Any) -> Any:
    """A list or tuple of coordinates as a float NumPy vector (concrete coordinates stay NumPy:
    no device work before the one compile); anything else as it is."""
    if not isinstance(x0, (list, tuple)):
        return x0
    try:
        return np.asarray(x0, dtype=float)
    except (TypeError, ValueError) as err:
        raise JaxCalcError(f"cannot use {x0!r} as a point: {err}") from None


def default_variables(f: Callable, n: int, adapted: bool) -> tuple[str, ...]:
    """Names for n coordinates: f's parameter names when f takes one per coordinate, else
    x, y, z (or x_1 .. x_n beyond three)."""
    names = _parameter_names(f) if adapted else None
    if names and len(names) == n:
        return names
    return ("x", "y", "z")[:n] if n <= 3 else tuple(f"x_{{{i + 1}}}" for i in range(n))


@functools.cache
def _nested_horner():
    """``(x, center, coeffs, exponents) -> sum_a c_a (x - center)^a``, jitted per exponent set.

    Horner in the first variable, whose coefficients are polynomials in the others, evaluated
    the same way: about two multiply-adds per monomial, all elementwise, so XLA fuses the whole
    polynomial into one pass over the points (memory O(points), any batch size or sharding).
    """
    import jax

    def evaluate(x, center, coeffs, exponents):
        delta = [x[..., i] - center[i] for i in range(center.shape[0])]

        def horner(terms: dict, var: int):
            if var == len(delta):
                return coeffs[terms[()]]
            by_power: dict[int, dict] = {}
            for exps, index in terms.items():
                by_power.setdefault(exps[0], {})[exps[1:]] = index
            result = None
            for power in range(max(by_power), -1, -1):
                inner = horner(by_power[power], var + 1) if power in by_power else None
                if result is None:
                    result = inner
                else:
                    result = result * delta[var] + (inner if inner is not None else 0)
            return result

        out = horner({e: i for i, e in enumerate(exponents)}, 0)
        return out + jax.numpy.zeros(x.shape[:-1], coeffs.dtype)  # broadcast constants

    return jax.jit(evaluate, static_argnames="exponents")


def _parameter_names(f) -> tuple[str, ...] | None:
    try:
        names = tuple(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return None
    return tuple(fmt.latex_name(n) for n in names)


def pole_distance(coeffs, x0: float) -> float | None:
    """The distance to a pole that the first coefficients show (``|c_k / c_(k+1)|`` for k = 0, 1
    agree for a pole), when x0 is within rounding of it; else None.

    >>> import math
    >>> d = pole_distance([1.633e16, 2.667e32, 4.35e48], math.pi / 2)
    >>> d is not None and d < 1e-16
    True
    >>> pole_distance([1e-300, 1.0, 0.0], 1e-300) is None       # f(x) = x: no pole
    True
    """
    c = np.abs(np.asarray(coeffs, dtype=float).reshape(len(coeffs), -1)[:3, 0])
    if len(c) < 2 or not np.all(np.isfinite(c)) or c[0] == 0 or c[1] == 0:
        return None
    eps = np.finfo(float).eps
    close = 64 * eps * abs(x0)
    distances = [c[k] / c[k + 1] for k in range(len(c) - 1) if c[k + 1] > 0]
    if c[0] < 1 / (64 * eps) or not all(d < close for d in distances):
        return None
    return float(distances[0])


# Set by a caller that handles a pole within rounding of x0 itself (%taylor's Laurent series).
POLES_HANDLED: contextvars.ContextVar[bool] = contextvars.ContextVar("taylor_poles_handled", default=False)


def _warn_near_pole(coeffs, x0: float) -> bool:
    """Warn (and say True) when x0 is within rounding of a pole."""
    import warnings

    from ..core.errors import JaxCalcWarning

    distance = pole_distance(coeffs, x0)
    if distance is not None and not POLES_HANDLED.get():
        warnings.warn(f"x0 = {x0:.6g} is within rounding of a pole (about {distance:.1g} away): the "
                      f"coefficients are right for the float x0 = {x0!r}, not for the pole's neighbour you "
                      "may have meant", JaxCalcWarning, stacklevel=3)
    return distance is not None


def _value_at(f: Callable | None, x0):
    """f(x0) as JAX computes it (None when it cannot be told), to word a refusal."""
    if f is None:
        return None
    import jax.numpy as jnp

    try:
        return np.asarray(f(jnp.asarray(x0)))  # JAX's arithmetic: no NumPy warning for 1/0
    except Exception:  # the refusal is worded without it
        return None


def _check_finite(coeffs: np.ndarray, x0, f: Callable | None = None) -> None:
    """NaN or inf at x0 means the point is outside the domain, or f has no series there.
    A complex-valued f is refused: a real polynomial would drop its imaginary part."""
    if np.iscomplexobj(coeffs):
        raise JaxCalcError(f"f returns complex values ({coeffs.dtype}): expand jnp.real(f) and "
                           "jnp.imag(f) separately")
    if not np.all(np.isfinite(coeffs[:1])):
        value = _value_at(f, x0)
        if value is not None and np.all(np.isfinite(value)):
            raise NoTaylorSeries(f"f(x0) = {np.ravel(value)[0] + 0.0:.6g} at x0 = {np.asarray(x0).tolist()}, but no "
                               "Taylor series exists there: x0 is on the edge of the domain of a part "
                               "of f (as x*log(x) at 0); choose a point inside")
        raise NoTaylorSeries(f"f is {coeffs.flat[0]} at x0 = {np.asarray(x0).tolist()}: "
                           "choose a point inside the function's domain")
    if not np.all(np.isfinite(coeffs)):
        raise NoTaylorSeries(f"f(x0) = {coeffs.flat[0]:.6g} is finite at x0 = {np.asarray(x0).tolist()} but its "
                           "derivatives are not: a part of f has no Taylor series there (a pole, a kink, "
                           "or an essential singularity such as exp(-1/x**2) at 0) or overflows; "
                           "choose another point")
