"""Result objects the magics return: keep them (``r = %taylor ...``), they display themselves.

Each has a readable ``repr`` for terminals. In Jupyter a Taylor result shows as two outputs,
each rendered once: its figure in one image format, then its formulas as LaTeX (with plain
text beside them), so every front end (JupyterLab, Notebook 7, VS Code, nbconvert, GitHub)
shows the figure and the formulas once, trusted or not.
"""
from __future__ import annotations

import functools
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
            from .taylor_figure import draw_study

            self._figure = draw_study(self.study, self.label, surface=self.surface)
        return self._figure

    @property
    def variables_latex(self) -> str:
        from ..taylor.latex import latex_name

        return ", ".join(latex_name(v) for v in self.study.variables)

    def _span_latex(self) -> str:
        return " \\times ".join(f"[{a[0]:g},\\, {a[-1]:g}]" for a in self.study.grid)

    def to_latex(self, max_terms: int = 16) -> str:
        """The polynomials, their largest errors on the plotted range and the dtype, as one
        LaTeX ``aligned`` block; long polynomials are broken over lines that fit a notebook."""
        from ..taylor.latex import number

        rows = []
        for n, p in sorted(self.polynomials.items()):
            lines = p.latex_lines(max_terms=max_terms)
            rows.append(f"T_{{{n}}}({self.variables_latex}) &= {lines[0]}")
            rows += [f"&\\quad {line}" for line in lines[1:]]
            if not p.is_univariate and p.expands_exactly():   # also in powers of x, y (the seed's form)
                expanded = p.latex_lines(form="expanded", max_terms=max_terms)
                rows.append(f"&= {expanded[0]}")
                rows += [f"&\\quad {line}" for line in expanded[1:]]
        errors = [f"T_{{{n}}}\\!: {number(e, 3)}" for n, e in sorted(self.max_errors.items())]
        for i in range(0, len(errors), 4):
            head = f"\\max_{{{self._span_latex()}}} |f - T_n| &:\\;" if i == 0 else "&\\quad"
            rows.append(f"{head} " + ",\\; ".join(errors[i:i + 4]))
        rows += [f"&\\text{{{line}}}" for line in self._findings()]
        rows.append(f"&\\text{{{self._caption()}}}")
        return "\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"

    def _caption(self) -> str:
        """How it was computed, in plain words."""
        how = {"auto": "Taylor-mode arithmetic", "taylor": "Taylor-mode arithmetic", "jet": "jax.experimental.jet",
               "nested": "nested jax.jvp"}.get(self.method, self.method)
        return f"computed in {self.dtype} with {how} (exact derivatives, no finite differences){self._rounding_note()}"

    def _findings(self) -> list[str]:
        """What else the coefficients say: the nearest singularity (12 orders or more, one
        variable), and the Padé approximant's degrees and poles when one was asked."""
        lines = []
        top = self.polynomials[self.orders[-1]]
        if top.is_univariate and top.order >= 11:
            from ..taylor.radius import radius_estimate

            c = np.where(top.below_rounding, 0.0, np.asarray(top.monomial_coefficients, dtype=float))
            estimate = radius_estimate(c, float(top.center))
            if estimate is not None:
                lines.append(f"nearest singularity: {estimate.describe()}")
        lines += [str(band) for _, band in sorted(self.study.bands.items())]
        r = self.study.pade
        if r is not None:
            poles = ", ".join(f"{p.real:.6g}" if abs(p.imag) < 1e-9 * max(1, abs(p)) else f"{p:.4g}"
                              for p in r.poles[:4])
            lines.append(f"Padé [{r.numerator_degree}/{r.denominator_degree}] (asked [{r.asked[0]}/{r.asked[1]}])"
                         + (f", poles at {poles}" if poles else ", no poles"))
        return lines

    def _rounding_note(self) -> str:
        """How many computed terms are not written: within their own rounding error."""
        top = self.polynomials[self.orders[-1]]
        count = int(np.count_nonzero(top.below_rounding))
        if not count:
            return ""
        return f"; {count} term{'s' * (count != 1)} within rounding error of 0 not written"

    def to_text(self, max_terms: int = 16) -> str:
        """The same as plain text, for a terminal."""
        center = np.asarray(self.study.center).tolist()
        lines = [f"Taylor polynomials of {self.label} at {center} ({self._caption()})"]
        names = ", ".join(self.study.variables)
        span = " x ".join(f"[{a[0]:g}, {a[-1]:g}]" for a in self.study.grid)
        for n, p in sorted(self.polynomials.items()):
            lines.append(f"  T_{n}({names}) = {p.to_text(max_terms=max_terms)}")
            lines.append(f"      max |f - T_{n}| on {span}: {self.max_errors[n]:.3e}")
        lines += [f"  {line}" for line in self._findings()]
        return "\n".join(lines)

    def _ipython_display_(self) -> None:
        """Two outputs, each rendered once: the figure (one image format) and the formulas
        (LaTeX, with plain text for front ends without MathJax). A terminal gets the text."""
        from IPython.display import publish_display_data

        from .figures import front_end_shows_images, image_bundle

        if not front_end_shows_images():
            publish_display_data({"text/plain": self.to_text()})
            return

        data, metadata = image_bundle(self.figure)
        data["text/plain"] = f"<figure: Taylor polynomials of {self.label}; r.figure is the matplotlib Figure>"
        publish_display_data(data, metadata)
        publish_display_data({"text/latex": f"$${self.to_latex()}$$", "text/plain": self.to_text()})

    def __repr__(self) -> str:
        return self.to_text()


