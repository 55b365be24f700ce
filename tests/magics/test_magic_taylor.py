"""%taylor / %%taylor in a real IPython shell: results, MIME bundles, and one-line errors."""
import jax
import numpy as np
import pytest

from ipython_shell import displayed, make_shell, png_bytes, run_cell_ok, usage_error
from jaxcalc_ext.display.figures import png_size


@pytest.fixture(scope="module")
def shell():
    return make_shell()


def test_load_ext_twice_is_harmless(shell):
    shell.run_line_magic("load_ext", "jaxcalc_ext")
    assert "taylor" in shell.magics_manager.magics["line"]
    assert "taylor" in shell.magics_manager.magics["cell"]


def test_mml_figure_5_4(shell):
    r = run_cell_ok(shell, "r = %taylor sin(x) + cos(x) --at 0 --order 1,2,5,10 --range -4 4\nr")
    assert r.orders == [1, 2, 5, 10] and r.dtype == "float64"
    assert r.polynomials[2].to_latex() == "1 + x - 0.5 x^{2}"
    # T_10 on [-4, 4]: the remainder is bounded by 4^11 / 11! * sqrt(2) (Lagrange), about 0.15.
    assert 0.05 < r.max_errors[10] < 4 ** 11 / 39916800 * 2 ** 0.5
    assert len(r.figure.axes) == 2
    (figure, figure_meta), (formulas, _) = displayed(r)    # two outputs, each rendered once
    assert set(figure) == {"image/png", "text/plain"}
    png = png_bytes(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # 2x pixels shown at 1x size: crisp on HiDPI screens
    assert png_size(png)[0] == 2 * figure_meta["image/png"]["width"]
    assert set(formulas) == {"text/latex", "text/plain"}
    assert "T_{10}" in formulas["text/latex"] and "float64" in formulas["text/latex"]
    assert "float64" in formulas["text/plain"] and "T_10(x) = 1 + x - 0.5 x^2" in formulas["text/plain"]
    assert "\\left" not in formulas["text/plain"] and "^{" not in formulas["text/plain"]
    assert jax.config.jax_enable_x64 is False


def test_two_variables_seed_closed_form(shell):
    r = run_cell_ok(shell, "%taylor x**2 + 2*x*y + y**3 --at 1,2 --order 2")
    # written about the centre by default, like one-variable answers (issue 21); the seed's
    # expanded form in powers of x and y is one argument away, and shown beside it
    assert r.polynomials[2].to_latex(form="expanded") == "8 - 12 y + x^{2} + 2 x y + 6 y^{2}"
    assert r.polynomials[2].to_latex() == ("13 + 6 \\left(x - 1\\right) + 14 \\left(y - 2\\right) + "
                                           "\\left(x - 1\\right)^{2} + 2 \\left(x - 1\\right) "
                                           "\\left(y - 2\\right) + 6 \\left(y - 2\\right)^{2}")
    assert "8 - 12 y + x^{2} + 2 x y + 6 y^{2}" in r.to_latex()
    assert len(r.figure.axes) >= 3  # f, T_2 and the error, with colour bars


def test_names_lambdas_dotted_names_and_cells(shell):
    shell.user_ns["my_f"] = lambda x: x ** 3
    r = run_cell_ok(shell, "%taylor my_f --at 1 --order 3")
    np.testing.assert_allclose(np.asarray(r.coefficients), [1, 3, 3, 1], rtol=1e-14)
    r = run_cell_ok(shell, "%taylor jnp.exp --at 0 --order 4")
    np.testing.assert_allclose(np.asarray(r.coefficients), [1, 1, 1 / 2, 1 / 6, 1 / 24], rtol=1e-14)
    r = run_cell_ok(shell, "%taylor lambda t: 1/(1-t) --at 0 --order 5 --range -0.5 0.5")
    np.testing.assert_allclose(np.asarray(r.coefficients), np.ones(6), rtol=1e-14)
    r = run_cell_ok(shell, "%%taylor --at 0 --order 3\nimport jax.numpy as jnp\ndef h(x):\n    return jnp.sinh(x)\n")
    np.testing.assert_allclose(np.asarray(r.coefficients), [0, 1, 0, 1 / 6], atol=1e-15)
    assert "h" not in shell.user_ns  # the cell ran in a scratch namespace


def test_help_is_complete(shell):
    doc = shell.magics_manager.magics["line"]["taylor"].__doc__
    for option in ["--at", "--order", "--range", "--points", "--method", "--float32"]:
        assert option in doc


BAD_INPUT = [
    ("%taylor sinn(x) --at 0", "unknown name 'sinn'"),
    ("%taylor sin(x --at 0", "syntax error"),
    ("%taylor sin(x) --at 0 --order -1", "order must be >= 0"),
    ("%taylor sin(x) --at 0 --order 5000", "too large"),
    ("%taylor sin(x) --at 0 --range 2 1", "empty"),
    ("%taylor log(x) --at -1", "domain"),
    ("%taylor abs(x) --at 0", "not differentiable"),
    ("%taylor x*y --at 1", "2 variables (x, y) but --at gives 1 coordinate"),
    ("%taylor sin(x) --at nan", "finite"),
    ("%taylor np_user_f --at 0.5", "NumPy"),
    ("%taylor if_user_f --at 0.5", "control flow"),
    ("%taylor vec_f --at 0.5", "scalar"),
    ("%taylor sin(x) --order 2", "--at"),
    ("%taylor sin(x) --at 0 --order two", "whole numbers"),
]


@pytest.mark.parametrize("line,expected", BAD_INPUT, ids=[b[1] for b in BAD_INPUT])
def test_bad_input_is_a_one_line_usage_error_and_nothing_is_lost(shell, line, expected):
    import numpy

    shell.user_ns.update(
        np_user_f=lambda x: numpy.sin(x),
        if_user_f=lambda x: x if x > 0 else -x,
        vec_f=lambda x: jax.numpy.stack([x, x]),
        keep_me=[1, 2, 3],
    )
    message = usage_error(shell, line)   # also checks that variables and jax.config are untouched
    assert expected in message
    assert shell.user_ns["keep_me"] == [1, 2, 3]


def test_laplacian_view_shows_gradient_hessian_and_laplacian(shell):
    r = run_cell_ok(shell, "r = %taylor x**2 + 2*x*y + y**3 --at 1,2 --laplacian\nr")
    np.testing.assert_allclose(r.gradient, [6.0, 14.0])            # (2x + 2y, 2x + 3y^2)
    np.testing.assert_allclose(r.hessian, [[2.0, 2.0], [2.0, 12.0]])  # [[2, 2], [2, 6y]]
    assert r.laplacian == 14.0 and r.dtype == "float64"
    data, _ = shell.display_formatter.format(r)
    assert {"text/latex", "text/plain"} == set(data)
    assert "\\nabla^2 f(1, 2)" in data["text/latex"] and "pmatrix" in data["text/latex"]
    assert "Laplacian = 14" in data["text/plain"]
    assert jax.config.jax_enable_x64 is False


def test_laplacian_view_for_three_variables_and_its_errors(shell):
    # f = x y z + sin(x): the Laplacian is -sin(x); the mixed partials sit off the diagonal
    r = run_cell_ok(shell, "%taylor x*y*z + sin(x) --at 0.5,2,3 --laplacian")
    assert r.laplacian == pytest.approx(-np.sin(0.5), rel=1e-14)
    np.testing.assert_allclose(r.hessian, [[-np.sin(0.5), 3, 2], [3, 0, 0.5], [2, 0.5, 0]], rtol=1e-14, atol=1e-15)
    message = usage_error(shell, "%taylor lambda v: v * 2 --at 1,2 --laplacian")
    assert "scalar" in message
    message = usage_error(shell, "%taylor log(x) + y --at -1,2 --laplacian")
    assert "not finite" in message or "domain" in message


def test_certify_draws_a_proved_band_and_says_its_bound(shell):
    # |sin x - T_5(x)| <= |x|^7 / 7! on [-1, 1] (Lagrange): the proved bound is at most that
    # and at least the true error at x = 1 (|sin 1 - T_5(1)| = 1.957e-4)
    r = run_cell_ok(shell, "r = %taylor sin(x) --at 0 --order 3,5 --range -1 1 --certify\nr")
    band = r.study.bands[5]
    assert band.holds_on == (-1.0, 1.0)
    assert 1.957e-4 <= band.max_error <= 1 / 5040
    assert "|f - T_5| <= 0.0002 on [-1, 1], guaranteed" in r.to_text()
    top = r.figure.axes[0]
    assert any(c.get_label() == "proved bands" for c in top.collections)
    assert jax.config.jax_enable_x64 is False


def test_certify_says_why_no_band_can_be_proved(shell):
    r = run_cell_ok(shell, "import jax.scipy.special as jss\nr = %taylor jss.gammaln --at 2.5 --order 2 --certify\nr")
    assert not r.study.bands
    assert any("no certified band" in note and "lgamma" in note for note in r.study.notes)
    assert "one variable" in usage_error(shell, "%taylor x*y --at 1,2 --certify")


def test_pade_overlay_draws_the_approximant_and_names_its_poles(shell):
    # tan at 0 as a [3/4] Padé approximant: its nearest poles are tan's at +-pi/2 (to 1e-3 from
    # its 8 coefficients; its other two, near +-6.5, stand for the rest of tan's poles)
    r = run_cell_ok(shell, "r = %taylor jnp.tan --at 0 --order 5 --range -2 2 --pade 3/4\nr")
    poles = sorted((p.real for p in r.study.pade.poles if abs(p.imag) < 1e-9), key=abs)[:2]
    assert np.allclose(sorted(poles), [-np.pi / 2, np.pi / 2], rtol=1e-3)
    assert any("Padé [3/4]" in line.get_label() for line in r.figure.axes[0].lines)
    assert "Padé [3/4]" in r.to_text() and "poles at" in r.to_text()


def test_a_pole_gets_its_laurent_series_and_a_branch_point_its_puiseux_series(shell):
    from jaxcalc_ext.display.results import LaurentResult

    r = run_cell_ok(shell, "r = %taylor 1/sin(x) --at 0 --order 1,3\nr")
    assert isinstance(r, LaurentResult)
    (figure, _), (formulas, _) = displayed(r)
    assert "image/png" in figure
    assert "\\frac{1}{x} + 0.166667 x + 0.0194444 x^{3}" in formulas["text/latex"]
    assert "a pole of order 1" in formulas["text/plain"]
    at_pi = run_cell_ok(shell, "%taylor 1/sin(x) --at pi --order 3")
    assert "within rounding of x0" in at_pi.to_text() and at_pi.series[0].kind == "a pole of order 1"
    branch = run_cell_ok(shell, "%taylor sqrt(x)*exp(x) --at 0 --order 2 --range -1 1")
    assert [s.side for s in branch.series] == ["right"]
    assert "x^(1/2) + x^(3/2)" in branch.to_text() and "not real" in branch.to_text()
    assert jax.config.jax_enable_x64 is False


@pytest.mark.parametrize("line, why", [("%taylor x**x --at 0 --order 2", "log(x - x0) term"),
                                       ("%taylor exp(-1/x**2) --at 0 --order 2", "essential singularity")])
def test_no_series_at_all_is_one_line_naming_why(shell, line, why):
    message = usage_error(shell, line)
    assert why in message and "\n" not in message
