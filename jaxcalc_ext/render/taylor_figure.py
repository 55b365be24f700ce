"""Draw a TaylorStudy: f against its Taylor polynomials, and the approximation error."""
from __future__ import annotations

import numpy as np

from .figures import new_figure

_COLORS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def draw_study(study, title: str, surface: bool = False):
    """The figure of a study: curves and errors (one variable), contours or surfaces (two).

    Laid out with fixed margins rather than a layout engine, which would cost a third of the
    rendering time of an interactive answer."""
    title = title.replace("$", "\\$")  # a user's label is text, never mathtext
    if len(study.grid) == 1:
        return _draw_line(study, title)
    return _draw_surface(study, title) if surface else _draw_contours(study, title)


def _finite_limits(lo: float, hi: float, positive: bool = False) -> tuple[float, float]:
    """Axis limits matplotlib accepts: finite (a function that nearly overflows pads past the
    largest float), and above 0 on a log axis."""
    big = np.finfo(np.float64).max / 4
    lo, hi = (float(np.clip(v, -big, big)) for v in (lo, hi))
    if positive:
        lo, hi = max(lo, 1e-300), max(hi, 1e-299)
    return (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)


def _where_not_finite(x: np.ndarray, values: np.ndarray) -> str | None:
    """The part of the range where f overflows or is undefined, as text, or None."""
    bad = ~np.isfinite(np.asarray(values, dtype=float))
    if not bad.any():
        return None
    lo, hi = float(x[bad].min()), float(x[bad].max())
    return f"x = {lo:g}" if lo == hi else f"x in [{lo:g}, {hi:g}]" if bad.sum() < bad.size else "every x"


def _draw_line(study, title):
    fig = new_figure(6.4, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    fig.subplots_adjust(left=0.11, right=0.97, top=0.94, bottom=0.09, hspace=0.06)
    x = study.grid[0]
    top.plot(x, study.values, color="black", lw=2.5, label=f"$f$: {title}")
    for i, (n, t) in enumerate(sorted(study.approximations.items())):
        color = _COLORS[i % len(_COLORS)]
        top.plot(x, t, color=color, lw=1.5, ls="--", label=f"$T_{{{n}}}$")
        bottom.semilogy(x, np.maximum(study.errors[n], 1e-300), color=color, lw=1.2, label=f"$|f - T_{{{n}}}|$")
    x0 = float(np.atleast_1d(study.center)[0])
    f0 = float(study.polynomials[study.orders[0]].monomial_coefficients[0])
    top.plot([x0], [f0], "o", color="black", ms=6)
    finite = study.values[np.isfinite(study.values)]
    if finite.size:
        lo, hi = finite.min(), finite.max()
        pad = 0.25 * (hi - lo) if hi > lo else 1.0
        top.set_ylim(*_finite_limits(lo - pad, hi + pad))
    overflow = _where_not_finite(x, study.values)
    if overflow:
        top.text(0.01, 0.02, f"f is not finite for {overflow}: not drawn there", transform=top.transAxes,
                 fontsize=8, color="firebrick")
    top.legend(loc="best", fontsize=8)
    top.set_title(f"Taylor polynomials at $x_0 = {x0:g}$ ({study.dtype})")
    top.grid(alpha=0.3)
    bottom.set_ylabel("error")
    bottom.set_xlabel(study.variables[0] if study.variables else "x")
    errors = np.concatenate([np.ravel(e) for e in study.errors.values()])
    errors = errors[np.isfinite(errors) & (errors > 0)]
    if errors.size:
        bottom.set_ylim(*_finite_limits(max(1e-17, errors.min()), errors.max() * 10, positive=True))
    bottom.grid(alpha=0.3, which="both")
    bottom.legend(loc="best", fontsize=8)
    return fig


def _draw_contours(study, title):
    order = study.orders[-1]
    fig = new_figure(11.0, 3.4)
    axes = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.05, right=0.97, top=0.84, bottom=0.14, wspace=0.3)
    x, y = study.grid
    approx = study.approximations[order]
    vmin, vmax = np.nanmin(study.values), np.nanmax(study.values)
    names = study.variables
    for ax, data, label in [(axes[0], study.values, f"$f$: {title}"), (axes[1], approx, f"$T_{{{order}}}$")]:
        levels = np.linspace(vmin, vmax, 21) if vmax > vmin else 20
        cs = ax.contourf(x, y, np.clip(data, vmin, vmax), levels=levels, cmap="viridis")
        ax.set_title(label, fontsize=10)
        fig.colorbar(cs, ax=ax)
    err = np.log10(np.maximum(study.errors[order], 1e-17))
    cs = axes[2].contourf(x, y, err, levels=20, cmap="magma")
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
    vmin, vmax = np.nanmin(study.values), np.nanmax(study.values)
    ax.plot_surface(X, Y, study.values, cmap="Greys", alpha=0.55, linewidth=0)
    for i, (n, t) in enumerate(sorted(study.approximations.items())):
        ax.plot_wireframe(X, Y, np.clip(t, vmin, vmax), color=_COLORS[i % len(_COLORS)],
                          rstride=8, cstride=8, lw=0.8, label=f"$T_{{{n}}}$")
    ax.set_title(f"$f$: {title}", fontsize=10)
    ax.legend(fontsize=8)
    ax2 = fig.add_subplot(1, 2, 2)
    order = study.orders[-1]
    cs = ax2.contourf(x, y, np.log10(np.maximum(study.errors[order], 1e-17)), levels=20, cmap="magma")
    fig.colorbar(cs, ax=ax2)
    ax2.set_title(f"$\\log_{{10}} |f - T_{{{order}}}|$", fontsize=10)
    return fig
