"""Draw a TaylorStudy: f against its Taylor polynomials, and the approximation error.

Made to be read on a projector, by a colour-blind reader and in any export: every text at least
12 CSS pixels at the size the notebook shows the figure (9 pt at 100 dpi and more), every curve
told apart without its colour (Okabe and Ito's palette, each order with its own dash pattern),
labels typeset in Unicode (T₇, x₀, 10⁻³, x² + 2·x·y) rather than by matplotlib's mathtext, which
cost a third of a figure's drawing time.
"""
from __future__ import annotations

import numpy as np

from .drawable import (LARGEST_LOG, SMALLEST_LOG, axis_limits, clipped, finite_values, padded_limits,
                       quiet_layout, where_not_finite)
from .figures import new_figure
from .typeset import power_of_ten, pretty_expression, subscript, superscript_number

# Okabe & Ito's colour-blind-safe palette (without black, which is f's), and a dash pattern per
# curve, so that orders differ in shape as well as in colour.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#999999"]
DASHES = [(6, 2), (2, 2), (8, 2, 2, 2), (1, 1.5), (10, 3), (4, 2, 1, 2, 1, 2), (3, 4), (12, 2, 2, 2, 2, 2)]
TEXT_PT = 10        # 13.9 CSS px at 100 dpi
SMALL_PT = 9        # 12.5 CSS px: legends, notes
TITLE_PT = 11


def curve_style(i: int) -> dict:
    """The colour and dash pattern of the i-th polynomial's curve (the same in both panels)."""
    return {"color": COLORS[i % len(COLORS)], "dashes": DASHES[i % len(DASHES)]}


def draw_study(study, title: str, surface: bool = False, band: bool = False, radius=None):
    """The figure of a study: curves and errors (one variable), contours or surfaces (two).

    Laid out with fixed margins rather than a layout engine, which would cost a third of the
    rendering time of an interactive answer."""
    title = pretty_expression(title)   # a user's label is text, never mathtext
    with quiet_layout():
        if len(study.grid) == 1:
            return _draw_line(study, title, band, radius)
        return _draw_surface(study, title) if surface else _draw_contours(study, title)


