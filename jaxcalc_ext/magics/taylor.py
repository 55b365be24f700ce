"""``%taylor`` and ``%%taylor``: parse the line, call the Taylor core, return a result object."""
from __future__ import annotations

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, kwds, magic_arguments

from ..core.errors import JaxCalcError, NoTaylorSeries
from .background import run_interruptibly
from .common import (float32_honoured, help_requested, option_names, parse_orders, point, ranges,
                     readable_help, user_errors_as_usage_errors, variable_names)
from .parsing import parse_options, split_line


def pade_degrees(text: str) -> tuple[int, int]:
    """``--pade 10/10`` -> (10, 10)."""
    try:
        numerator, denominator = (int(part) for part in text.split("/"))
    except ValueError:
        raise JaxCalcError(f"--pade takes two degrees, as --pade 10/10 (numerator/denominator), got '{text}'") from None
    if numerator < 0 or denominator < 0 or numerator + denominator > 200:
        raise JaxCalcError(f"--pade degrees must be whole numbers >= 0 adding up to at most 200, got '{text}'")
    return numerator, denominator


@magics_class
class TaylorMagic(Magics):

    @readable_help
    @magic_arguments()
    @kwds(usage="%(prog)s FUNC --at X0 [--order N[,N2,...]] [--range A B] [--points P] [--vars V,...]\n"
                "               [--method M] [--pade L/M] [--certify] [--float32] [--surface] [--laplacian] [--live]")
    @argument("--at", nargs="+", metavar="X0", required=True,
              help="the point to expand around: a number, or coordinates (1,2 or 1 2) for several variables")
    @argument("--order", default="2", metavar="N[,N2,...]",
              help="the polynomial order(s); several orders are overlaid (default 2)")
    @argument("--range", nargs="+", metavar="A B",
              help="the plotted interval (default x0 - 3 .. x0 + 3); two variables: one per axis, --range A B C D "
                   "for x in [A, B] and y in [C, D] (default: each axis centred on its coordinate)")
    @argument("--points", type=int, help="samples per axis (default 400, or 80 for two variables)")
    @argument("--vars", help="the free variables of an expression, in order: --vars x,y")
    @argument("--method", default="auto", choices=["auto", "taylor", "jet", "nested"],
              help="how to compute the coefficients (default auto: Taylor mode, nested jvp fallback)")
    @argument("--pade", metavar="L/M", help="also draw the robust [L/M] Padé approximant (one variable), "
                                           "its error and its real poles")
    @argument("--certify", action="store_true",
              help="also draw a proved band around each T_n (one variable): f(x) - T_n(x) in "
                   "[lo, hi] (x - x0)^(n+1) on the plotted range, by interval arithmetic rounded outward")
    @argument("--float32", action="store_true", help="compute in float32 instead of float64")
    @argument("--surface", action="store_true", help="two variables: 3-D surfaces instead of contours")
    @argument("--live", action="store_true",
              help="controls for the centre, the order (up to max(N, 20), or max(N, 10) in two variables) and the range, redrawn as they move")
    @argument("--laplacian", action="store_true",
              help="instead of the plot: f, gradient, Hessian and Laplacian at X0 as LaTeX matrices (any number of variables)")
    @line_cell_magic
    @user_errors_as_usage_errors
    def taylor(self, line, cell=None):
        """Plot Taylor polynomials of a JAX function against the function, with their error.

        %taylor FUNC --at X0 --order N[,N2,...] [--range A B] [--points P]
        %taylor FUNC --at X0 --laplacian
        %taylor FUNC --at X0 --order N --live

        FUNC is a name (f, jnp.tanh), a lambda, or an expression in free variables
        with jax.numpy functions by bare name (sin(x) + cos(x), x**2 + 2*x*y + y**3).
        With %%taylor, the cell defines the function: its last def, or its last expression.

        Returns a TaylorResult: r = %taylor ... keeps .polynomials, .coefficients,
        .figure and .max_errors. With --laplacian it returns an OperatorsResult instead
        (.gradient, .hessian, .laplacian). With --live it returns a widget whose sliders
        move the centre and the order (drag the point on the plot, too), redrawn at once,
        with the error band and the radius of convergence estimated from the
        coefficients. Computation is float64 unless --float32; the
        user's jax.config is not changed.

        Examples:

            %taylor sin(x) + cos(x) --at 0 --order 1,2,5,10 --range -4 4
            %taylor x**2 + 2*x*y + y**3 --at 1,2 --order 2
            r = %taylor jnp.tanh --at 0.5 --order 7
            %taylor x**2 + 2*x*y + y**3 --at 1,2 --laplacian
        """
        from ..core.precision import float64_scope
        from ..display.results import TaylorResult
        from ..taylor.engine.coefficients import check_order
        from ..taylor.study import taylor_study
        from .resolve import evaluate, resolve_cell, resolve_function

        options = option_names(self.taylor)   # its one spec: the decorators above
        head, tokens = split_line(line, options)
        if help_requested(self, self.taylor, tokens):
            return None
        if cell is not None and head:
            raise JaxCalcError("with %%taylor the cell defines the function: put only options on the line")
        args = parse_options(self.taylor.parser, tokens)
        if args.live and (args.laplacian or args.surface):
            raise JaxCalcError("--live draws curves (one variable) or contour maps (two): drop "
                               + " and ".join(o for o, on in [("--laplacian", args.laplacian),
                                                              ("--surface", args.surface)] if on))
        if args.laplacian and "--order" in tokens:
            raise JaxCalcError("--laplacian gives the derivatives of order 0, 1 and 2 at X0: drop --order "
                               "(or drop --laplacian to plot Taylor polynomials of that order)")
        ns = self.shell.user_ns
        variables = variable_names(args.vars) if args.vars else None
        with float64_scope(not args.float32):
            at = point(args.at, ns, evaluate)
        coordinates = len(at) if isinstance(at, tuple) else 1
        resolved = (resolve_cell(cell, ns) if cell is not None
                    else resolve_function(head, ns, variables, coordinates=coordinates))
        if args.surface and (resolved.variables is not None and len(resolved.variables) != 2 or coordinates != 2):
            raise JaxCalcError("--surface draws functions of two variables; this one has "
                               f"{coordinates} coordinate{'s' if coordinates > 1 else ''} at --at: drop --surface")
        orders = parse_orders(args.order)
        for n in orders:
            check_order(n)
        with float64_scope(not args.float32), float32_honoured(args.float32):
            if args.laplacian:
                from ..display.results import OperatorsResult
                from ..taylor.operators import derivative_operators

                ops = run_interruptibly(lambda: derivative_operators(
                    resolved.function, at, variables=resolved.variables, method=args.method),
                    shell=self.shell, label="%taylor --laplacian")
                return OperatorsResult(ops, resolved.label, args.method)
            span = None
            if args.range:
                span = ranges(args.range, coordinates, ns, evaluate)
            if args.live:
                from ..display.live_view import live_view

                return run_interruptibly(lambda: live_view(
                    resolved.function, at, orders[-1], label=resolved.label, span=span, points=args.points,
                    variables=resolved.variables, method=args.method, x64=not args.float32),
                    shell=self.shell, label="%taylor --live")
            degrees = pade_degrees(args.pade) if args.pade else None
            try:
                study = run_interruptibly(lambda: taylor_study(
                    resolved.function, at, orders, span=span, points=args.points,
                    variables=resolved.variables, method=args.method, pade=degrees, certify=args.certify),
                    shell=self.shell, label="%taylor")
            except NoTaylorSeries as why:
                if coordinates != 1 or degrees or args.certify:
                    raise
                return self._series_beyond_taylor(resolved, at, orders, span, args.points, str(why))
            result = TaylorResult(study, resolved.label, args.method, surface=args.surface)
            result.figure  # draw now, while float64 is on, so errors surface here
        return result

    def _series_beyond_taylor(self, resolved, at, orders, span, points, why: str):
        """No Taylor series at x0: the Laurent series (a pole), or the Puiseux series on each
        side (a branch point), drawn against f; refused in one line when it has neither."""
        from ..display.results import LaurentResult
        from ..taylor.study import laurent_study

        study = run_interruptibly(lambda: laurent_study(
            resolved.function, at, orders, span=span[0] if span else None, points=points, why_not_taylor=why),
            shell=self.shell, label="%taylor")
        result = LaurentResult(study, resolved.label)
        result.figure
        return result
