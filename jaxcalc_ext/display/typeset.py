"""Text as a reader expects it, without a math renderer: T₇, x₀, 10⁻³, x² + 2·x·y + y³.

Unicode sub- and superscripts read on a projector and in every export, and cost nothing to
draw (matplotlib's mathtext parser took a third of a figure's drawing time).

>>> subscript("T", 10), superscript_number(-3)
('T₁₀', '⁻³')
>>> pretty_expression("x**2 + 2*x*y + y**3")
'x² + 2·x·y + y³'
>>> pretty_expression("exp(-x**2) * cos(3 * x)")
'exp(−x²) · cos(3 · x)'
"""
from __future__ import annotations

import re

_SUB = str.maketrans("0123456789-+()", "₀₁₂₃₄₅₆₇₈₉₋₊₍₎")
_SUP = str.maketrans("0123456789-+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾")
MINUS = "\u2212"


def subscript(name: str, index) -> str:
    return f"{name}{str(index).translate(_SUB)}"


def superscript_number(power) -> str:
    return str(power).translate(_SUP)


def power_of_ten(value: float) -> str:
    """A tick label of a log axis: 10⁻³ (or 1, 10)."""
    import math

    if value <= 0 or not math.isfinite(value):
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    exponent = int(round(exponent))
    return {0: "1", 1: "10"}.get(exponent, "10" + superscript_number(exponent))


def pretty_expression(text: str) -> str:
    """A Python expression as a reader writes it: integer powers as superscripts, products as
    middle dots, minus signs as minus signs. Anything it does not recognise is left as typed."""
    text = " ".join(text.split())
    text = re.sub(r"\*\*\s*(?:\(\s*(-?\d+)\s*\)|(\d+))", lambda m: superscript_number(m.group(1) or m.group(2)), text)
    text = re.sub(r"\s*\*\s*", lambda m: " · " if m.group(0).strip() != m.group(0) and len(m.group(0)) > 1 else "·", text)
    text = re.sub(r"(?<=[\w)])-(?=[\w(])", f" {MINUS} ", text)
    text = re.sub(r"(^|[(\s·])-", lambda m: m.group(1) + MINUS, text)
    return text.replace(" - ", f" {MINUS} ")