def _log_ticks(axis) -> None:
    """A log axis labelled 10⁻³ (Unicode), not $10^{-3}$ (mathtext)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: power_of_ten(value)))
    axis.set_minor_formatter(FuncFormatter(lambda value, _: ""))


def _text_sizes(*axes) -> None:
    for ax in axes:
        ax.tick_params(labelsize=TEXT_PT)


def _draw_line(study, title, band: bool = False, radius=None):
    fig = new_figure(6.4, 5.4)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    fig.subplots_adjust(left=0.13, right=0.97, top=0.93, bottom=0.1, hspace=0.07)
    x = study.grid[0]
    name = study.variables[0] if study.variables else "x"
    limits = padded_limits(study.values) or (-1.0, 1.0)
    top.set_ylim(*limits)
    top.plot(x, clipped(study.values, limits), color="black", lw=2.5, label=f"f({name}) = {title}")
    errors = study.errors
    error_limits = _error_limits(errors)
    for i, (n, t) in enumerate(sorted(study.approximations.items())):
        style = curve_style(i)
        top.plot(x, clipped(t, limits), lw=1.8, label=subscript("T", n), **style)
        bottom.semilogy(x, clipped(np.maximum(errors[n], SMALLEST_LOG), error_limits, log=True),
                        lw=1.5, label=f"|f − {subscript('T', n)}|", **style)
        if n in study.bands:
            _draw_certified(top, bottom, x, study.bands[n], limits, error_limits, style["color"], first=i == 0)
    if study.pade is not None:   # the robust Padé approximant beside T_n, its error, its real poles
        r = study.pade
        label = f"Padé [{r.numerator_degree}/{r.denominator_degree}]"
        top.plot(x, clipped(study.pade_values, limits), color="#555555", lw=2.0, ls="-", label=label)
        with np.errstate(invalid="ignore", over="ignore"):
            pade_error = np.abs(study.values - study.pade_values)
        bottom.semilogy(x, clipped(np.maximum(pade_error, SMALLEST_LOG), error_limits, log=True),
                        color="#555555", lw=1.8, label=f"|f − {label}|")
        real = [p.real for p in r.poles if abs(p.imag) < 1e-9 * max(1.0, abs(p)) and x[0] <= p.real <= x[-1]]
        if real:
            top.plot(real, [limits[0]] * len(real), "x", color="#555555", ms=9, mew=2, clip_on=False,
                     label="poles of the Padé approximant")
    x0 = float(np.atleast_1d(study.center)[0])
    if band:   # as the live view draws it: the error band and the estimated radius of convergence
        _draw_band_and_radius(top, study, limits, radius)
    f0 = float(study.polynomials[study.orders[0]].monomial_coefficients[0])
    if np.isfinite(f0):
        top.plot([x0], [float(np.clip(f0, *limits))], "o", color="black", ms=6)
    notes = list(study.notes)
    overflow = where_not_finite(x, study.values)
    if overflow:
        notes.append(f"f is not finite for {overflow}: not drawn there")
    worst = max(errors, key=lambda n: np.count_nonzero(~np.isfinite(errors[n])))
    undefined = where_not_finite(x, errors[worst])
    if undefined and undefined != overflow:
        notes.append(f"|f − {subscript('T', worst)}| is not finite for {undefined}")
    if notes:
        top.text(0.01, 0.02, "; ".join(notes), transform=top.transAxes, fontsize=SMALL_PT, color="#a00000")
    top.legend(loc="best", fontsize=SMALL_PT)
    top.set_title(f"Taylor polynomials at {subscript(name, 0)} = {x0:g}  ({study.dtype})", fontsize=TITLE_PT)
    top.set_ylabel(f"f({name}) and Tₙ({name})", fontsize=TEXT_PT)
    top.grid(alpha=0.3)
    bottom.set_ylabel(f"error |f − Tₙ|", fontsize=TEXT_PT)
    bottom.set_xlabel(name, fontsize=TEXT_PT)
    bottom.set_ylim(*error_limits)
    _log_ticks(bottom.yaxis)
    bottom.grid(alpha=0.3, which="major")
    bottom.legend(loc="best", fontsize=SMALL_PT)
    _text_sizes(top, bottom)
    return fig


def _draw_certified(top, bottom, x, band, limits, error_limits, color: str, first: bool) -> None:
    """A certified remainder: the band f must lie in (shaded, in T_n's colour) where it was
    proved, and its guaranteed bound on |f - T_n| as a wide light line under the error curve
    (they coincide where the bound is tight)."""
    lower, upper = band.band(x)
    inside = np.isfinite(lower) & np.isfinite(upper)
    top.fill_between(x, clipped(lower, limits), clipped(upper, limits), where=inside, color=color, alpha=0.22,
                     lw=0, label="proved bands" if first else None)
    bound = np.maximum(np.abs(lower - band_polynomial(band, x)), np.abs(upper - band_polynomial(band, x)))
    bottom.semilogy(x, clipped(np.where(inside, np.maximum(bound, SMALLEST_LOG), np.nan), error_limits, log=True),
                    color=color, lw=7, alpha=0.25, solid_capstyle="butt", zorder=1,
                    label="proved bounds (wide, light)" if first else None)


def band_polynomial(band, x):
    return np.polynomial.polynomial.polyval(np.asarray(x) - band.x0, band.polynomial)


def draw_laurent(study, title: str):
    """f against the partial sums of its Laurent or Puiseux series (each order its own colour and
    dashes, as for Taylor polynomials), and their errors; the y-range follows the bulk of f's
    values, so that a pole does not flatten everything else."""
    title = pretty_expression(title)
    with quiet_layout():
        fig = new_figure(6.4, 5.4)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        fig.subplots_adjust(left=0.13, right=0.97, top=0.93, bottom=0.1, hspace=0.07)
        x, values = study.grid, study.values
        finite = finite_values(values)
        bulk = np.clip(finite, *np.quantile(finite, [0.1, 0.9])) if finite.size else finite
        limits = padded_limits(bulk, pad=0.6) or (-1.0, 1.0)
        top.set_ylim(*limits)
        top.plot(x, clipped(values, limits), color="black", lw=2.5, label=f"f(x) = {title}")
        with np.errstate(invalid="ignore", over="ignore"):
            errors = {n: np.abs(values - s) for n, s in study.sums.items()}
        error_limits = _error_limits(errors)
        both = all(s.side == "both" for s in study.series)
        base = "(x − x₀)" if both else "|x − x₀|"
        for i, (n, partial) in enumerate(sorted(study.sums.items())):
            style = curve_style(i)
            label = f"terms through {base}{superscript_number(n) if n != 1 else ''}"
            top.plot(x, clipped(partial, limits), lw=1.8, label=label, **style)
            bottom.semilogy(x, clipped(np.maximum(errors[n], SMALLEST_LOG), error_limits, log=True), lw=1.5, **style)
        x0 = study.center
        top.axvline(x0, color="#555555", lw=1, ls=(0, (2, 3)))
        if study.notes:
            import textwrap

            top.text(0.01, 0.02, "\n".join(textwrap.fill(note, 80) for note in study.notes), transform=top.transAxes,
                     fontsize=SMALL_PT, color="#a00000", va="bottom")
        if len(study.series) == 1 and both:
            heading = f"Laurent series at {subscript('x', 0)} = {x0:g}: {study.series[0].kind}"
        elif len(study.series) == 1:
            heading = f"Puiseux series, {study.series[0].side} of {subscript('x', 0)} = {x0:g}"
        else:
            heading = f"A series on each side of {subscript('x', 0)} = {x0:g}"
        top.set_title(heading, fontsize=TITLE_PT)
        top.legend(loc="best", fontsize=SMALL_PT)
        top.set_ylabel("f(x) and the series", fontsize=TEXT_PT)
        top.grid(alpha=0.3)
        bottom.set_ylabel("error", fontsize=TEXT_PT)
        bottom.set_xlabel("x", fontsize=TEXT_PT)
        bottom.set_ylim(*error_limits)
        _log_ticks(bottom.yaxis)
        bottom.grid(alpha=0.3, which="major")
        _text_sizes(top, bottom)
    return fig


def _draw_band_and_radius(ax, study, limits, estimate=None) -> None:
    """The region between f and T_n, and ``estimate`` (a RadiusEstimate, from the live view's
    coefficients of its highest order) as a bar on the axis around x0."""
    x, order = study.grid[0], study.orders[-1]
    f, t = clipped(study.values, limits), clipped(study.approximations[order], limits)
    ax.fill_between(x, f, t, where=np.isfinite(f) & np.isfinite(t), color="#D55E00", alpha=0.16, lw=0,
                    label=f"|f − {subscript('T', order)}|")
    if estimate is not None and not estimate.entire and np.isfinite(estimate.radius):
        c = float(np.atleast_1d(study.center)[0])
        lo, hi = limits
        left, right = max(c - estimate.radius, float(x[0])), min(c + estimate.radius, float(x[-1]))
        ax.fill_between([left, right], lo, lo + 0.03 * (hi - lo), color="#009E73",
                        alpha=0.35, lw=0, label="radius of convergence")


def _error_limits(errors: dict) -> tuple[float, float]:
    """Log-axis limits around the positive finite errors (1e-17 at the bottom at most)."""
    values = finite_values(np.concatenate([np.ravel(e) for e in errors.values()]))
    values = values[values > 0]
    if not values.size:
        return axis_limits(1e-17, 1.0, log=True)
    return axis_limits(max(1e-17, values.min()), min(values.max(), LARGEST_LOG) * 10, log=True)


def _draw_contours(study, title):
    """f, T_n and the error as three maps, no wider than a notebook shows at its own size
    (8.6 in: 860 px), each with its axis names and a colour bar that does not cross the next."""
    order = study.orders[-1]
    fig = new_figure(8.6, 3.3)
    axes = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.07, right=0.93, top=0.8, bottom=0.17, wspace=0.62)
    x, y = study.grid
    approx = study.approximations[order]
    vmin, vmax = padded_limits(study.values, pad=0.0) or (-1.0, 1.0)
    names = study.variables
    point = f"({names[0]}, {names[1]})"
    for ax, data, label in [(axes[0], study.values, f"f{point}"), (axes[1], approx, subscript("T", order) + point)]:
        levels = np.linspace(vmin, vmax, 21)
        cs = ax.contourf(x, y, np.clip(clipped(data, (vmin, vmax)), vmin, vmax), levels=levels, cmap="viridis")
        ax.set_title(label, fontsize=TEXT_PT)
        bar = fig.colorbar(cs, ax=ax, fraction=0.08, pad=0.04)
        bar.ax.tick_params(labelsize=SMALL_PT)
    cs = axes[2].contourf(x, y, _log_error(study.errors[order]), levels=20, cmap="magma")
    axes[2].set_title(f"log₁₀ |f − {subscript('T', order)}|", fontsize=TEXT_PT)
    bar = fig.colorbar(cs, ax=axes[2], fraction=0.08, pad=0.04)
    bar.ax.tick_params(labelsize=SMALL_PT)
    cx, cy = study.center
    for ax in axes:
        ax.plot([cx], [cy], "w*", ms=11, mec="black")
        ax.set_xlabel(names[0], fontsize=TEXT_PT)
        ax.set_ylabel(names[1], fontsize=TEXT_PT)
        ax.tick_params(labelsize=SMALL_PT)
    fig.suptitle(f"{title}: order {order} at ({cx:g}, {cy:g}), {study.dtype}", fontsize=TITLE_PT)
    return fig


def _draw_surface(study, title):
    fig = new_figure(8.6, 4.0)
    fig.subplots_adjust(left=0.02, right=0.95, top=0.9, bottom=0.1, wspace=0.15)
    x, y = study.grid
    X, Y = np.meshgrid(x, y)
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    vmin, vmax = padded_limits(study.values, pad=0.1) or (-1.0, 1.0)
    ax.plot_surface(X, Y, clipped(study.values, (vmin, vmax)), cmap="Greys", alpha=0.55, linewidth=0)
    for i, (n, t) in enumerate(sorted(study.approximations.items())):
        # where T_n leaves f's range it is not drawn (clipping it would draw plateaus it does not have)
        inside = clipped(t, (vmin, vmax))
        inside[(inside < vmin) | (inside > vmax)] = np.nan
        ax.plot_wireframe(X, Y, inside, color=COLORS[i % len(COLORS)],
                          rstride=8, cstride=8, lw=0.9, label=subscript("T", n))
    ax.set_zlim(vmin, vmax)
    names = study.variables
    ax.set_xlabel(names[0], fontsize=TEXT_PT), ax.set_ylabel(names[1], fontsize=TEXT_PT)
    ax.set_zlabel(f"f({names[0]}, {names[1]})", fontsize=TEXT_PT)
    ax.set_title(f"f({names[0]}, {names[1]}) = {title}", fontsize=TEXT_PT)
    ax.legend(fontsize=SMALL_PT)
    ax2 = fig.add_subplot(1, 2, 2)
    order = study.orders[-1]
    cs = ax2.contourf(x, y, _log_error(study.errors[order]), levels=20, cmap="magma")
    fig.colorbar(cs, ax=ax2)
    ax2.set_xlabel(names[0], fontsize=TEXT_PT), ax2.set_ylabel(names[1], fontsize=TEXT_PT)
    ax2.set_title(f"log₁₀ |f − {subscript('T', order)}|", fontsize=TEXT_PT)
    return fig


def _log_error(error: np.ndarray) -> np.ndarray:
    """log10 of an error map for contours: finite everywhere (undefined or overflowing errors
    at the top of the finite ones), and never below 1e-17."""
    limits = _error_limits({0: error})
    a = clipped(np.maximum(error, 1e-17), limits, log=True)
    return np.log10(np.where(np.isnan(a), limits[1], a))
