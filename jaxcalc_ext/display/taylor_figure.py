"""Draw a TaylorStudy: f against its Taylor polynomials, and the approximation error."""
from __future__ import annotations

import numpy as np

from .drawable import (LARGEST_LOG, SMALLEST_LOG, axis_limits, clipped, finite_values, padded_limits,
                       quiet_layout, where_not_finite)
from .figures import new_figure

_COLORS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def draw_study(study, title: str, surface: bool = False, band: bool = False, radius=None):
    """The figure of a study: curves and errors (one variable), contours or surfaces (two).

    Laid out with fixed margins rather than a layout engine, which would cost a third of the
    rendering time of an interactive answer."""
    title = title.replace("$", "\\$")  # a user's label is text, never mathtext
    with quiet_layout():
        if len(study.grid) == 1:
            return _draw_line(study, title, band, radius)
        return _draw_surface(study, title) if surface else _draw_contours(study, title)


def _draw_line(study, title, band: bool = False, radius=None):
    fig = new_figure(6.4, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    fig.subplots_adjust(left=0.11, right=0.97, top=0.94, bottom=0.09, hspace=0.06)
    x = study.grid[0]
    limits = padded_limits(study.values) or (-1.0, 1.0)
    top.set_ylim(*limits)
    top.plot(x, clipped(study.values, limits), color="black", lw=2.5, label=f"$f$: {title}")
    errors = study.errors
    error_limits = _error_limits(errors)
    for i, (n, t) in enumerate(sorted(study.approximations.items())):
        color = _COLORS[i % len(_COLORS)]
        top.plot(x, clipped(t, limits), color=color, lw=1.5, ls="--", label=f"$T_{{{n}}}$")
        bottom.semilogy(x, clipped(np.maximum(errors[n], SMALLEST_LOG), error_limits, log=True),
                        color=color, lw=1.2, label=f"$|f - T_{{{n}}}|$")
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
        notes.append(f"|f - T_{worst}| is not finite for {undefined}")
    if notes:
        top.text(0.01, 0.02, "; ".join(notes), transform=top.transAxes, fontsize=8, color="firebrick")
    top.legend(loc="best", fontsize=8)
    top.set_title(f"Taylor polynomials at $x_0 = {x0:g}$ ({study.dtype})")
    top.grid(alpha=0.3)
    bottom.set_ylabel("error")
    bottom.set_xlabel(study.variables[0] if study.variables else "x")
    bottom.set_ylim(*error_limits)
    bottom.grid(alpha=0.3, which="both")
    bottom.legend(loc="best", fontsize=8)
    return fig


def _draw_band_and_radius(ax, study, limits, estimate=None) -> None:
    """The region between f and T_n, and ``estimate`` (a RadiusEstimate, from the live view's
    coefficients of its highest order) as a bar on the axis around x0."""
    x, order = study.grid[0], study.orders[-1]
    f, t = clipped(study.values, limits), clipped(study.approximations[order], limits)
    ax.fill_between(x, f, t, where=np.isfinite(f) & np.isfinite(t), color="#d62728", alpha=0.16, lw=0,
                    label=f"$|f - T_{{{order}}}|$")
    if estimate is not None and not estimate.entire and np.isfinite(estimate.radius):
        c = float(np.atleast_1d(study.center)[0])
        lo, hi = limits
        left, right = max(c - estimate.radius, float(x[0])), min(c + estimate.radius, float(x[-1]))
        ax.fill_between([left, right], lo, lo + 0.03 * (hi - lo), color="#2ca02c",
                        alpha=0.3, lw=0, label="radius of convergence")


def _error_limits(errors: dict) -> tuple[float, float]:
    """Log-axis limits around the positive finite errors (1e-17 at the bottom at most)."""
    values = finite_values(np.concatenate([np.ravel(e) for e in errors.values()]))
    values = values[values > 0]
    if not values.size:
        return axis_limits(1e-17, 1.0, log=True)
    return axis_limits(max(1e-17, values.min()), min(values.max(), LARGEST_LOG) * 10, log=True)


def _draw_contours(study, title):
    order = study.orders[-1]
    fig = new_figure(11.0, 3.4)
    axes = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.05, right=0.97, top=0.84, bottom=0.14, wspace=0.3)
    x, y = study.grid
    approx = study.approximations[order]
    vmin, vmax = padded_limits(study.values, pad=0.0) or (-1.0, 1.0)
    names = study.variables
    for ax, data, label in [(axes[0], study.values, f"$f$: {title}"), (axes[1], approx, f"$T_{{{order}}}$")]:
        levels = np.linspace(vmin, vmax, 21)
        cs = ax.contourf(x, y, np.clip(clipped(data, (vmin, vmax)), vmin, vmax), levels=levels, cmap="viridis")
        ax.set_title(label, fontsize=10)
        fig.colorbar(cs, ax=ax)
    cs = axes[2].contourf(x, y, _log_error(study.errors[order]), levels=20, cmap="magma")
    axes[2].set_title(f"$\\log_{{10}} |f - T_{{{order}}}|$", fontsize=10)
    fig.colorbar(cs, ax=axes[2])
    cx, cy = study.center
    for ax in axes:
        ax.plot([cx], [cy], "w*", ms=10, mec="black")
        ax.set_xlabel(f"${names[0]}$")
        ax.set_ylabel(f"${names[1]}$")
    fig.suptitle(f"order {order} at ({cx:g}, {cy:g}), {study.dtype}")
    return fig


def _draw_surface(study, title):
    fig = new_figure(10.0, 4.2)
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
        ax.plot_wireframe(X, Y, inside, color=_COLORS[i % len(_COLORS)],
                          rstride=8, cstride=8, lw=0.8, label=f"$T_{{{n}}}$")
    ax.set_zlim(vmin, vmax)
    names = study.variables
    ax.set_xlabel(f"${names[0]}$"), ax.set_ylabel(f"${names[1]}$"), ax.set_zlabel("value")
    ax.set_title(f"$f$: {title}", fontsize=10)
    ax.legend(fontsize=8)
    ax2 = fig.add_subplot(1, 2, 2)
    order = study.orders[-1]
    cs = ax2.contourf(x, y, _log_error(study.errors[order]), levels=20, cmap="magma")
    fig.colorbar(cs, ax=ax2)
    ax2.set_xlabel(f"${names[0]}$"), ax2.set_ylabel(f"${names[1]}$")
    ax2.set_title(f"$\\log_{{10}} |f - T_{{{order}}}|$", fontsize=10)
    return fig


def _log_error(error: np.ndarray) -> np.ndarray:
    """log10 of an error map for contours: finite everywhere (undefined or overflowing errors
    at the top of the finite ones), and never below 1e-17."""
    limits = _error_limits({0: error})
    a = clipped(np.maximum(error, 1e-17), limits, log=True)
    return np.log10(np.where(np.isnan(a), limits[1], a))
