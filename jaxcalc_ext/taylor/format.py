"""Numbers and polynomials as LaTeX text (no IPython, no matplotlib).

>>> polynomial_latex([((2,), 1.0), ((0,), -3.0)], ("x",), None, 6, 0.0, None)
'x^{2} - 3'
"""
from __future__ import annotations

import re

import numpy as np


def latex_name(name: str) -> str:
    """``w1`` -> ``w_{1}``, ``alpha`` stays ``alpha`` (a plain identifier)."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    return f"{m.group(1)}_{{{m.group(2)}}}" if m else name


def number(c: float, digits: int) -> str:
    """A coefficient: whole numbers without a decimal point, others to ``digits`` significant digits."""
    c = float(c)
    if abs(c - round(c)) <= 1e-9 * max(1.0, abs(c)) and abs(c) < 1e15:
        return str(int(round(c)))
    text = f"{c:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\cdot 10^{{{int(exponent)}}}"
    return text


def noise_floor(coefficients) -> float:
    """Coefficients below this are rounding noise of the dtype, relative to the largest."""
    c = np.asarray(coefficients)
    eps = np.finfo(c.dtype).eps if np.issubdtype(c.dtype, np.floating) else 0.0
    finite = np.abs(c[np.isfinite(c)])
    return float(finite.max() * eps * 64) if finite.size else 0.0


def sort_terms(terms: dict, ascending: bool = False) -> list:
    """Terms by total degree (highest first unless ``ascending``), then by exponent."""
    items = list(terms.items())
    items.sort(key=lambda kv: (sum(kv[0]), kv[0]), reverse=not ascending)
    return items


def _monomial(exponent, variables, center) -> str:
    parts = []
    for power, name, i in zip(exponent, variables, range(len(variables))):
        if power == 0:
            continue
        base = name = latex_name(name)
        if center is not None and float(center[i]) != 0.0:
            shift = float(center[i])
            base = f"\\left({name} {'-' if shift > 0 else '+'} {number(abs(shift), 6)}\\right)"
        parts.append(base if power == 1 else f"{base}^{{{power}}}")
    return " ".join(parts)


def polynomial_latex(terms, variables, center, digits: int, tol: float, max_terms: int | None) -> str:
    """Join ``(exponent, coefficient)`` terms into ``a x^{2} + b x y - c``."""
    pieces = []
    for exponent, c in terms:
        c = float(c)
        if not np.isfinite(c):
            pieces.append(("+", "\\mathrm{NaN}" + (" " + _monomial(exponent, variables, center)).rstrip()))
            continue
        if abs(c) <= tol:
            continue
        mono = _monomial(exponent, variables, center)
        sign = "-" if c < 0 else "+"
        mag = number(abs(c), digits)
        if mono and mag == "1":
            body = mono
        elif mono:
            body = f"{mag} {mono}"
        else:
            body = mag
        pieces.append((sign, body))
    if not pieces:
        return "0"
    if max_terms is not None and len(pieces) > max_terms:
        pieces = pieces[:max_terms] + [("+", "\\cdots")]
    first_sign, first = pieces[0]
    text = ("-" if first_sign == "-" else "") + first
    for sign, body in pieces[1:]:
        text += f" {sign} {body}"
    return text
