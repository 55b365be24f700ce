"""The live Taylor view as a Jupyter widget (anywidget): sliders and a draggable centre.

Why anywidget: one small, well-kept dependency (on ipywidgets' widget manager, which
JupyterLab, Notebook 7 and VS Code already ship) that runs a plain ES module with no build
step; our JavaScript lives in this package (``static/taylor_widget.js``) and travels to the
browser through the kernel, so the view works offline, with no CDN.

Each move of a control sends one request; the kernel answers with f and T_n sampled on the
grid (binary buffers) and the front end draws them on a canvas. A request is sent only when
the previous one has been answered, and only the latest waiting one is kept, so a fast drag
never builds a queue. The output also carries a PNG of the current view, refreshed when the
controls rest, so GitHub, nbviewer and nbconvert show the last state.
"""
from __future__ import annotations

import base64
import time

import anywidget
import numpy as np
import traitlets

from ..core.errors import JaxCalcError
from ..taylor.live_model import LiveTaylor
from .javascript import widget_module
from .messages import BadMessage, finite_or_none, frame_request, ignored, snapshot_png
from .static_fallback import StaticFallback



class TaylorExplorer(StaticFallback, anywidget.AnyWidget):
    """``%taylor FUNC --at X0 --live``: Taylor polynomials that follow the hand.

    ``explorer.live`` is the :class:`~jaxcalc_ext.taylor.live_model.LiveTaylor` underneath;
    ``explorer.kernel_ms`` lists how long the kernel took for each update.
    """

    _esm = widget_module("taylor_widget.js")
    center = traitlets.List(traitlets.Float()).tag(sync=True)
    order = traitlets.Int(0).tag(sync=True)
    max_order = traitlets.Int(20).tag(sync=True)
    span = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    variables = traitlets.List(traitlets.Unicode()).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    pade = traitlets.Bool(False).tag(sync=True)        # draw the Padé approximant of the same order
    certify = traitlets.Bool(False).tag(sync=True)     # prove a band once the controls rest

    def __init__(self, live: LiveTaylor, label: str, static_png: bytes | None = None, x64: bool = True) -> None:
        super().__init__(center=list(live.center), order=live.order, max_order=live.max_order,
                         span=[list(s) for s in live.span], variables=list(live.variables), label=label,
                         certify=live.band_is_cheap())
        self.live, self.x64 = live, x64
        self.kernel_ms: list[float] = []
        self._static_png = static_png
        self._display_id: str | None = None
        self.on_msg(self._on_message)

    # -- kernel side of a request ---------------------------------------------------------
    def _on_message(self, _widget, content: dict, buffers) -> None:
        """Every message is checked (:mod:`.messages`): a bad one is logged in one line and
        changes nothing; a bad frame request is still answered, with the reason, so the view
        never waits for a reply that will not come."""
        kind = content.get("type") if isinstance(content, dict) else None
        if kind in ("frame", "band"):
            try:
                request = frame_request(content, len(self.live.center), self.live.max_order)
            except BadMessage as err:
                ignored(kind, err)
                if kind == "frame":
                    self._reply_with_reason(content, str(err))
                else:
                    self.send({"type": "band", "seq": content.get("seq") if isinstance(content.get("seq"), int) else None,
                               "text": f"no proved band: {err}", "kernel_ms": 0.0}, [])
                return
            request = {**request, "seq": content.get("seq") if isinstance(content.get("seq"), int) else None}
            if kind == "frame":
                self._answer(request)
            else:
                self._answer_band(request)
        elif kind == "snapshot":
            try:
                png, ratio = snapshot_png(content)
            except BadMessage as err:
                ignored("snapshot", err)
                return
            self._store_snapshot(png, ratio)
        else:
            ignored(str(kind)[:40], BadMessage("unknown message type"))

    def _answer(self, request: dict) -> None:
        import warnings

        from ..core.precision import config_restored, float64_scope
        from ..core.user_errors import describe_user_error

        start = time.perf_counter()
        try:
            with config_restored(), float64_scope(self.x64), np.errstate(all="ignore"):
                frame = self.live.frame(center=request.get("center"), order=request.get("order"),
                                        span=request.get("span"), pade=request.get("pade", False))
        except Exception as err:  # always answer: an unanswered request would freeze the view
            if isinstance(err, JaxCalcError):
                text = str(err)
            else:
                text = describe_user_error(err) or f"internal error (please report): {type(err).__name__}: {err}"
            self._reply_with_reason(request, text.strip().splitlines()[0][:300] if text.strip() else type(err).__name__)
            return
        reply, buffers = frame_message(frame)
        reply["seq"] = request.get("seq")
        reply["kernel_ms"] = (time.perf_counter() - start) * 1e3
        self.kernel_ms.append(reply["kernel_ms"])
        self.send(reply, buffers)

    def _answer_band(self, request: dict) -> None:
        """A proved band for the state the view rests at (asked once the controls stop, so a
        drag is never slowed by it): its lower and upper curves on the grid, and its claim."""
        from ..core.precision import config_restored
        from ..core.user_errors import describe_user_error

        start = time.perf_counter()
        try:
            with config_restored(), np.errstate(all="ignore"):
                band = self.live.band(center=request.get("center"), order=request.get("order"),
                                      span=request.get("span"))
                grid = self.live.frame().grid[0]
                lower, upper = band.band(grid)
            reply = {"type": "band", "seq": request.get("seq"), "text": str(band),
                     "kernel_ms": (time.perf_counter() - start) * 1e3}
            buffers = [np.ascontiguousarray(lower, np.float64).tobytes(), np.ascontiguousarray(upper, np.float64).tobytes()]
        except Exception as err:  # a band is an extra: its refusal is said, the view is untouched
            text = str(err) if isinstance(err, JaxCalcError) else (describe_user_error(err) or f"{type(err).__name__}: {err}")
            reply = {"type": "band", "seq": request.get("seq"), "text": f"no proved band: {text.splitlines()[0][:240]}",
                     "kernel_ms": (time.perf_counter() - start) * 1e3}
            buffers = []
        self.send(reply, buffers)

    def _reply_with_reason(self, request: dict, text: str) -> None:
        """A frame with no polynomial and the reason, for the view to show (the state stays)."""
        self.send({"type": "frame", "seq": request.get("seq") if isinstance(request.get("seq"), int) else None,
                   "message": text, "has_polynomial": False, "center": list(self.live.center),
                   "order": self.live.order, "span": [list(s) for s in self.live.span],
                   "max_error": None, "value": None, "kernel_ms": 0.0, "dtype": "", "radius": None},
                  [np.zeros(0).tobytes()] * 2)

    def _store_snapshot(self, png: bytes, ratio: int = 1) -> None:
        self._static_png = png
        # the canvas has devicePixelRatio pixels per CSS pixel: shown at its CSS size
        self._fallback_scale = ratio
        self._refresh_static()

    # -- display ----------------------------------------------------------------------------
    _fallback_scale = 2   # live_view renders the static picture as a retina PNG

    def _fallback_png(self) -> bytes | None:
        return self._static_png

    def _fallback_text(self) -> str:
        return (f"<live Taylor view of {self.label}: T_{self.order} at {self.center}; "
                "move its controls in JupyterLab, Notebook 7 or VS Code>")


