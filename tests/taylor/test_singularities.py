"""Issue 27, item 2 and 3: singularities located and typed from K <= 30 Taylor coefficients,
against closed forms; the robust Padé approximant against the function beyond the radius."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxcalc_ext.taylor.singularities as S
from jaxcalc_ext.taylor.pade import pade

POLES = [   # (name, f, x0, the nearest pole, its order)
    ("tan", jnp.tan, 0.0, math.pi / 2, 1),
    ("tanh", jnp.tanh, 0.0, 1j * math.pi / 2, 1),
    ("1/(1+x^2)", lambda x: 1 / (1 + x * x), 0.0, 1j, 1),
    ("1/(1+25x^2)", lambda x: 1 / (1 + 25 * x * x), 0.0, 0.2j, 1),
    ("e^x/(1-x)", lambda x: jnp.exp(x) / (1 - x), 0.0, 1.0, 1),
    ("1/(1-x)^2", lambda x: 1 / (1 - x) ** 2, 0.3, 1.0, 2),
    ("tan at 0.5", jnp.tan, 0.5, math.pi / 2, 1),
]
BRANCHES = [   # (name, f, x0, branch point, exponent)
    ("log(x) at 1", jnp.log, 1.0, 0.0, 0.0),
    ("sqrt(1+x)", lambda x: jnp.sqrt(1 + x), 0.0, -1.0, 0.5),
    ("(1-x)^(1/3)", lambda x: jnp.cbrt(1 - x), 0.0, 1.0, 1 / 3),
]


@pytest.mark.parametrize("name, f, x0, pole, order", POLES, ids=[p[0] for p in POLES])
def test_poles_are_located_to_1e_8_and_typed(x64, name, f, x0, pole, order):
    s = S.singularities(f, x0, 30)
    assert s.kind == "pole" and s.order == order, s.describe()
    distance = abs(pole - x0)
    assert abs(s.position - pole) <= 1e-8 * distance, (s.describe(), pole)
    assert abs(s.distance - distance) <= 1e-8 * distance
    assert s.uncertainty < 1e-6


@pytest.mark.parametrize("name, f, x0, point, exponent", BRANCHES, ids=[b[0] for b in BRANCHES])
def test_branch_points_are_located_to_1e_6_with_their_exponent(x64, name, f, x0, point, exponent):
    s = S.singularities(f, x0, 30)
    assert s.kind == "branch point", s.describe()
    assert abs(s.position - point) <= 1e-6 * max(1.0, abs(point - x0)), s.describe()
    assert abs(s.exponent - exponent) < 1e-3, s.describe()


@pytest.mark.parametrize("x0", [0.5, 2.0])
def test_the_complex_pair_of_atan_is_found_within_1e_3(x64, x0):
    s = S.singularities(jnp.arctan, x0, 30)          # log branch points at +-i
    assert s.pair and abs(s.position - 1j) <= 1e-3 * abs(1j - x0), s.describe()
    assert abs(s.distance - abs(1j - x0)) <= 1e-3 * abs(1j - x0)


@pytest.mark.parametrize("name, f", [("exp", jnp.exp), ("sin", jnp.sin), ("cos", jnp.cos),
                                     ("gaussian", lambda x: jnp.exp(-x * x))])
def test_entire_functions_get_no_made_up_radius(x64, name, f):
    s = S.singularities(f, 0.3, 30)
    assert s.kind == "none" and s.distance > 2 and "no singularity within r" in s.describe(), s.describe()


def test_the_old_estimates_that_were_wrong_are_right(x64):
    """tanh at 0 (its even coefficients were rounding noise: 'R > 257'), atan at 0.5 and 2."""
    assert abs(S.singularities(jnp.tanh, 0.0, 20).distance - math.pi / 2) < 1e-9
    assert abs(S.singularities(jnp.arctan, 0.5, 20).distance - math.sqrt(1.25)) < 1e-3
    assert abs(S.singularities(jnp.arctan, 2.0, 20).distance - math.sqrt(5)) < 1e-3


def test_pade_of_tan_stays_close_far_beyond_the_radius(x64):
    """A degree-20 Padé approximant of tan at 0 is within 1e-6 of tan out to 2.6 R on the real
    line (away from the poles), where T_20 leaves it at 0.51 R."""
    r = pade(jnp.tan, 0.0, 10, 10)
    assert np.allclose(sorted(np.abs(r.poles[:2])), [math.pi / 2] * 2, rtol=1e-12)
    R = math.pi / 2
    xs = np.linspace(-2.6 * R, 2.6 * R, 2001)
    away = np.min(np.abs(xs[:, None] - np.array([-1.5, -0.5, 0.5, 1.5]) * math.pi), axis=1) > 0.05
    with jax.enable_x64(True):
        exact = np.tan(xs)
    err = np.abs(r(xs) - exact) / np.maximum(1.0, np.abs(exact))
    assert np.max(err[away]) < 1e-6


def test_pade_keeps_only_the_degrees_the_data_supports():
    """1/(1 - x) asked as [4/4]: the SVD drops the Froissart doublets plain Padé would make."""
    from jaxcalc_ext.taylor.pade import pade_from_coefficients

    r = pade_from_coefficients(np.ones(9), 4, 4)
    assert (r.numerator_degree, r.denominator_degree) == (0, 1)
    assert np.allclose(r.poles, [1.0])
