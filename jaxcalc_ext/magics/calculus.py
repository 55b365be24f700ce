"""The Magics class: ``%taylor``/``%%taylor`` (and the graph magics), each a thin shell."""
from __future__ import annotations

import contextlib
import functools

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, kwds, magic_arguments

from ..errors import JaxCalcError
from .background import run_interruptibly
from .parsing import parse_options, split_line


def user_errors_as_usage_errors(method):
    """Turn our JaxCalcError, and an error raised in the user's own code, into a one-line
    UsageError; leave our own bugs alone; restore jax.config."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from ..precision import config_restored
        from .user_errors import describe_user_error

        try:
            with config_restored(), warnings_as_lines():  # the user's code may flip jax.config: it is put back
                return method(self, *args, **kwargs)
        except JaxCalcError as err:
            raise UsageError(" ".join(str(err).split("\n")[0].split())) from None
        except Exception as err:
            described = describe_user_error(err, line=args[0] if args else "", magic=method.__name__)
            if described is None:
                raise
            raise UsageError(described) from None
    return wrapper


@contextlib.contextmanager
def warnings_as_lines():
    """Our warnings (a slower fallback was used) become one plain printed line each, not a
    stderr block pointing at our source; NumPy's floating-point warnings from evaluating the
    user's function where we handle non-finite values are not shown at all."""
    import warnings

    from ..errors import JaxCalcWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JaxCalcWarning)
        try:
            yield
        finally:
            seen = []
            for w in caught:
                if issubclass(w.category, JaxCalcWarning):
                    if str(w.message) not in seen:
                        seen.append(str(w.message))
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            for message in seen:
                print(f"note: {message}")


def _help_requested(self, magic, tokens) -> bool:
    """``%taylor -h``: print the magic's help (as ``%taylor?`` does) instead of an error."""
    if "-h" in tokens or "--help" in tokens:
        print(magic.__doc__)
        return True
    return False


def readable_help(method):
    """IPython puts the argparse usage under a reST ``::`` that ``%taylor?`` shows as is: drop it."""
    method.__doc__ = method.__doc__.replace("::\n\n", "", 1)
    return method


