"""The certified band (issue 27 item 1): every claim checked against mpmath at high precision.

Soundness is a property over generated requests (function, degree 1-12, half-width from 1e-3
to the radius): on a dense grid of the interval where the band is said to hold, the true
remainder ratio ``(f - T_n) / (x - x0)^(n+1)``, with f and the exact T_n from mpmath, lies in the
piece's bounds, and ``|f - T_n|`` with the drawn float coefficients is below ``max_error``.
Tightness is measured against the true range of that ratio (mpmath on a dense grid).
"""
from __future__ import annotations

import math
import os

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from band_catalogue import FUNCTIONS, tightness, true_ratios
from jaxcalc_ext import JaxCalcError
from jaxcalc_ext.taylor.engine.rules import REGISTRY
from jaxcalc_ext.taylor.enclosure import balls as B
from jaxcalc_ext.taylor.enclosure.remainder import certified_remainder
from jaxcalc_ext.taylor.enclosure.rules import ENCLOSURES

GRID = int(os.environ.get("BAND_GRID", 120))


def grid(band) -> np.ndarray:
    a, b = band.holds_on
    inner = np.linspace(a, b, GRID)
    return np.unique(np.concatenate([inner, band.pieces.reshape(-1), [a, b]]))


def check_sound(band, fm) -> None:
    n, x0 = band.degree, band.x0
    poly = [mp.mpf(float(c)) for c in band.polynomial]
    for x, r, d in true_ratios(fm, x0, n, grid(band)):
        inside = [i for i, (u, v) in enumerate(band.pieces) if u <= x <= v]
        assert inside, (x, band.holds_on)
        assert any(band.piece_lo[i] <= r <= band.piece_hi[i] for i in inside), \
            (x, float(r), [(band.piece_lo[i], band.piece_hi[i]) for i in inside])
        assert band.lo <= r <= band.hi
        with mp.workdps(60):
            t = mp.mpf(x) - mp.mpf(x0)
            drawn = abs(fm(mp.mpf(x)) - mp.fsum(c * t ** k for k, c in enumerate(poly)))
        assert drawn <= band.max_error, (x, float(drawn), band.max_error)


# ---------------------------------------------------------------- the table
def test_every_taylor_rule_has_an_enclosure_or_a_reason():
    missing = sorted(name for name, row in REGISTRY.items() if row.enclosure is None)
    assert not missing, missing
    refused = {name: rule for name, rule in ENCLOSURES.items() if isinstance(rule, str)}
    assert set(refused) <= {"lgamma", "digamma", "zeta", "bessel_i0e", "bessel_i1e", "complex", "conj", "imag",
                            "nextafter", "sort"}, refused


UNARY_RULES = {
    "exp": mp.exp, "expm1": mp.expm1, "log": mp.log, "log1p": mp.log1p, "sin": mp.sin, "cos": mp.cos,
    "tan": mp.tan, "tanh": mp.tanh, "sinh": mp.sinh, "cosh": mp.cosh, "atan": mp.atan, "asin": mp.asin,
    "acos": mp.acos, "asinh": mp.asinh, "atanh": mp.atanh, "erf": mp.erf, "erfc": mp.erfc,
    "logistic": lambda x: 1 / (1 + mp.exp(-x)), "sqrt": mp.sqrt, "rsqrt": lambda x: 1 / mp.sqrt(x),
    "cbrt": mp.cbrt, "exp2": lambda x: mp.power(2, x),
}


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(sorted(UNARY_RULES)), center=st.floats(0.05, 0.9), width=st.floats(0, 0.04),
       order=st.integers(0, 9), at=st.floats(0, 1))
def test_each_rule_encloses_the_coefficients_everywhere_on_its_ball(name, center, width, order, at):
    # the ball series over [center - width, center + width] holds the true coefficients at
    # every point of it (checked at one point drawn in it)
    u = B.interval_series([center - width], [center + width], order)
    y = ENCLOSURES[name]({}, u)
    lo, hi = B.bounds(y)
    xi = (center - width) + 2 * width * at
    with mp.workdps(60):
        true = mp.taylor(UNARY_RULES[name], mp.mpf(xi), order)
    for k in range(order + 1):
        assert lo[k, 0] <= true[k] <= hi[k, 0], (name, k, float(true[k]), lo[k, 0], hi[k, 0])


# ---------------------------------------------------------------- soundness
def test_the_catalogue_covers_forty_functions_and_every_elementwise_rule():
    assert len(FUNCTIONS) >= 40
    used = set()
    for f, _, x0, _ in FUNCTIONS.values():
        with jax.enable_x64(True):
            jaxpr = jax.make_jaxpr(f)(x0)
        from jaxcalc_ext.core.jaxpr import iter_equations
        used |= {e.primitive.name for e in iter_equations(jaxpr.jaxpr)}
    assert set(UNARY_RULES) - {"logistic"} <= used | {"logistic"}, set(UNARY_RULES) - used


