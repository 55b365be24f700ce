"""Result objects the magics return: keep them (``r = %taylor ...``), they display themselves.

Each has a readable ``repr`` for terminals and ``_repr_*_`` methods for Jupyter;
HTML carries the figure and the formulas together, so a notebook shows one view.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class TaylorResult:
    """What ``%taylor`` computed: the polynomials, their errors, and the figure."""

    study: Any                      # jaxcalc_ext.taylor.study.TaylorStudy
    label: str
    method: str
    surface: bool = False
    _figure: Any = field(default=None, repr=False)

    @property
    def polynomials(self) -> dict:
        return self.study.polynomials

    @property
    def orders(self) -> list[int]:
        return self.study.orders

    @property
    def coefficients(self):
        """Coefficients of the highest-order polynomial (array, or dict by exponent)."""
        return self.polynomials[self.orders[-1]].coefficients

    @property
    def dtype(self) -> str:
        return self.study.dtype

    @property
    def max_errors(self) -> dict[int, float]:
        return self.study.max_errors

    @property
    def figure(self):
        if self._figure is None:
            from .render.taylor_figure import draw_study

            self._figure = draw_study(self.study, self.label, surface=self.surface)
        return self._figure

    def latex_lines(self) -> list[str]:
        from .taylor.format import latex_name

        name = ", ".join(latex_name(v) for v in self.study.variables)
        return [f"T_{{{n}}}({name}) = {p.to_latex(max_terms=16)}" for n, p in sorted(self.polynomials.items())]

    def _repr_latex_(self) -> str:
        return "$$\\begin{aligned}" + " \\\\ ".join(l.replace(" = ", " &= ", 1) for l in self.latex_lines()) + "\\end{aligned}$$"

    def _repr_png_(self) -> bytes:
        from .render.figures import figure_bytes

        return figure_bytes(self.figure, "png")

    def _repr_svg_(self) -> str:
        from .render.figures import figure_bytes

        return figure_bytes(self.figure, "svg").decode("utf-8")

    def _repr_html_(self) -> str:
        from .render.figures import figure_html

        rows = "".join(f"<tr><td>{n}</td><td>{e:.3e}</td></tr>" for n, e in sorted(self.max_errors.items()))
        formulas = "".join(f"<div>$${html.escape(l)}$$</div>" for l in self.latex_lines())
        span = ", ".join(f"[{a[0]:g}, {a[-1]:g}]" for a in self.study.grid)
        return (f'<div class="jaxcalc-taylor">{figure_html(self.figure)}{formulas}'
                f"<table><tr><th>order</th><th>max |f - T| on {span}</th></tr>{rows}</table>"
                f"<p><small>computed in {self.dtype} by {html.escape(self.method)} mode</small></p></div>")

    def __repr__(self) -> str:
        lines = [f"Taylor polynomials of {self.label} at {np.asarray(self.study.center).tolist()} ({self.dtype})"]
        for line, (n, err) in zip(self.latex_lines(), sorted(self.max_errors.items())):
            lines.append(f"  {line}    max error {err:.3e}")
        return "\n".join(lines)


@dataclass
class OperatorsResult:
    """What ``%taylor ... --laplacian`` computed: f, gradient, Hessian and Laplacian at x0."""

    operators: Any                  # jaxcalc_ext.taylor.operators.DerivativeOperators
    label: str
    method: str

    def __getattr__(self, name: str):  # .gradient, .hessian, .laplacian, .value, .center
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.operators, name)

    def _repr_latex_(self) -> str:
        return f"$${self.operators.to_latex()}$$"

    def _repr_html_(self) -> str:
        lines = "".join(f"<div>$${html.escape(l)}$$</div>" for l in self.operators.latex_lines())
        return (f'<div class="jaxcalc-operators"><p>{html.escape(self.label)}</p>{lines}'
                f"<p><small>computed in {self.operators.dtype}; Laplacian by collapsed Taylor mode"
                f"</small></p></div>")

    def __repr__(self) -> str:
        ops = self.operators
        with np.printoptions(precision=6, suppress=True):
            return (f"Derivatives of {self.label} at {ops.center.tolist()} ({ops.dtype})\n"
                    f"  f         = {ops.value:.10g}\n  gradient  = {ops.gradient}\n"
                    f"  Hessian   =\n{np.array2string(ops.hessian, prefix='    ')}\n"
                    f"  Laplacian = {ops.laplacian:.10g}")
