"""Matplotlib figures to bytes and HTML, without pyplot (so nothing is shown twice)."""
from __future__ import annotations

import base64
import io


def new_figure(width: float, height: float):
    """A figure that pyplot does not know about: the inline backend will not show it on its own."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def figure_bytes(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=100 if fmt == "png" else None)
    return buffer.getvalue()


def figure_html(figure) -> str:
    data = base64.b64encode(figure_bytes(figure, "png")).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="figure"/>'
