"""A display never raises: every figure and formula of a Taylor study is built from finite,
clipped values with finite axis limits, whatever the function, range or order; and nothing
leaks to stderr as a warning."""
import base64
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from jaxcalc_ext.core.errors import JaxCalcError
from jaxcalc_ext.display.figures import image_bundle
from jaxcalc_ext.display.taylor_figure import draw_study
from jaxcalc_ext.display.results import TaylorResult
from jaxcalc_ext.taylor.study import taylor_study

FUNCTIONS = {
    "exp": jnp.exp, "cosh": jnp.cosh, "sin": jnp.sin, "sqrt": jnp.sqrt, "log": jnp.log,
    "1/(1-x)": lambda x: 1 / (1 - x), "tan": jnp.tan, "x**7": lambda x: x ** 7,
    "exp(exp(x))": lambda x: jnp.exp(jnp.exp(x)), "1/x": lambda x: 1 / x, "arcsin": jnp.arcsin,
    "sin(x)**2+cos(x)**2": lambda x: jnp.sin(x) ** 2 + jnp.cos(x) ** 2,
}
CENTERS = st.sampled_from([0.0, 1.0, 0.5, -2.0, 1e-300, 5e-324, 100.0])
MAGNITUDES = st.sampled_from([1e-310, 1e-12, 1.0, 5.0, 800.0, 1e5, 1e154, 1e300, 1e308])


def _render(study, label):
    """The two outputs of a %taylor answer: one image, then LaTeX and text."""
    result = TaylorResult(study, label, "auto")
    data, _ = image_bundle(draw_study(study, label), "retina")
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert result.to_latex() and result.to_text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(FUNCTIONS)), center=CENTERS, order=st.sampled_from([0, 1, 4, 30, 200]),
       lo=MAGNITUDES, hi=MAGNITUDES, below=st.booleans())
def test_any_function_range_and_order_draws_or_is_refused_without_warnings(name, center, order, lo, hi, below):
    # A range around the centre, entirely below it, huge, tiny or subnormal.
    span = (center - lo, center - hi * 1e-3) if below else (center - lo, center + hi)
    with jax.enable_x64(True), warnings.catch_warnings():
        warnings.simplefilter("error")   # a warning on stderr fails the test
        try:
            study = taylor_study(FUNCTIONS[name], center, [order], span=[span], points=60)
        except JaxCalcError:
            return  # refused in one line: fine
        _render(study, name)


@pytest.mark.parametrize("name,center,order,span", [
    ("cosh", 0.0, 4, (-800, 800)), ("exp", 0.0, 4, (-800, 800)), ("exp", 0.0, 200, None),
    ("1/(1-x)", 0.0, 700, (-3, 3)), ("sin", 0.0, 2, (-1e308, 1e308)), ("sqrt", 1.0, 2, (-5, -1)),
    ("log", 1.0, 2, (-5, -1)),
])
def test_the_issues_reproductions_draw(name, center, order, span):
    with jax.enable_x64(True), warnings.catch_warnings():
        warnings.simplefilter("error")
        study = taylor_study(FUNCTIONS[name], center, [order], span=None if span is None else [span], points=200)
        _render(study, name)


def test_the_figure_says_where_f_is_not_finite_and_when_the_range_was_clipped():
    with jax.enable_x64(True):
        study = taylor_study(jnp.sqrt, 1.0, [2], span=[(-5, -1)], points=50)
        texts = [t.get_text() for ax in draw_study(study, "sqrt").axes for t in ax.texts]
        assert any("f is not finite for every x" in t for t in texts)
        study = taylor_study(jnp.sin, 0.0, [2], span=[(-1e308, 1e308)], points=50)
        texts = [t.get_text() for ax in draw_study(study, "sin").axes for t in ax.texts]
        assert any("range clipped to [-1e+300, 1e+300]" in t for t in texts)
    assert np.isnan(list(taylor_study_max_error_undefined().values())[0])


def taylor_study_max_error_undefined():
    with jax.enable_x64(True):
        return taylor_study(jnp.log, 1.0, [2], span=[(-5, -1)], points=20).max_errors


def test_two_variables_with_overflow_draw_contours_and_surfaces():
    f = lambda x, y: jnp.exp(x * y)
    with jax.enable_x64(True), warnings.catch_warnings():
        warnings.simplefilter("error")
        study = taylor_study(f, (0.0, 0.0), [3], span=[(-40, 40)], points=30)
        for surface in (False, True):
            data, _ = image_bundle(draw_study(study, "exp(x y)", surface=surface), "png")
            assert base64.b64decode(data["image/png"])[:4] == b"\x89PNG"