@dataclass
class LaurentResult:
    """What ``%taylor`` shows where f has no Taylor series at x0 but a Laurent series (a pole) or
    a Puiseux series on each side (a branch point): the series, their partial sums against f."""

    study: Any                       # jaxcalc_ext.taylor.study.LaurentStudy
    label: str

    @property
    def series(self) -> tuple:
        return self.study.series

    @functools.cached_property
    def figure(self):
        from .taylor_figure import draw_laurent

        return draw_laurent(self.study, self.label)

    def to_latex(self) -> str:
        rows = []
        for s in self.study.series:
            where = {"both": "", "right": "\\quad (x > x_0)", "left": "\\quad (x < x_0)"}[s.side]
            rows.append(f"f(x) &= {s.to_latex()} + \\dots{where}")
            rows.append(f"&\\text{{{_latex_text(s.kind)} at }} x_0 = {s.x0:g}")
        rows += [f"&\\text{{{_latex_text(note)}}}" for note in self.study.notes]
        rows.append("&\\text{computed in float64 by series arithmetic on the function's program}")
        return "\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"

    def to_text(self) -> str:
        lines = [f"Series of {self.label} at x0 = {self.study.center:g} (no Taylor series there)"]
        for s in self.study.series:
            side = {"both": "", "right": " (x > x0)", "left": " (x < x0)"}[s.side]
            lines.append(f"  f(x) = {s.to_text()} + ...{side}   [{s.kind}]")
        lines += [f"  {note}" for note in self.study.notes]
        return "\n".join(lines)

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        from .figures import front_end_shows_images, image_bundle

        if not front_end_shows_images():
            publish_display_data({"text/plain": self.to_text()})
            return
        data, metadata = image_bundle(self.figure)
        data["text/plain"] = f"<figure: the series of {self.label}; r.figure is the matplotlib Figure>"
        publish_display_data(data, metadata)
        publish_display_data({"text/latex": f"$${self.to_latex()}$$", "text/plain": self.to_text()})

    def __repr__(self) -> str:
        return self.to_text()


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
        """One display block (front ends typeset one ``$$...$$`` per output): the values, then in
        plain words what f is and how they were computed."""
        from .typeset import pretty_expression

        note = (f"f = {pretty_expression(self.label)}; exact derivatives in {self.operators.dtype}, "
                "the Laplacian by one forward pass (no Hessian)")
        body = self.operators.to_latex().removesuffix("\\end{aligned}")
        return f"$${body} \\\\ &\\text{{{_latex_text(note)}}}\\end{{aligned}}$$"

    def __repr__(self) -> str:
        ops = self.operators
        with np.printoptions(precision=6, suppress=True):
            return (f"Derivatives of {self.label} at {ops.center.tolist()} ({ops.dtype})\n"
                    f"  f         = {ops.value:.10g}\n  gradient  = {ops.gradient}\n"
                    f"  Hessian   =\n{np.array2string(ops.hessian, prefix='    ')}\n"
                    f"  Laplacian = {ops.laplacian:.10g}")


def _latex_text(text: str) -> str:
    """Plain text made safe inside ``\\text{...}``."""
    special = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
               "#": "\\#", "%": "\\%", "_": "\\_", "^": "\\^{}", "~": "\\~{}"}
    return "".join(special.get(ch, ch) for ch in text)
