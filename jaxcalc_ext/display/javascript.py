"""The widgets' ES modules: the shared helpers (``static/common.js``) in front of each widget's
own file, read once. An anywidget module is one string, so the helpers cannot be imported.

>>> "function fmt(v)" in widget_module("taylor_widget.js")
True
"""
from __future__ import annotations

import functools
import pathlib

STATIC = pathlib.Path(__file__).parent / "static"


@functools.cache
def widget_module(name: str) -> str:
    """``static/common.js`` followed by ``static/<name>``."""
    return (STATIC / "common.js").read_text(encoding="utf-8") + "\n" + (STATIC / name).read_text(encoding="utf-8")
