"""Every error and warning jaxcalc_ext raises, in one hierarchy, in one place.

    JaxCalcException                 everything we raise on purpose
    ├── JaxCalcError (ValueError)    a user mistake: bad input, a function we cannot trace, an
    │   │                            impossible request; the magics show it as a one-line UsageError
    │   ├── UnsupportedPrimitiveError  no Taylor rule: the engine falls back or refuses
    │   ├── BudgetError              over the memory or time limit (names a request that fits)
    │   └── NotFound (KeyError)      no such node or group in a graph
    ├── RenderError (RuntimeError)   no Graphviz engine could draw a graph: a one-line hint, and
    │                                the graph is shown as DOT text instead
    └── Cancelled                    the user interrupted the request (raised in the worker, never shown)

    JaxCalcWarning (RuntimeWarning)  something to know about a right result (a slower fallback)

Anything else is a bug of ours and is left to propagate.

>>> issubclass(BudgetError, JaxCalcError) and not issubclass(Cancelled, JaxCalcError)
True
"""
from __future__ import annotations

from typing import Any, Callable, Mapping


def library_spelling(name: str, value: Any) -> str:
    """How the library names an option in a message: ``points=64``, or ``points`` alone."""
    return name if value is None else f"{name}={value!r}"


class JaxCalcException(Exception):
    """The root of everything jaxcalc_ext raises on purpose."""


class JaxCalcError(JaxCalcException, ValueError):
    """A user mistake: bad input, a function we cannot trace, an impossible request.

    A message that advises an option names it through ``options`` (``{points}`` in the text):
    the library spells it as a keyword argument, a magic as its flag (:meth:`spelled`), so
    neither layer's words leak into the other.

    >>> raise JaxCalcError("order must be >= 0")
    Traceback (most recent call last):
    ...
    jaxcalc_ext.core.errors.JaxCalcError: order must be >= 0
    >>> err = JaxCalcError("too many points: {points} fits", options={"points": 64})
    >>> str(err), err.spelled(lambda name, value: f"--{name} {value}")
    ('too many points: points=64 fits', 'too many points: --points 64 fits')
    """

    def __init__(self, message: str = "", *, options: Mapping[str, Any] | None = None):
        self.template, self.options = message, dict(options or {})
        super().__init__(self.spelled(library_spelling))

    def spelled(self, spell: Callable[[str, Any], str]) -> str:
        """The message with each option written by ``spell(name, value)``."""
        if not self.options:
            return self.template
        return self.template.format(**{name: spell(name, value) for name, value in self.options.items()})


class UnsupportedPrimitiveError(JaxCalcError):
    """The Taylor engine has no rule for a primitive that the series flows through."""

    def __init__(self, primitive_name: str, where: str | None = None):
        self.primitive_name, self.where = primitive_name, where
        at = f" ({where})" if where else ""
        super().__init__(f"the Taylor engine has no rule for the JAX primitive '{primitive_name}'{at}; "
                         "use {method} (or the default auto method, which falls back to it)",
                         options={"method": "nested"})


class NoTaylorSeries(JaxCalcError):
    """f has no Taylor series at x0 (a pole, a branch point, a log term, x0 within rounding of a
    pole): %taylor then looks for a Laurent or Puiseux series."""


class BudgetError(JaxCalcError):
    """A request whose estimated memory or time is over the configured limit."""


class NotFound(JaxCalcError, KeyError):
    """No node or group of that name (a KeyError too, as a look-up by name is)."""

    def __str__(self) -> str:   # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RenderError(JaxCalcException, RuntimeError):
    """No Graphviz engine could render the graph; the message is a one-line hint."""


class Cancelled(JaxCalcException):
    """The job running this computation was cancelled (the user interrupted it)."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)


class JaxCalcWarning(RuntimeWarning):
    """Something the user should know about a result that is still right: a slower fallback
    was used. The magics show it as one plain line; the library warns as Python does."""