@magics_class
class CalculusMagics(Magics):

    @readable_help
    @magic_arguments()
    @kwds(usage="%(prog)s FUNC --at X0 [--order N[,N2,...]] [--range A B] [--points P] [--vars V,...]\n"
                "               [--method M] [--float32] [--surface] [--laplacian] [--live]")
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
        from ..precision import float64_scope
        from ..results import TaylorResult
        from ..taylor.engine import check_order
        from ..taylor.study import taylor_study
        from .resolve import evaluate, resolve_cell, resolve_function

        options = {"--at", "--order", "--range", "--points", "--vars", "--method", "--float32",
                   "--surface", "--laplacian", "--live", "-h", "--help"}
        head, tokens = split_line(line, options)
        if _help_requested(self, self.taylor, tokens):
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
        variables = _variable_names(args.vars) if args.vars else None
        with float64_scope(not args.float32):
            at = _point(args.at, ns, evaluate)
        coordinates = len(at) if isinstance(at, tuple) else 1
        resolved = (resolve_cell(cell, ns) if cell is not None
                    else resolve_function(head, ns, variables, coordinates=coordinates))
        if args.surface and (resolved.variables is not None and len(resolved.variables) != 2 or coordinates != 2):
            raise JaxCalcError("--surface draws functions of two variables; this one has "
                               f"{coordinates} coordinate{'s' if coordinates > 1 else ''} at --at: drop --surface")
        orders = _parse_orders(args.order)
        for n in orders:
            check_order(n)
        with float64_scope(not args.float32), _float32_honoured(args.float32):
            if args.laplacian:
                from ..results import OperatorsResult
                from ..taylor.operators import derivative_operators

                ops = run_interruptibly(lambda: derivative_operators(
                    resolved.function, at, variables=resolved.variables, method=args.method),
                    shell=self.shell, label="%taylor --laplacian")
                return OperatorsResult(ops, resolved.label, args.method)
            span = None
            if args.range:
                span = _ranges(args.range, coordinates, ns, evaluate)
            if args.live:
                from ..live import live_view

                return run_interruptibly(lambda: live_view(
                    resolved.function, at, orders[-1], label=resolved.label, span=span, points=args.points,
                    variables=resolved.variables, method=args.method, x64=not args.float32),
                    shell=self.shell, label="%taylor --live")
            study = run_interruptibly(lambda: taylor_study(
                resolved.function, at, orders, span=span, points=args.points,
                variables=resolved.variables, method=args.method), shell=self.shell, label="%taylor")
            result = TaylorResult(study, resolved.label, args.method, surface=args.surface)
            result.figure  # draw now, while float64 is on, so errors surface here
        return result


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
        from ..jaxpr_view import describe_jaxpr
        from ..precision import float64_scope
        from .resolve import resolve_call

        options = {"--grad", "--jvp", "--vjp", "--hessian", "--taylor", "--compare", "--float64", "-h", "--help"}
        head, tokens = split_line(line, options)
        if _help_requested(self, self.jaxpr, tokens):
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

    @readable_help
    @magic_arguments()
    @kwds(usage="%(prog)s FUNC ARGS... [--values] [--grads [--cotangent ones]] [--nan] [--explore] [--rankdir LR|TB]\n"
                "                [--depth D] [--max-nodes N] [--no-fold] [--save PATH] [--float64 | --float32]")
    @argument("--values", action="store_true", help="show each node's forward value")
    @argument("--grads", action="store_true", help="show each node's adjoint d(output)/d(node) (scalar output)")
    @argument("--cotangent", metavar="CT",
              help="with --grads for a non-scalar output (a gradient's program): 'ones' for the adjoints of "
                   "the sum of every output, or an expression shaped like the output")
    @argument("--nan", action="store_true",
              help="mark where a NaN or Inf was first made, forward and in the adjoints, and its way to the output")
    @argument("--explore", action="store_true",
              help="an interactive view: click groups to open them, hover for shapes (values and adjoints "
                   "with --values --grads), step through the sweeps")
    @argument("--rankdir", default="auto", choices=["auto", "LR", "TB"],
              help="layout direction (default: LR for short chains, TB for long ones)")
    @argument("--depth", type=int, help="how many levels of groups may open (default: as many as fit)")
    @argument("--max-nodes", type=int, default=60,
              help="node budget; groups beyond it stay collapsed (default 60; 0 opens everything)")
    @argument("--no-fold", action="store_true", help="let library activations (gelu, softmax, relu) open too")
    @argument("--save", metavar="PATH", help="also write the drawing to PATH (.svg, .png, .pdf or .dot)")
    @argument("--float64", action="store_true", help="trace with float64 inputs (scoped; jax.config unchanged)")
    @argument("--float32", action="store_true", help="trace in float32 even when float64 is on globally")
    @line_magic
    @user_errors_as_usage_errors
    def graddag(self, line):
        """Draw the computation graph of a JAX function with Graphviz, optionally with values and adjoints.

        %graddag FUNC ARGS... [--values] [--grads] [--nan] [--explore] [--max-nodes N] [--save PATH]

        ARGS are Python expressions evaluated in your namespace; FUNC may be any expression
        (%graddag jax.grad(g) 1.5). The graph is the program you run, in your dtypes
        (--float64 to trace with float64). It is organised by your program's structure
        (named scopes, your functions, jit calls, activations, source lines, layers by
        parameter group, a gradient's forward and backward sweeps) and collapsed to fit
        --max-nodes. --grads runs the reverse sweep with JAX's own vjp of each equation;
        backward (transposed) equations of grad/vjp programs are drawn in blue. --nan marks
        where a NaN or Inf was born. Returns a ComputationGraph (.nodes, .edges, .expand(name),
        .to_dot(), .save(path)); with --explore a widget. Without a working Graphviz engine it
        shows the DOT text and a one-line hint.
        """
        from ..graph.build import computation_graph
        from ..precision import float64_scope
        from .resolve import evaluate, resolve_call

        options = {"--values", "--grads", "--cotangent", "--nan", "--explore", "--rankdir", "--depth",
                   "--max-nodes", "--no-fold", "--save", "--float64", "--float32", "-h", "--help"}
        head, tokens = split_line(line, options)
        if _help_requested(self, self.graddag, tokens):
            return None
        args = parse_options(self.graddag.parser, tokens)
        if args.max_nodes is not None and args.max_nodes != 0 and args.max_nodes < 2:
            raise JaxCalcError("--max-nodes must be at least 2 (or 0 to open everything)")
        if args.depth is not None and args.depth < 0:
            raise JaxCalcError(f"--depth must be 0 (only the top level) or more, got {args.depth}")
        if args.float64 and args.float32:
            raise JaxCalcError("give --float64 or --float32, not both")
        if args.save is not None:
            from ..graph.model import save_target

            save_target(args.save)  # a bad path is said before the graph is built
        with float64_scope(args.float64), _float32_honoured(args.float32):
            resolved, call_args = resolve_call(head, self.shell.user_ns, magic="%graddag")
            cotangent = None
            if args.cotangent is not None:
                if not args.grads:
                    raise JaxCalcError("--cotangent sets the adjoints' start: add --grads")
                cotangent = "ones" if args.cotangent.strip() in ("ones", "'ones'", '"ones"') else \
                    evaluate(args.cotangent, self.shell.user_ns, "--cotangent")
            graph = run_interruptibly(lambda: computation_graph(
                resolved.function, *call_args, values=args.values, cotangent=cotangent,
                adjoints=args.grads, depth=args.depth, fold=not args.no_fold,
                max_nodes=args.max_nodes or None, rankdir=args.rankdir, title=resolved.label,
                nan=args.nan), shell=self.shell, label="%graddag")
        if args.save is not None:
            from ..graph.render import RenderError

            import os

            existed = os.path.exists(args.save)
            try:
                path = graph.save(args.save)
                graph.notes.append(f"saved to {path}" + (" (replaced the file that was there)" if existed else ""))
            except RenderError as err:
                raise JaxCalcError(str(err)) from None
            except OSError as err:
                raise JaxCalcError(f"cannot write {args.save}: {err.strerror}") from None
        if args.explore:
            from ..graph.explorer import GraphExplorer

            return GraphExplorer(graph)
        return graph


