"""The one error type user mistakes raise in the core.

The magics turn a :class:`JaxCalcError` into a one-line IPython ``UsageError``;
any other exception is a bug of ours and is left to propagate.
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