@settings(max_examples=int(os.environ.get("BAND_EXAMPLES", 45)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(FUNCTIONS)), degree=st.integers(1, 12), fraction=st.floats(0, 1))
# A grid point one ulp from x0, where f - T_11 is ~1e-207: the oracle's coefficients must carry
# that many digits too (a campaign caught the oracle, computing them at 200, reporting a miss).
@example(name="softplus", degree=11, fraction=0.84375)
def test_the_band_is_sound(name, degree, fraction):
    f, fm, x0, reach = FUNCTIONS[name]
    h = 10 ** (math.log10(1e-3) + fraction * (math.log10(reach) - math.log10(1e-3)))
    band = certified_remainder(f, x0, degree, h)
    assert band.holds_on[0] <= x0 <= band.holds_on[1]
    assert band.holds_on[1] - band.holds_on[0] > 0, band
    check_sound(band, fm)


@pytest.mark.parametrize("name, degree, h", [
    ("exp", 8, 0.1), ("exp", 4, 1.0), ("sin", 5, 1.0), ("tanh", 8, 0.7), ("lorentz", 8, 0.5),
    ("tan", 8, 0.6), ("softplus", 4, 1.0), ("mlp_tanh_3", 6, 1.0), ("relu_sq_sin", 3, 1.0),
    ("log", 6, 0.45), ("atan", 2, 0.5), ("exp", 12, 1e-3), ("runge", 8, 0.1), ("logsumexp", 3, 0.5),
    ("atanh", 5, 0.35), ("gelu_tanh", 2, 0.5),
])
def test_the_band_is_tight(name, degree, h):
    # at most 2x the true remainder range in the median, 10x at worst (issue 27); these cases
    # are held to 1.25x each, what the pieces and their two methods reach
    f, fm, x0, _ = FUNCTIONS[name]
    band = certified_remainder(f, x0, degree, h)
    assert band.complete, band
    check_sound(band, fm)
    assert tightness(band, fm) <= 1.25


# ---------------------------------------------------------------- refusals and where it stops
@pytest.mark.parametrize("f, x0", [(jax.nn.relu, 0.0), (jnp.abs, 0.0), (lambda x: jnp.where(x > 1, x, 1.0), 1.0),
                                   (jnp.floor, 2.0)])
def test_a_kink_or_a_jump_at_x0_is_refused(f, x0):
    with pytest.raises(JaxCalcError, match="kink or a jump"):
        certified_remainder(f, x0, 3, 0.5)


def test_a_pole_in_the_interval_stops_the_band_before_it_and_says_why():
    band = certified_remainder(jnp.tan, 0.3, 4, 1.5)             # pole at pi/2 = 1.5708
    assert not band.complete
    assert 1.4 < band.holds_on[1] < math.pi / 2 and band.holds_on[0] == -1.2
    assert "may be 0" in band.reason and "x = 1.5" in band.reason
    check_sound(band, mp.tan)
    assert str(band).startswith("|f - T_4| <=") and "asked [-1.2, 1.8]" in str(band)


def test_a_kink_inside_the_interval_is_crossed_branch_by_branch():
    f, fm, x0, _ = FUNCTIONS["where_branches"]
    band = certified_remainder(f, x0, 3, 1.0)                    # kink (a jump in f'') at 0
    assert band.complete
    check_sound(band, fm)


def test_the_claim_holds_for_the_drawn_coefficients_and_the_users_config_is_untouched():
    from jaxcalc_ext import taylor_polynomial

    before = jax.config.jax_enable_x64
    p = taylor_polynomial(jnp.sin, 0.3, 5)
    band = certified_remainder(jnp.sin, 0.3, 5, 1.0, polynomial=p.monomial_coefficients)
    assert jax.config.jax_enable_x64 == before
    check_sound(band, mp.sin)
    lo, hi = band.band(np.array([-0.5, 0.3, 1.2]))
    assert np.all(lo <= np.sin([-0.5, 0.3, 1.2]) + 1e-15) and np.all(np.sin([-0.5, 0.3, 1.2]) <= hi + 1e-15)


@pytest.mark.parametrize("bad, message", [((0.5, 1.0), "contain x0"), (-1.0, "positive"), (math.inf, "positive")])
def test_bad_intervals_are_one_line_errors(bad, message):
    with pytest.raises(JaxCalcError, match=message):
        certified_remainder(jnp.sin, 0.3, 3, bad)
