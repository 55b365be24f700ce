"""Numbers and polynomials as LaTeX or plain text (no IPython, no matplotlib).

Terms are written the way Taylor polynomials are read: lowest degree first. A long polynomial
is elided in the middle of its high degrees (the lowest degrees are kept, and the count of the
left-out terms is said), and can be broken into lines that fit a notebook's width.

>>> polynomial_latex([((0,), -3.0), ((2,), 1.0)], ("x",), None, 6, 0.0, None)
'-3 + x^{2}'
>>> polynomial_text([((1,), 2.0), ((3,), -1e-7)], ("x",), None, 6, 0.0, None)
'2 x - 1e-07 x^3'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

LINE_WIDTH = 70  # characters of a typeset line: MathJax in a 950 px JupyterLab output area fits ~80, less "T_n(x) ="


def latex_name(name: str) -> str:
    """``w1`` -> ``w_{1}``, ``alpha`` stays ``alpha`` (a plain identifier)."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    return f"{m.group(1)}_{{{m.group(2)}}}" if m else name


def _is_whole(c: float) -> bool:
    return c != 0.0 and bool(np.isfinite(c)) and round(c) != 0 and abs(c - round(c)) <= 1e-9 * abs(c) and abs(c) < 1e15


def number(c: float, digits: int) -> str:
    """A coefficient as LaTeX: whole numbers without a decimal point, others to ``digits``
    significant digits, very large or small ones as ``m \\times 10^{e}``.

    >>> number(3.0, 6), number(0.5, 6), number(1e-10, 6), number(0.0, 6)
    ('3', '0.5', '1 \\\\times 10^{-10}', '0')
    """
    c = float(c)
    if c == 0.0:
        return "0"
    if _is_whole(c):
        return str(int(round(c)))
    text = f"{c:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def plain_number(c: float, digits: int) -> str:
    """A coefficient as plain text: ``3``, ``0.5``, ``1e-10``."""
    c = float(c)
    if c != 0.0 and _is_whole(c):
        return str(int(round(c)))
    return f"{c:.{digits}g}"


def noise_floor(coefficients) -> float:
    """Coefficients below this are rounding noise of the dtype, relative to the largest."""
    c = np.asarray(coefficients)
    eps = np.finfo(c.dtype).eps if np.issubdtype(c.dtype, np.floating) else 0.0
    finite = np.abs(c[np.isfinite(c)])
    return float(finite.max() * eps * 64) if finite.size else 0.0


def sort_terms(terms: dict) -> list:
    """Terms by total degree, lowest first; within a degree, x before y (``x^2, x y, y^2``)."""
    items = list(terms.items())
    items.sort(key=lambda kv: (sum(kv[0]), tuple(-p for p in kv[0])))
    return items


@dataclass(frozen=True)
class Term:
    """One written term: its sign, coefficient magnitude (None: NaN) and monomial factors."""

    negative: bool
    magnitude: float | None
    factors: tuple  # ((variable name, power, shift), ...): (x - shift)^power

    def written(self, digits: int, latex: bool = True) -> str:
        """The term without its sign, as LaTeX (``0.5 x^{2}``) or plain text (``0.5 x^2``)."""
        mono = " ".join(_factor(*f, latex=latex) for f in self.factors)
        if self.magnitude is None:
            return (("\\mathrm{NaN} " if latex else "nan ") + mono).rstrip()
        mag = (number if latex else plain_number)(self.magnitude, digits)
        return mono if mono and mag == "1" else f"{mag} {mono}".rstrip()


def _factor(name: str, power: int, shift: float, latex: bool) -> str:
    """``(x - shift)^power`` as LaTeX or plain text."""
    base = latex_name(name) if latex else name
    if shift != 0.0:
        inner = f"{base} {'-' if shift > 0 else '+'} {(number if latex else plain_number)(abs(shift), 6)}"
        base = f"\\left({inner}\\right)" if latex else f"({inner})"
    if power == 1:
        return base
    return f"{base}^{{{power}}}" if latex else f"{base}^{power}"


