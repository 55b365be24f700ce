"""A magic line reads like a line of Python (issue 21 parts 1, 3 and 5): trailing comments,
option typos anywhere on the line, any identifier as a variable, titles of transformed
functions, save paths, warnings as one line; and custom_jvp functions of constants (issue 20)."""
import re

import numpy as np
import pytest
from IPython.utils.capture import capture_output

from ipython_shell import make_shell, run_cell_ok, usage_error

SETUP = """
import jax, jax.numpy as jnp
def g(w): return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)
"""


@pytest.fixture(scope="module")
def shell():
    sh = make_shell()
    run_cell_ok(sh, SETUP)
    return sh


@pytest.mark.parametrize("line", [
    "%taylor sin(x) + cos(x) --at 0 --order 1,2 --range -4 4    # MML figure 5.4",
    "%graddag g 1.5 --values --grads   # the textbook's figure",
    "%jaxpr g 1.5  # comment",
    "%jaxpr g 1.5 --grad # a 'quoted' # comment",
])
def test_trailing_comments_are_comments_on_every_magic(shell, line):
    without = line.split("#")[0]
    with_comment, plain = run_cell_ok(shell, line), run_cell_ok(shell, without)
    assert type(with_comment) is type(plain) and repr(with_comment) == repr(plain)


def test_a_hash_inside_quotes_is_not_a_comment(shell, tmp_path):
    target = tmp_path / "a#b.dot"
    run_cell_ok(shell, f"%graddag g 1.5 --save '{target}'  # saved")
    assert target.read_text().startswith("digraph")


@pytest.mark.parametrize("line,message", [
    ("%jaxpr jnp.sin 1.0 --grda", r"unknown option --grda: did you mean --grad\?"),
    ("%graddag jnp.sin 1.0 --float23", r"unknown option --float23: did you mean --float32\?"),
    ("%graddag jnp.sin 1.0 --valuez --grads", r"unknown option --valuez: did you mean --values\?"),
    ("%graddag f_undefined 1.5", r"unknown name 'f_undefined': define it first"),
    ("%graddag h 1.5", r"unknown name 'h': define it first"),
    ("%graddag g 1.5 --save ''", "the path to save to is empty"),
    ("%graddag g 1.5 --save graph", "has no extension"),
])
def test_graph_magics_name_the_mistake(shell, line, message):
    text = usage_error(shell, line)
    assert re.search(message, text), text
    assert "--vars" not in text  # %graddag and %jaxpr have no --vars


def test_save_to_a_directory_is_refused_before_the_graph_is_built(shell, tmp_path):
    assert "is a directory" in usage_error(shell, f"%graddag g 1.5 --save {tmp_path}")


def test_any_identifier_is_a_variable(shell):
    r = run_cell_ok(shell, "%taylor sin(θ) + θ**2 --at 0.3 --order 2")
    c = np.asarray(r.coefficients)
    np.testing.assert_allclose(c, [np.sin(0.3) + 0.09, np.cos(0.3) + 0.6, -np.sin(0.3) / 2 + 1], rtol=1e-12)
    assert "θ" in r.to_text()


def test_a_transformed_function_is_titled_as_written(shell):
    assert repr(run_cell_ok(shell, "%jaxpr jax.grad(g) 1.5")).startswith("jax.grad(g): inputs")
    assert repr(run_cell_ok(shell, "%jaxpr g 1.5 --grad")).startswith("grad(g): inputs")


def test_a_fallback_warning_is_one_plain_line_not_stderr(shell):
    with capture_output() as captured:
        run_cell_ok(shell, "%taylor jax.scipy.special.erfinv(x) --at 0.1 --order 3")
    assert captured.stdout.strip().splitlines()[0] == \
        "note: erf_inv: no Taylor rule, falling back to nested jvp (slow at high order)"
    assert "Warning" not in captured.stderr and "polynomial.py" not in captured.stderr


