"""What the user chose for how results are shown, kept where every layer can read it without
importing a front end: ``%config JaxCalc.figure_format`` sets it, the figures read it.

>>> figure_format()
'auto'
"""
from __future__ import annotations

_FIGURE_FORMAT = ["auto"]


def figure_format() -> str:
    """``auto``, ``retina``, ``png``, ``svg`` or ``jpeg``."""
    return _FIGURE_FORMAT[0]


def set_figure_format(name: str) -> None:
    _FIGURE_FORMAT[0] = name.lower()