def polynomial_terms(terms, variables, center, tol: float) -> list[Term]:
    """``(exponent, coefficient)`` pairs -> the terms that are written (noise dropped)."""
    out = []
    for exponent, c in terms:
        c = float(c)
        factors = tuple((name, power, 0.0 if center is None else float(center[i]))
                        for i, (name, power) in enumerate(zip(variables, exponent)) if power)
        if not np.isfinite(c):
            out.append(Term(False, None, factors))
        elif abs(c) > tol:
            out.append(Term(c < 0, abs(c), factors))
    return out


def _elide(terms: list[Term], max_terms: int | None) -> tuple[list[Term], int]:
    """Keep the lowest degrees and the highest term; say how many were left out between."""
    if max_terms is None or len(terms) <= max_terms + 1:  # eliding one term would save nothing
        return terms, 0
    keep = max(max_terms - 1, 1)
    return terms[:keep] + terms[-1:], len(terms) - keep - 1


def _more(count: int) -> str:
    return f"{count} more term" + "s" * (count != 1)


def _visible_width(latex: str) -> float:
    """A rough typeset width in characters (superscripts count 0.7, commands and braces 0)."""
    text = re.sub(r"\\(left|right|times|mathrm|cdots)", lambda m: "x" if m.group(1) in ("times", "cdots") else "",
                  latex)
    supers = sum(len(s) for s in re.findall(r"\^\{([^}]*)\}", text))
    text = re.sub(r"[{}\\^ ]", "", text)
    return len(text) - 0.3 * supers + 1.6 * latex.count(" + ") + 1.6 * latex.count(" - ")


def _signed_pieces(terms, variables, center, digits: int, tol: float, max_terms: int | None,
                   latex: bool) -> list[tuple[str, str]]:
    """(sign, written term) for each term kept, with the elision marker in its place."""
    written, left_out = _elide(polynomial_terms(terms, variables, center, tol), max_terms)
    pieces = [("-" if t.negative else "+", t.written(digits, latex)) for t in written]
    if left_out:
        marker = f"\\cdots_{{\\text{{({_more(left_out)})}}}}" if latex else f"... ({_more(left_out)})"
        pieces.insert(len(pieces) - 1, ("+", marker))
    return pieces


def polynomial_latex_lines(terms, variables, center, digits: int, tol: float, max_terms: int | None,
                           width: float | None = LINE_WIDTH) -> list[str]:
    """The polynomial as LaTeX, broken into lines of about ``width`` typeset characters;
    each line after the first begins with its sign."""
    pieces = _signed_pieces(terms, variables, center, digits, tol, max_terms, latex=True)
    if not pieces:
        return ["0"]
    lines, current = [], ("-" if pieces[0][0] == "-" else "") + pieces[0][1]
    for sign, body in pieces[1:]:
        piece = f" {sign} {body}"
        if width is not None and _visible_width(current + piece) > width:
            lines.append(current)
            current = f"{sign} {body}"
        else:
            current += piece
    return lines + [current]


def polynomial_latex(terms, variables, center, digits: int, tol: float, max_terms: int | None) -> str:
    """Join ``(exponent, coefficient)`` terms into one line ``c + b x y + a x^{2}``."""
    return " ".join(polynomial_latex_lines(terms, variables, center, digits, tol, max_terms, width=None))


def polynomial_text(terms, variables, center, digits: int, tol: float, max_terms: int | None) -> str:
    """The polynomial as plain text for a terminal: ``1 + x - 0.5 x^2``."""
    pieces = _signed_pieces(terms, variables, center, digits, tol, max_terms, latex=False)
    if not pieces:
        return "0"
    text = ("-" if pieces[0][0] == "-" else "") + pieces[0][1]
    return text + "".join(f" {sign} {body}" for sign, body in pieces[1:])