def test_a_pole_or_a_refusal_at_one_prints_no_numpy_warning(shell):
    with capture_output() as captured:
        assert "choose a point inside" in usage_error(shell, "%taylor log(x) --at 0")
        pole = run_cell_ok(shell, "%taylor 1/x --at 0")              # its Laurent series, 1/x
    assert pole.series[0].to_text() == "1/x"
    assert "Warning" not in captured.stderr and "<expression>" not in captured.stderr


def test_custom_jvp_functions_of_constants(shell):
    # relu(2.0) and softplus(1.0) are custom_jvp calls on constants inside a series
    r = run_cell_ok(shell, "%taylor x * relu(2.0) + softplus(1.0) * sin(x) --at 0.7 --order 3")
    s = np.log1p(np.e)
    want = [1.4 + s * np.sin(0.7), 2 + s * np.cos(0.7), -s * np.sin(0.7) / 2, -s * np.cos(0.7) / 6]
    np.testing.assert_allclose(np.asarray(r.coefficients), want, rtol=1e-12)
    graph = run_cell_ok(shell, "%graddag lambda x: x * jax.nn.relu(2.0) 0.7 --values --grads")
    assert "adjoint 2" in graph.to_dot()


def test_two_variables_take_one_range_per_axis(shell):
    r = run_cell_ok(shell, "%taylor x*y + y**2 --at 3,-2 --order 2 --range 2 4 -3 -1 --points 9")
    assert (r.study.grid[0][0], r.study.grid[0][-1]) == (2.0, 4.0)
    assert (r.study.grid[1][0], r.study.grid[1][-1]) == (-3.0, -1.0)
    default = run_cell_ok(shell, "%taylor x*y + y**2 --at 3,-2 --order 2 --points 9")
    assert (default.study.grid[1][0], default.study.grid[1][-1]) == (-5.0, 1.0)   # centred on y0 = -2
    assert "one interval per axis: --range A B C D" in usage_error(shell, "%taylor x*y --at 3,-2 --range 2 4")


def test_a_star_args_function_is_called_as_its_signature_asks(shell):
    run_cell_ok(shell, "def total(*xs):\n    return sum(jnp.sin(x) for x in xs)")
    r = run_cell_ok(shell, "%taylor total --at 0.1,0.2 --order 2")
    c = r.polynomials[2].coefficients
    np.testing.assert_allclose([c[(1, 0)], c[(0, 1)]], [np.cos(0.1), np.cos(0.2)], rtol=1e-12)


def test_saved_pictures_of_widgets_carry_their_size(shell):
    import base64

    from ipython_shell import displayed
    from jaxcalc_ext.display.figures import png_size

    live = run_cell_ok(shell, "%taylor tan(x) --at 0 --order 5 --live")
    explorer = run_cell_ok(shell, "%graddag g 1.5 --explore")
    for widget, scale in ((live, 2), (explorer, 1)):
        data, metadata = displayed(widget)[0]
        width, height = png_size(base64.b64decode(data["image/png"]))
        assert metadata["image/png"] == {"width": width // scale, "height": height // scale}
    live._on_message(live, {"type": "snapshot", "png": "data:image/png;base64," + data["image/png"], "ratio": 1}, [])
    assert live._fallback_scale == 1   # a 1x canvas, as the browser sent it


def test_the_saved_live_picture_has_the_band_and_the_radius_the_text_describes(shell):
    import jax
    import jax.numpy as jnp

    from jaxcalc_ext.display.taylor_figure import draw_study
    from jaxcalc_ext.taylor.live_model import LiveTaylor

    with jax.enable_x64(True):
        live = LiveTaylor(jnp.tan, 0.3, order=7, span=[(-1.5, 1.5)], points=100)
        figure = draw_study(live.study(7), "tan(x)", band=True, radius=live.radius())
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "|f − T₇|" in labels and "radius of convergence" in labels
