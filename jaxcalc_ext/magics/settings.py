"""``%config JaxCalc.*``: the limits every request is checked against before it runs, and
the image format of figures and graphs.

>>> from traitlets.config import Config
>>> settings = JaxCalc(config=Config({"JaxCalc": {"time_limit": 30.0}}))
>>> from jaxcalc_ext.core.budget import LIMITS
>>> LIMITS.seconds
30.0
"""
from __future__ import annotations

from traitlets import CaselessStrEnum, Float, TraitError, observe, validate
from traitlets.config import Configurable

from ..core import budget
from ..core.preferences import set_figure_format


class JaxCalc(Configurable):
    """Limits for jaxcalc_ext's magics and library (``%config JaxCalc``)."""

    memory_limit = Float(budget.LIMITS.memory_bytes, config=True,
                         help="bytes one request may use (default: a quarter of the memory this "
                              "process may use); larger requests are refused before they run")
    time_limit = Float(budget.LIMITS.seconds, config=True,
                       help="estimated seconds one request may take; longer ones are refused")

    figure_format = CaselessStrEnum(["auto", "retina", "png", "svg", "jpeg"], default_value="auto", config=True,
                                    help="the one image format of %taylor figures and %graddag graphs: auto "
                                         "follows InlineBackend.figure_formats for svg/jpeg, else retina "
                                         "(2x PNG, crisp on HiDPI screens)")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        budget.set_limits(self.memory_limit, self.time_limit)
        self._format_changed({"new": self.figure_format})

    @validate("memory_limit", "time_limit")
    def _positive(self, proposal):
        """A limit is a positive, finite number: anything else is refused and the limit in force
        is kept (``%config JaxCalc`` shows the one in force)."""
        import math

        value = proposal["value"]
        if not (math.isfinite(value) and value > 0):
            memory = proposal["trait"].name == "memory_limit"
            kept = budget.LIMITS.memory_bytes if memory else budget.LIMITS.seconds
            raise TraitError(f"JaxCalc.{proposal['trait'].name} must be a positive number of "
                             f"{'bytes' if memory else 'seconds'}, got {value}; it stays {kept:g}")
        return value

    @observe("figure_format")
    def _format_changed(self, change) -> None:
        set_figure_format(change["new"])   # no import of a front end: %load_ext returns at once

    @observe("memory_limit")
    def _memory_changed(self, change) -> None:
        budget.set_limits(memory_bytes=change["new"])

    @observe("time_limit")
    def _time_changed(self, change) -> None:
        budget.set_limits(seconds=change["new"])