def _parse_orders(text: str) -> list[int]:
    try:
        return [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise JaxCalcError(f"--order takes whole numbers separated by commas, got '{text}'") from None


def _variable_names(text: str) -> list[str]:
    """``--vars x,y``: distinct Python identifiers, or a one-line error."""
    import keyword

    names = [v.strip() for v in text.split(",")]
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise JaxCalcError(f"--vars takes variable names separated by commas (--vars x,y); "
                               f"'{name}' is not a name")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise JaxCalcError(f"--vars names '{repeated[0]}' twice: give each variable once")
    return names


def _float32_honoured(float32: bool):
    """``--float32`` computes in float32 even when the user has turned float64 on globally."""
    import contextlib

    if not float32:
        return contextlib.nullcontext()
    import jax

    return jax.enable_x64(False)


def _ranges(tokens: list[str], coordinates: int, ns, evaluate) -> list[tuple[float, float]]:
    """``--range A B`` (one variable) or ``--range A B C D`` (x in [A, B], y in [C, D])."""
    numbers = [_real_number(evaluate(t.strip(), ns, "--range"), "--range", t) for t in tokens]
    axes = min(coordinates, 2) if coordinates <= 2 else 1
    if len(numbers) != 2 * axes:
        if axes == 2:
            raise JaxCalcError(f"--range for two variables takes one interval per axis: --range A B C D "
                               f"(x in [A, B], y in [C, D]), got {len(numbers)} number"
                               f"{'s' * (len(numbers) != 1)}")
        raise JaxCalcError(f"--range takes two real numbers (--range -2 2), got {len(numbers)}")
    return [(numbers[2 * i], numbers[2 * i + 1]) for i in range(axes)]


def _real_number(value, what: str, text: str) -> float:
    import numbers

    import numpy as np

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)) \
            or np.ndim(value) != 0 or np.iscomplexobj(value):
        raise JaxCalcError(f"{what} takes two real numbers (--range -2 2), got '{text.strip()}'")
    number = float(value)
    if not np.isfinite(number):
        raise JaxCalcError(f"{what} must be finite, got {number}")
    return number


def _point(tokens: list[str], ns, evaluate):
    """``--at 0``, ``--at 1,2``, ``--at 1 2`` or ``--at x0`` -> a float or a tuple of floats."""
    import numpy as np

    text = " ".join(t.strip() for t in tokens)
    try:
        value = evaluate(text, ns, "--at")
    except JaxCalcError:
        value = evaluate(",".join(t.strip() for t in tokens), ns, "--at")
    if np.iscomplexobj(value):
        raise JaxCalcError(f"--at must be real numbers, got {text!r}")
    try:
        point = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise JaxCalcError(f"--at must be numbers, got {text!r}") from None
    if point.ndim > 1:
        raise JaxCalcError(f"--at must be a number or a list of coordinates, got shape {point.shape}")
    if point.size == 0:
        raise JaxCalcError("--at is empty: give a point, e.g. --at 0 or --at 1,2")
    if not np.all(np.isfinite(point)):
        raise JaxCalcError(f"--at is {point.tolist()}: give a finite point")
    return float(point) if point.ndim == 0 else tuple(point.tolist())
