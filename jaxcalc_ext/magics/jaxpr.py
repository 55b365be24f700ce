"""``%jaxpr``: the jaxpr of a function or of its transformation."""
from __future__ import annotations

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, kwds, magic_arguments

from ..core.errors import JaxCalcError
from .background import run_interruptibly
from .common import help_requested, option_names, readable_help, user_errors_as_usage_errors
from .parsing import parse_options, split_line


@magics_class
class JaxprMagic(Magics):

    @readable_help
    @magic_arguments()
    @kwds(usage="%(prog)s FUNC ARGS... [--grad | --jvp | --vjp | --hessian | --taylor K] [--compare] [--float64]")
    @argument("--grad", action="store_true", help="the jaxpr of jax.grad(FUNC)")
    @argument("--jvp", action="store_true", help="the jaxpr of a forward-mode jvp (tangents of ones)")
    @argument("--vjp", action="store_true", help="the jaxpr of a reverse-mode vjp (cotangent of ones)")
    @argument("--hessian", action="store_true", help="the jaxpr of jax.hessian(FUNC)")
    @argument("--taylor", type=int, metavar="K", help="the jaxpr of our Taylor-mode program of order K")
    @argument("--compare", action="store_true", help="FUNC beside its gradient (or the chosen transformation)")
    @argument("--float64", action="store_true", help="trace with float64 inputs (scoped; jax.config unchanged)")
    @line_magic
    @user_errors_as_usage_errors
    def jaxpr(self, line):
        """Show the jaxpr of a function, or of its transformation, with an equation table and statistics.

        %jaxpr FUNC ARGS... [--grad | --jvp | --vjp | --hessian | --taylor K] [--compare]

        ARGS are Python expressions evaluated in your namespace: %jaxpr f 3.0,
        %jaxpr loss params, batch. FUNC may be any expression: %jaxpr jax.grad(g) 1.5.
        Returns a JaxprResult (.jaxpr, .views[i].table, .views[i].stats); it shows the
        highlighted jaxpr, a table of equations and a primitive histogram.
        """
        from ..listing.describe import describe_jaxpr
        from ..core.precision import float64_scope
        from .resolve import resolve_call

        options = option_names(self.jaxpr)   # its one spec: the decorators above
        head, tokens = split_line(line, options)
        if help_requested(self, self.jaxpr, tokens):
            return None
        args = parse_options(self.jaxpr.parser, tokens)
        chosen = [t for t in ("grad", "jvp", "vjp", "hessian") if getattr(args, t)]
        if args.taylor is not None:
            chosen.append("taylor")
        if len(chosen) > 1:
            raise JaxCalcError(f"choose one transformation, got {', '.join('--' + c for c in chosen)}")
        with float64_scope(args.float64):
            resolved, call_args = resolve_call(head, self.shell.user_ns, magic="%jaxpr")
            return run_interruptibly(lambda: describe_jaxpr(
                resolved.function, *call_args, transform=chosen[0] if chosen else None,
                compare=args.compare, taylor_order=args.taylor or 3, name=resolved.label),
                shell=self.shell, label="%jaxpr")
