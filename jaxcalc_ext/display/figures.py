"""Matplotlib figures to one image, in the format the notebook asked for, rendered once.

``%config JaxCalc.figure_format`` chooses ``retina``, ``png``, ``svg`` or ``jpeg``; its default,
``auto``, follows IPython's ``%config InlineBackend.figure_formats`` for SVG and JPEG and
otherwise draws ``retina``: a PNG at twice the resolution, shown at its 1x size, so it is crisp
on HiDPI screens and sharp on others. PNGs are written with a 64-colour palette (as pngquant
does): a line plot loses nothing visible and its file shrinks four-fold. PNG is preferred when
several formats are listed: JupyterLab does not show SVG in a notebook it does not trust.

>>> fig = new_figure(2, 1)
>>> data, metadata = image_bundle(fig, "retina")
>>> sorted(data), metadata["image/png"]["width"]
(['image/png'], 200)
"""
from __future__ import annotations

import base64
import io
import struct

from ..core.preferences import figure_format as chosen_figure_format

FORMATS = ("auto", "retina", "png", "svg", "jpeg")
_PREFERENCE = ("retina", "png", "jpeg", "svg")
PALETTE_COLORS = 64



def new_figure(width: float, height: float):
    """A figure that pyplot does not know about: the inline backend will not show it on its own."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def figure_format() -> str:
    """The one format to render: ours if chosen, else from the inline backend's (retina for png)."""
    chosen_format = chosen_figure_format()   # %config JaxCalc.figure_format
    if chosen_format != "auto":
        return chosen_format
    formats = {"png"}
    try:
        from matplotlib_inline.backend_inline import InlineBackend

        if InlineBackend.initialized():
            formats = {f.lower() for f in InlineBackend.instance().figure_formats}
    except ImportError:
        pass
    formats = {"retina" if f in ("png", "png2x") else ("jpeg" if f == "jpg" else f) for f in formats}
    return next((f for f in _PREFERENCE if f in formats), "retina")


def front_end_shows_images() -> bool:
    """Whether the IPython front end displays images (a notebook) or only text (a terminal)."""
    from IPython import get_ipython

    shell = get_ipython()
    active = shell.display_formatter.active_types if shell is not None else ["text/plain"]
    return any(t.startswith("image/") for t in active)


def _dpi(figure) -> float:
    import matplotlib

    dpi = matplotlib.rcParams["savefig.dpi"]
    return figure.dpi if dpi == "figure" else float(dpi)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from a PNG's header."""
    return struct.unpack(">II", data[16:24])


def figure_bytes(figure, fmt: str) -> bytes:
    """The figure rendered once as ``png``, ``retina`` (2x png), ``svg``, ``jpeg`` or ``pdf``."""
    from .drawable import quiet_layout

    with quiet_layout():
        return _figure_bytes(figure, fmt)


def _figure_bytes(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    dpi = _dpi(figure) * (2 if fmt == "retina" else 1)
    if fmt not in ("png", "retina"):
        figure.savefig(buffer, format=fmt, dpi=dpi)
        return buffer.getvalue()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    original = figure.dpi
    try:
        figure.set_dpi(dpi)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        pixels = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    finally:
        figure.set_dpi(original)
    white = Image.new("RGB", pixels.size, "white")
    white.paste(pixels, mask=pixels.getchannel("A"))
    # zlib level 6: 5% larger than level 9 and seven times faster (10 ms, against 65 ms at 2x)
    white.quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE).save(buffer, "png", compress_level=6)
    return buffer.getvalue()


def image_bundle(figure, fmt: str | None = None) -> tuple[dict, dict]:
    """(data, metadata) of a display_data message holding the figure in one format."""
    fmt = figure_format() if fmt in (None, "auto") else fmt
    return image_data(figure_bytes(figure, fmt), fmt, scale=2 if fmt == "retina" else 1)


def image_data(raw: bytes, fmt: str, scale: int = 1) -> tuple[dict, dict]:
    """(data, metadata) of a display_data message holding one rendered image (figures and
    graphs alike): ``scale`` 2 marks a PNG drawn at twice its display size."""
    if fmt == "svg":
        return {"image/svg+xml": raw.decode("utf-8")}, {}
    mime = "image/jpeg" if fmt == "jpeg" else "image/png"
    metadata = {}
    if mime == "image/png" and scale > 1:
        width, height = png_size(raw)
        metadata = {mime: {"width": width // scale, "height": height // scale}}
    return {mime: base64.b64encode(raw).decode("ascii")}, metadata
