"""What the three magics share: errors as one-line UsageErrors, warnings as one line, help,
and readers for the option values (points, ranges, orders, variable names).

Each magic lives in its own module (:mod:`.taylor`, :mod:`.jaxpr`, :mod:`.graddag`) with one
option spec: the argparse decorators, from which :func:`option_names` reads what the line
parser accepts.
"""
from __future__ import annotations

import contextlib
import functools

from IPython.core.error import UsageError

from ..core.errors import JaxCalcError, JaxCalcException


def option_names(magic) -> set[str]:
    """The options a magic's argparse spec declares (its one spec), for the line parser, and
    ``-h``/``--help`` (answered by :func:`help_requested`)."""
    return {name for action in magic.parser._actions for name in action.option_strings} | {"-h", "--help"}


# The library's option names whose flag is not ``--`` + the name (``points`` is ``--points``,
# ``max_nodes`` is ``--max-nodes``), with how a sequence value is written on the line.
_FLAGS: dict[str, tuple[str, str]] = {   # option -> (flag, separator between a sequence's items)
    "orders": ("--order", ","), "x0": ("--at", ","), "span": ("--range", " "), "adjoints": ("--grads", " "),
}


def flag_spelling(name: str, value) -> str:
    """How a magic names a library option in a message: ``--points 64``, ``--order 1,5,10``.

    >>> flag_spelling("orders", (1, 5, 10)), flag_spelling("points", None)
    ('--order 1,5,10', '--points')
    """
    flag, separator = _FLAGS.get(name, (f"--{name.replace('_', '-')}", " "))
    if value is None:
        return flag
    items = value if isinstance(value, (tuple, list)) else (value,)
    return f"{flag} {separator.join(f'{v:g}' if isinstance(v, float) else str(v) for v in items)}"


def user_errors_as_usage_errors(method):
    """Turn our JaxCalcError, and an error raised in the user's own code, into a one-line
    UsageError; leave our own bugs alone; restore jax.config."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from ..core.precision import config_restored
        from ..core.user_code import raised_by_user
        from ..core.user_errors import describe_user_error

        try:
            with config_restored(), warnings_as_lines():  # the user's code may flip jax.config: it is put back
                return method(self, *args, **kwargs)
        except JaxCalcError as err:
            raise UsageError(" ".join(err.spelled(flag_spelling).split("\n")[0].split())) from None
        except JaxCalcException:
            raise
        except BaseException as err:   # whatever the user's code raised, of any class
            if isinstance(err, (KeyboardInterrupt, SystemExit)) and raised_by_user(err) is None:
                raise   # the user pressed interrupt (or the kernel is stopping): not an error of theirs
            described = describe_user_error(err, line=args[0] if args else "", magic=method.__name__)
            if described is None:
                raise
            raise UsageError(described) from None
    return wrapper


@contextlib.contextmanager
def warnings_as_lines():
    """Warnings raised while a magic runs reach the user once each, as Python shows them.

    The user's own warnings (and JAX's, about the user's program) are recorded while the magic
    runs and re-emitted *after* the recording ends, under the user's filters: once per location
    per request, as a notebook cell calling the function shows them (every pass the magic makes
    through the traced program adds none: the user's Python runs once). Ours
    (:class:`JaxCalcWarning`: a slower fallback was used) become one plain printed line each,
    not a stderr block pointing at our source.

    >>> import warnings
    >>> with warnings_as_lines():
    ...     warnings.warn("from the user's code", UserWarning)   # doctest: +SKIP
    """
    import warnings

    from ..core.errors import JaxCalcWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JaxCalcWarning)
        try:
            yield
        finally:
            recorded = list(caught)   # re-emitting inside the block would record them again
    notes = list(dict.fromkeys(str(w.message) for w in recorded if issubclass(w.category, JaxCalcWarning)))
    registry: dict = {}   # "default" filters: once per location in this request
    for w in recorded:
        if not issubclass(w.category, JaxCalcWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, registry=registry,
                                   source=w.source)
    for message in notes:
        print(f"note: {message}")


def help_requested(self, magic, tokens) -> bool:
    """``%taylor -h``: print the magic's help (as ``%taylor?`` does) instead of an error."""
    if "-h" in tokens or "--help" in tokens:
        print(magic.__doc__)
        return True
    return False


def readable_help(method):
    """IPython puts the argparse usage under a reST ``::`` that ``%taylor?`` shows as is: drop it."""
    method.__doc__ = method.__doc__.replace("::\n\n", "", 1)
    return method



def parse_orders(text: str) -> list[int]:
    try:
        return [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise JaxCalcError(f"--order takes whole numbers separated by commas, got '{text}'") from None


def variable_names(text: str) -> list[str]:
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


def float32_honoured(float32: bool):
    """``--float32`` computes in float32 even when the user has turned float64 on globally."""
    import contextlib

    if not float32:
        return contextlib.nullcontext()
    import jax

    return jax.enable_x64(False)


def ranges(tokens: list[str], coordinates: int, ns, evaluate) -> list[tuple[float, float]]:
    """``--range A B`` (one variable) or ``--range A B C D`` (x in [A, B], y in [C, D])."""
    numbers = [real_number(evaluate(t.strip(), ns, "--range"), "--range", t) for t in tokens]
    axes = min(coordinates, 2) if coordinates <= 2 else 1
    if len(numbers) != 2 * axes:
        if axes == 2:
            raise JaxCalcError(f"--range for two variables takes one interval per axis: --range A B C D "
                               f"(x in [A, B], y in [C, D]), got {len(numbers)} number"
                               f"{'s' * (len(numbers) != 1)}")
        raise JaxCalcError(f"--range takes two real numbers (--range -2 2), got {len(numbers)}")
    return [(numbers[2 * i], numbers[2 * i + 1]) for i in range(axes)]


def real_number(value, what: str, text: str) -> float:
    import numbers

    import numpy as np

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)) \
            or np.ndim(value) != 0 or np.iscomplexobj(value):
        raise JaxCalcError(f"{what} takes two real numbers (--range -2 2), got '{text.strip()}'")
    number = float(value)
    if not np.isfinite(number):
        raise JaxCalcError(f"{what} must be finite, got {number}")
    return number


def point(tokens: list[str], ns, evaluate):
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
