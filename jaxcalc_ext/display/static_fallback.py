"""A widget's output that still reads without the widget: a PNG and a line of text beside it.

In a kernel the widget and its picture are two outputs, one after the other: the widget's (the
view, and a line of text) and the picture's (a PNG of the view's last state, with a display id).
Where the widget runs (JupyterLab, Notebook 7), its JavaScript hides the picture's output; an
untrusted notebook, GitHub, nbviewer and nbconvert show the picture. When the view rests, only
the picture's output is replaced (``_refresh_static``): the widget's own output is never
touched, so the live view is never rebuilt under the user's hands (focus, typed text and scroll
stay). Outside a kernel (a terminal) there is one output, whose text is what shows.

>>> class Widget:
...     def _repr_mimebundle_(self, **kwargs):
...         return {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}}
>>> class Shown(StaticFallback, Widget):
...     def _fallback_text(self):
...         return "<a view>"
>>> sorted(Shown()._bundle()[0])
['application/vnd.jupyter.widget-view+json', 'text/plain']
>>> Shown()._picture_bundle() is None     # no picture yet: no second output
True
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
        """The widget's own output: its view and its text (one output holding all, outside a kernel)."""
        bundle = super()._repr_mimebundle_() or {}
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})  # anywidget / ipywidgets
        data, metadata = dict(data), dict(metadata or {})
        data["text/plain"] = self._fallback_text()
        return data, metadata

    def _picture_bundle(self) -> tuple[dict, dict] | None:
        """The picture's output: the PNG at its CSS size, with the same text (its alternative)."""
        png = self._fallback_png()
        if not png:
            return None
        from .figures import png_size

        width, height = png_size(png)   # its size, so a front end does not stretch it to the cell
        return ({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": self._fallback_text()},
                {"image/png": {"width": width // self._fallback_scale, "height": height // self._fallback_scale}})

    def _refresh_static(self) -> None:
        """Replace the picture's output with the current picture (the widget's output stays)."""
        from IPython.display import update_display

        picture = self._picture_bundle()
        if picture is not None and self._display_id is not None:
            update_display(picture[0], metadata=picture[1], display_id=self._display_id, raw=True)

    def _ipython_display_(self) -> None:
        import uuid

        from IPython.display import display

        data, metadata = self._bundle()
        picture = self._picture_bundle()
        if not _in_a_kernel():
            if picture is not None:       # one output: a terminal shows its text
                data, metadata = {**picture[0], **data}, {**picture[1], **metadata}
            display(data, metadata=metadata, raw=True)
            return
        display(data, metadata=metadata, raw=True)
        if picture is not None:
            if self._display_id is None:
                self._display_id = uuid.uuid4().hex
            display(picture[0], metadata=picture[1], display_id=self._display_id, raw=True)


def _in_a_kernel() -> bool:
    """Whether outputs go to a Jupyter front end (which shows a widget and hides its picture)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
