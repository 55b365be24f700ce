"""The Magics class: ``%taylor``/``%%taylor`` (and the graph magics), each a thin shell."""
from __future__ import annotations

import functools

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring  # noqa: F401

from ..errors import JaxCalcError
from .parsing import parse_options, split_line


def user_errors_as_usage_errors(method):
    """Turn our JaxCalcError into a one-line UsageError; leave real bugs alone."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except JaxCalcError as err:
            raise UsageError(str(err)) from None
    return wrapper


@magics_class
class CalculusMagics(Magics):

    @magic_arguments()
    @argument("--at", nargs="+", metavar="X0", required=True,
              help="the point to expand around: a number, or coordinates (1,2 or 1 2) for several variables")
    @argument("--order", default="2", metavar="N[,N2,...]",
              help="the polynomial order(s); several orders are overlaid (default 2)")
    @argument("--range", nargs=2, metavar=("A", "B"), help="the plotted interval (default x0 - 3 .. x0 + 3)")
    @argument("--points", type=int, help="samples per axis (default 400, or 80 for two variables)")
    @argument("--vars", help="the free variables of an expression, in order: --vars x,y")
    @argument("--method", default="auto", choices=["auto", "taylor", "jet", "nested"],
              help="how to compute the coefficients (default auto: Taylor mode, nested jvp fallback)")
    @argument("--float32", action="store_true", help="compute in float32 instead of float64")
    @argument("--surface", action="store_true", help="two variables: 3-D surfaces instead of contours")
    @line_cell_magic
    @user_errors_as_usage_errors
    def taylor(self, line, cell=None):
        """Plot Taylor polynomials of a JAX function against the function, with their error.

        %taylor FUNC --at X0 --order N[,N2,...] [--range A B] [--points P]

        FUNC is a name (f, jnp.tanh), a lambda, or an expression in free variables
        with jax.numpy functions by bare name (sin(x) + cos(x), x**2 + 2*x*y + y**3).
        With %%taylor, the cell defines the function: its last def, or its last expression.

        Returns a TaylorResult: r = %taylor ... keeps .polynomials, .coefficients,
        .figure and .max_errors. Computation is float64 unless --float32; the user's
        jax.config is not changed.

        Examples::

            %taylor sin(x) + cos(x) --at 0 --order 1,2,5,10 --range -4 4
            %taylor x**2 + 2*x*y + y**3 --at 1,2 --order 2
            r = %taylor jnp.tanh --at 0.5 --order 7
        """
        from ..precision import float64_scope
        from ..results import TaylorResult
        from ..taylor.engine import check_order
        from ..taylor.study import taylor_study
        from .resolve import evaluate, resolve_cell, resolve_function

        options = {"--at", "--order", "--range", "--points", "--vars", "--method", "--float32",
                   "--surface", "-h", "--help"}
        head, tokens = split_line(line, options)
        if cell is not None and head:
            raise JaxCalcError("with %%taylor the cell defines the function: put only options on the line")
        args = parse_options(self.taylor.parser, tokens)
        ns = self.shell.user_ns
        variables = [v.strip() for v in args.vars.split(",")] if args.vars else None
        resolved = resolve_cell(cell, ns) if cell is not None else resolve_function(head, ns, variables)
        orders = _parse_orders(args.order)
        for n in orders:
            check_order(n)
        with float64_scope(not args.float32):
            at = _point(args.at, ns, evaluate)
            span = None
            if args.range:
                lo, hi = (float(evaluate(t.strip(), ns, "--range")) for t in args.range)
                span = [(lo, hi)]
            study = taylor_study(resolved.function, at, orders, span=span, points=args.points,
                                 variables=resolved.variables, method=args.method)
            result = TaylorResult(study, resolved.label, args.method, surface=args.surface)
            result.figure  # draw now, while float64 is on, so errors surface here
        return result


def _parse_orders(text: str) -> list[int]:
    try:
        return [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise JaxCalcError(f"--order takes whole numbers separated by commas, got '{text}'") from None


def _point(tokens: list[str], ns, evaluate):
    """``--at 0``, ``--at 1,2``, ``--at 1 2`` or ``--at x0`` -> a float or a tuple of floats."""
    import numpy as np

    text = " ".join(t.strip() for t in tokens)
    try:
        value = evaluate(text, ns, "--at")
    except JaxCalcError:
        value = evaluate(",".join(t.strip() for t in tokens), ns, "--at")
    try:
        point = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise JaxCalcError(f"--at must be numbers, got {text!r}") from None
    if point.ndim > 1:
        raise JaxCalcError(f"--at must be a number or a list of coordinates, got shape {point.shape}")
    if not np.all(np.isfinite(point)):
        raise JaxCalcError(f"--at is {point.tolist()}: give a finite point")
    return float(point) if point.ndim == 0 else tuple(point.tolist())
