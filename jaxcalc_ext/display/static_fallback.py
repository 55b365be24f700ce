"""A widget's output that still reads without the widget: a PNG and a line of text beside it.

JupyterLab, Notebook 7 and VS Code show the widget; an untrusted notebook, GitHub, nbviewer and
nbconvert show the PNG; a terminal shows the text. The output has a display id, so the picture
can follow the widget's state (``_refresh_static``) without a new output.

>>> class Widget:
...     def _repr_mimebundle_(self, **kwargs):
...         return {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}}
>>> class Shown(StaticFallback, Widget):
...     def _fallback_text(self):
...         return "<a view>"
>>> sorted(Shown()._bundle()[0])
['application/vnd.jupyter.widget-view+json', 'text/plain']
"""
from __future__ import annotations

import base64


class StaticFallback:
    """Mixin (before ``anywidget.AnyWidget``): subclasses give ``_fallback_png`` and ``_fallback_text``."""

    _display_id: str | None = None
    _fallback_scale: int = 1     # 2 for a retina PNG: shown at half its pixel size

    def _fallback_png(self) -> bytes | None:
        return None

    def _fallback_text(self) -> str:
        return repr(self)

    def _bundle(self) -> tuple[dict, dict]:
        bundle = super()._repr_mimebundle_() or {}
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})  # anywidget / ipywidgets
        data, metadata = dict(data), dict(metadata or {})
        png = self._fallback_png()
        if png:
            from .figures import png_size

            data["image/png"] = base64.b64encode(png).decode("ascii")
            width, height = png_size(png)   # its size, so a front end does not stretch it to the cell
            metadata["image/png"] = {"width": width // self._fallback_scale, "height": height // self._fallback_scale}
        data["text/plain"] = self._fallback_text()
        return data, metadata

    def _refresh_static(self) -> None:
        """Replace the output's picture and text with the current ones (the widget stays)."""
        from IPython.display import update_display

        data, metadata = self._bundle()
        update_display(data, metadata=metadata, display_id=self._display_id, raw=True)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self._display_id is None:
            import uuid

            self._display_id = uuid.uuid4().hex
        data, metadata = self._bundle()
        display(data, metadata=metadata, display_id=self._display_id, raw=True)
