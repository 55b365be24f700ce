"""The live Taylor view: a widget whose controls recompute the polynomial as they move."""
from __future__ import annotations

from typing import Any, Callable, Sequence


def live_view(f: Callable, x0: Any, order: int, *, label: str, span: Sequence[tuple[float, float]] | None = None,
              points: int | None = None, variables: Sequence[str] | None = None, method: str = "auto",
              max_order: int | None = None, x64: bool = True):
    """A :class:`~jaxcalc_ext.display.taylor_widget.TaylorExplorer` at ``x0``, with a static PNG of its
    first state for front ends without widgets. Call under the float64 setting wanted."""
    from ..core.errors import JaxCalcError
    from .figures import figure_bytes
    from .taylor_figure import draw_study
    from ..taylor.live_model import LiveTaylor

    try:
        from .taylor_widget import TaylorExplorer
    except ImportError as err:
        raise JaxCalcError(f"the live view needs anywidget ({err.name} is missing): "
                           "pip install anywidget") from None
    live = LiveTaylor(f, x0, order, max_order=max_order, span=span, points=points,
                      variables=variables, method=method)
    # the same picture the widget draws (band, radius), from what is computed already
    png = figure_bytes(draw_study(live.study(order), label, band=True, radius=live.radius()), "retina")
    return TaylorExplorer(live, label, static_png=png, x64=x64)
