"""``%graddag``: the computation graph of a function, drawn with Graphviz."""
from __future__ import annotations

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, kwds, magic_arguments

from ..core.errors import JaxCalcError
from .background import run_interruptibly
from .common import float32_honoured, help_requested, option_names, readable_help, user_errors_as_usage_errors
from .parsing import parse_options, split_line


@magics_class
class GraddagMagic(Magics):

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
        from ..display import graph_picture  # noqa: F401  (a graph shows itself as a picture)
        from ..graph.build import computation_graph
        from ..core.precision import float64_scope
        from .resolve import evaluate, resolve_call

        options = option_names(self.graddag)   # its one spec: the decorators above
        head, tokens = split_line(line, options)
        if help_requested(self, self.graddag, tokens):
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
        with float64_scope(args.float64), float32_honoured(args.float32):
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
            from ..graph.backend import RenderError

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
            from ..display.graph_widget import GraphExplorer

            return GraphExplorer(graph)
        return graph