def frame_message(frame) -> tuple[dict, list[bytes]]:
    """A :class:`LiveFrame` as a JSON-able message plus binary buffers (float64): the grid's
    x axis, f, and T_n; for two variables f, T_n and log10 |f - T_n| on the square grid."""
    has_polynomial = frame.approximation is not None
    radius = frame.radius
    message = {
        "type": "frame", "center": list(frame.center), "order": frame.order,
        "span": [[float(a[0]), float(a[-1])] for a in frame.grid],
        "message": frame.message, "has_polynomial": has_polynomial,
        "max_error": finite_or_none(frame.max_error), "dtype": str(frame.values.dtype),
        "value": finite_or_none(float(frame.polynomial.monomial_coefficients[0]))
        if has_polynomial and len(frame.center) == 1 else None,
        "radius": None if radius is None or not np.isfinite(radius.radius) else radius.radius,
        "entire": bool(radius.entire) if radius is not None else False,
        "radius_text": radius.describe() if radius is not None else "",
        "formula": (f"T_{frame.order} = " + frame.polynomial.to_text(max_terms=12)) if has_polynomial else "",
        "singularity": _singularity(radius),
        "pade_text": "" if frame.pade is None else f"Padé [{frame.pade.numerator_degree}/{frame.pade.denominator_degree}]",
        "pade_poles": [] if frame.pade is None else [float(p.real) for p in frame.pade.poles
                                                     if abs(p.imag) < 1e-9 * max(1.0, abs(p))],
        "pade_buffer": None,
    }
    as_bytes = lambda a: np.ascontiguousarray(a, dtype=np.float64).tobytes()
    buffers = [as_bytes(frame.grid[0]), as_bytes(frame.values)]
    if has_polynomial:
        buffers.append(as_bytes(frame.approximation))
        if len(frame.center) == 2:
            with np.errstate(divide="ignore"):
                buffers.append(as_bytes(np.log10(np.maximum(frame.error, 1e-17))))
    if frame.pade_values is not None:
        message["pade_buffer"] = len(buffers)
        buffers.append(as_bytes(frame.pade_values))
    return message, buffers


def _singularity(radius) -> dict | None:
    """The located nearest singularity, for the view to mark: on the axis when real, in a small
    complex plane when not."""
    s = getattr(radius, "singularity", None)
    if s is None or s.kind in ("none", "unknown") or not np.isfinite(s.distance):
        return None
    return {"re": float(s.position.real), "im": float(s.position.imag), "kind": s.kind,
            "pair": bool(s.pair), "distance": float(s.distance)}
