"""Every error and warning jaxcalc_ext raises, in one place.

- :class:`JaxCalcError`: a user mistake (bad input, a function we cannot trace, an impossible
  request); the magics turn it into a one-line IPython ``UsageError``. Its kinds:
  :class:`UnsupportedPrimitiveError` (no Taylor rule: the engine falls back or refuses) and
  ``budget.BudgetError`` (over the memory or time limit).
- :class:`RenderError`: no Graphviz engine could draw a graph; the message is a one-line hint,
  and the graph is shown as DOT text instead.
- :class:`Cancelled`: the user interrupted the request (raised inside the worker, never shown).
- :class:`JaxCalcWarning`: something to know about a right result (a slower fallback).

Anything else is a bug of ours and is left to propagate.
"""
from __future__ import annotations


class JaxCalcError(ValueError):
    """A user mistake: bad input, a function we cannot trace, an impossible request.

    >>> raise JaxCalcError("order must be >= 0")
    Traceback (most recent call last):
    ...
    jaxcalc_ext.errors.JaxCalcError: order must be >= 0
    """


class UnsupportedPrimitiveError(JaxCalcError):
    """The Taylor engine has no rule for a primitive that the series flows through."""

    def __init__(self, primitive_name: str):
        self.primitive_name = primitive_name
        super().__init__(
            f"the Taylor engine has no rule for the JAX primitive '{primitive_name}'; "
            "use method='nested' (or method='auto', which falls back to it)"
        )


class JaxCalcWarning(RuntimeWarning):
    """Something the user should know about a result that is still right: a slower fallback
    was used. The magics show it as one plain line; the library warns as Python does."""


class RenderError(RuntimeError):
    """No Graphviz engine could render the graph; the message is a one-line hint."""


class Cancelled(Exception):
    """The job running this computation was cancelled (the user interrupted it)."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)
