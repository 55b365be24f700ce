"""The live view: the radius estimate against closed forms, the moving-centre core against
mpmath, and the widget's kernel side in a real IPython shell (messages in, frames out)."""
import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from ipython_shell import displayed, make_shell, png_bytes, run_cell_ok, usage_error
from jaxcalc_ext.taylor.live_model import LiveTaylor
from jaxcalc_ext.taylor.radius import radius_estimate


def mp_coefficients(fn, x0, order):
    """Taylor coefficients by mpmath at 50 digits (an oracle independent of our engine)."""
    mpmath.mp.dps = 50
    return [float(c) for c in mpmath.taylor(fn, x0, order)]


@pytest.mark.parametrize("name, fn, x0, radius", [
    ("tan at 0", mpmath.tan, 0.0, math.pi / 2),                       # poles at +-pi/2
    ("tan at 0.5", mpmath.tan, 0.5, math.pi / 2 - 0.5),
    ("1/(1+x^2) at 0", lambda x: 1 / (1 + x ** 2), 0.0, 1.0),         # poles at +-i
    ("1/(1+x^2) at 1", lambda x: 1 / (1 + x ** 2), 1.0, math.sqrt(2)),
    ("log at 2", mpmath.log, 2.0, 2.0),                               # branch point at 0
    ("sqrt at 1", mpmath.sqrt, 1.0, 1.0),
    ("tanh at 0.3", mpmath.tanh, 0.3, abs(0.3 + 1j * math.pi / 2)),    # poles at +-i pi/2
])
@pytest.mark.parametrize("order", [20, 40])
def test_radius_estimate_matches_the_distance_to_the_nearest_singularity(name, fn, x0, radius, order):
    estimate = radius_estimate(mp_coefficients(fn, x0, order))
    assert estimate is not None and not estimate.entire, name
    assert abs(estimate.radius / radius - 1) < (0.1 if order == 20 else 0.05), (name, estimate, radius)


@pytest.mark.parametrize("fn, x0", [(mpmath.sin, 0.0), (mpmath.exp, 1.0), (lambda x: mpmath.exp(-x ** 2), 0.5)])
def test_entire_functions_are_called_entire(fn, x0):
    """Called entire, with the radius the highest coefficients support (|c_30|^(-1/30), about
    2.5 for a Gaussian, 11 for exp): 'no singularity within r', never a made-up R."""
    estimate = radius_estimate(mp_coefficients(fn, x0, 30))
    assert estimate.entire and estimate.radius > 2


def test_polynomials_and_short_series_get_no_false_radius():
    assert radius_estimate([1.0, 2.0, 3.0] + [0.0] * 18).entire          # a polynomial: R = inf
    assert radius_estimate([1.0, 1.0, 0.5]) is None                      # too few terms to say


def test_live_core_follows_the_centre_without_recompiling(x64):
    from jaxcalc_ext.taylor.engine import coefficients as engine

    live = LiveTaylor(jnp.tan, 0.0, 5, max_order=20, span=[(-1.5, 1.5)], points=200)
    programs = len(engine._PROGRAMS)
    for c in (0.3, -0.7, 1.2):
        frame = live.frame(center=c, order=7)
        want = mp_coefficients(mpmath.tan, c, 7)
        np.testing.assert_allclose(frame.polynomial.coefficients, want, rtol=1e-12)
        tan_on_grid = np.tan(frame.grid[0])
        np.testing.assert_allclose(frame.values, tan_on_grid, rtol=1e-12)
        assert abs(frame.radius.radius / (math.pi / 2 - abs(c)) - 1) < 0.1
    lower = live.frame(order=2)                                          # a truncation, not a new program
    np.testing.assert_allclose(lower.polynomial.coefficients, mp_coefficients(mpmath.tan, 1.2, 2), rtol=1e-12)
    assert len(engine._PROGRAMS) == programs                             # one program for every centre


def test_live_core_says_why_there_is_no_polynomial_instead_of_drawing_one(x64):
    live = LiveTaylor(jnp.log, 1.0, 4, span=[(0.05, 3.0)], points=100)
    frame = live.frame(center=-0.5)
    assert frame.approximation is None and frame.polynomial is None
    assert "x0" in frame.message and "\n" not in frame.message
    assert live.frame(center=2.0).approximation is not None              # and it recovers


def test_two_variables_follow_a_dragged_centre(x64):
    live = LiveTaylor(lambda x, y: jnp.sin(x) * jnp.cos(y), (0.3, 0.2), 2, points=30)
    frame = live.frame(center=(1.0, -0.5), order=2)
    # T_2 of sin x cos y at (a, b), checked against the closed form of the Hessian expansion
    a, b = 1.0, -0.5
    (x, y) = np.meshgrid(*frame.grid, indexing="xy")
    dx, dy = x - a, y - b
    s, c, sb, cb = math.sin(a), math.cos(a), math.sin(b), math.cos(b)
    want = s * cb + c * cb * dx - s * sb * dy + 0.5 * (-s * cb * dx ** 2 - 2 * c * sb * dx * dy - s * cb * dy ** 2)
    np.testing.assert_allclose(frame.approximation, want, atol=1e-12)


@pytest.fixture(scope="module")
def shell():
    return make_shell()


def test_the_live_magic_answers_frames_and_keeps_a_picture(shell):
    widget = run_cell_ok(shell, "w = %taylor tan(x) --at 0 --order 7 --live --range -1.5 1.5\nw")
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    widget._on_message(widget, {"type": "frame", "seq": 4, "center": [0.4], "order": 9,
                                "span": [[-1.5, 1.5]]}, [])
    reply, buffers = sent[-1]
    assert reply["seq"] == 4 and reply["order"] == 9 and reply["has_polynomial"]
    x, f, t = (np.frombuffer(b, dtype=np.float64) for b in buffers)
    np.testing.assert_allclose(f, np.tan(x), rtol=1e-12)
    coefficients = mp_coefficients(mpmath.tan, 0.4, 9)
    np.testing.assert_allclose(t, np.polynomial.polynomial.polyval(x - 0.4, coefficients), rtol=1e-9, atol=1e-9)
    assert abs(reply["radius"] / (math.pi / 2 - 0.4) - 1) < 0.1
    assert jax.config.jax_enable_x64 is False                             # float64 stayed scoped
    (data, _), = displayed(widget)
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(data)
    assert png_bytes(data)[:4] == b"\x89PNG"


def test_the_live_view_draws_pade_and_a_proved_band_on_request(shell):
    """Issue 27 in the live view: a frame asked with ``pade`` carries the Padé approximant of the
    same order (checked against scipy's from mpmath's coefficients) and tan's pole, and a band
    request, sent once the controls rest, is answered with bounds that hold f (checked against
    numpy's tan) and a one-line claim; a band over the pole is refused with the reason."""
    from scipy.interpolate import pade as scipy_pade

    widget = run_cell_ok(shell, "w = %taylor tan(x) --at 0 --order 6 --live --range -1 1\nw")
    assert widget.certify is True                         # cheap for tan: the band is on by default
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    widget._on_message(widget, {"type": "frame", "seq": 1, "center": [0.2], "order": 6,
                                "span": [[-1.0, 1.0]], "pade": True}, [])
    reply, buffers = sent[-1]
    assert reply["pade_text"] == "Padé [3/3]" and reply["pade_buffer"] == 3
    x, pade_values = (np.frombuffer(buffers[i], dtype=np.float64) for i in (0, 3))
    p, q = scipy_pade(mp_coefficients(mpmath.tan, 0.2, 6), 3, 3)
    np.testing.assert_allclose(pade_values, p(x - 0.2) / q(x - 0.2), rtol=1e-8, atol=1e-10)
    assert reply["singularity"]["kind"] == "pole"
    assert abs(reply["singularity"]["re"] - math.pi / 2) < 1e-6 and reply["singularity"]["im"] == 0
    assert any(abs(pole - math.pi / 2) < 1e-2 for pole in reply["pade_poles"])   # [3/3] puts it at 1.575

    widget._on_message(widget, {"type": "band", "seq": 2, "center": [0.2], "order": 6,
                                "span": [[-1.0, 1.0]]}, [])
    reply, buffers = sent[-1]
    assert reply["type"] == "band" and reply["seq"] == 2 and reply["text"].endswith("guaranteed")
    lower, upper = (np.frombuffer(b, dtype=np.float64) for b in buffers)
    truth = np.array([float(mpmath.tan(v)) for v in x])
    assert np.all(lower <= truth) and np.all(truth <= upper)
    assert np.max(upper - lower) < 0.05                    # and the band is a band, not the plane

    widget._on_message(widget, {"type": "band", "seq": 3, "center": [0.2], "order": 6,
                                "span": [[-1.0, 2.0]]}, [])
    reply, buffers = sent[-1]
    assert reply["seq"] == 3 and "guaranteed" in reply["text"] and "a pole there" in reply["text"]
    lower, upper = (np.frombuffer(b, dtype=np.float64) for b in buffers)
    grid = widget.live.frame().grid[0]
    assert np.all(np.isnan(lower[grid > math.pi / 2])) and np.all(np.isfinite(lower[grid < 1.5]))
    truth = np.tan(grid[grid < 1.5])
    assert np.all(lower[grid < 1.5] <= truth) and np.all(truth <= upper[grid < 1.5])


def test_live_refuses_what_it_cannot_draw(shell):
    assert "--surface" in usage_error(shell, "%taylor sin(x)*cos(y) --at 0,0 --live --surface")
    assert "--laplacian" in usage_error(shell, "%taylor sin(x) --at 0 --live --laplacian")


def test_the_saved_picture_follows_the_last_state(shell, monkeypatch):
    """In a kernel the view and its picture are two outputs; a snapshot replaces the picture's
    output only, so the view is never rebuilt (issue 28); the browser test watches the view."""
    import base64
    import io

    from IPython.display import display
    from IPython.utils.capture import capture_output
    from PIL import Image

    from jaxcalc_ext.display import static_fallback

    monkeypatch.setattr(static_fallback, "_in_a_kernel", lambda: True)   # outputs as a kernel sends them
    widget = run_cell_ok(shell, "%taylor sin(x) --at 0 --order 3 --live")
    first = widget._static_png
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "white").save(buffer, "png")   # the state after dragging, as the canvas sends it
    new_png = buffer.getvalue()
    with capture_output() as captured:
        display(widget)
        widget._on_message(widget, {"type": "snapshot",
                                    "png": "data:image/png;base64," + base64.b64encode(new_png).decode()}, [])
    view, picture, updated = captured.outputs
    assert "application/vnd.jupyter.widget-view+json" in view.data and "image/png" not in view.data
    assert png_bytes(picture.data) == first and not picture.update
    assert png_bytes(updated.data) == new_png and updated.update   # the picture's output, replaced
    assert updated.transient["display_id"] == picture.transient["display_id"]
    assert "application/vnd.jupyter.widget-view+json" not in updated.data    # the view is left alone
    for bad in ("javascript:alert(1)", "data:image/png;base64,@@@not base64",
                "data:image/png;base64," + base64.b64encode(new_png[:40]).decode()):   # a truncated PNG
        widget._on_message(widget, {"type": "snapshot", "png": bad}, [])
        assert widget._static_png == new_png                       # anything but a whole PNG is ignored
    with capture_output() as captured:
        display(widget)                                            # and the widget still shows itself
    assert png_bytes(captured.outputs[1].data) == new_png


def test_a_request_is_always_answered_even_when_f_fails(shell, monkeypatch):
    widget = run_cell_ok(shell, "%taylor sin(x) --at 0 --order 3 --live")
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)

    def broken(**kwargs):
        raise ValueError("user code failed\nwith a second line")

    monkeypatch.setattr(widget.live, "frame", broken)
    widget._on_message(widget, {"type": "frame", "seq": 9, "center": [0.5], "order": 3, "span": [[-3, 3]]}, [])
    assert sent and sent[-1]["seq"] == 9 and not sent[-1]["has_polynomial"]
    assert sent[-1]["message"].startswith("ValueError in your code (line ")     # one line naming the line,
    assert sent[-1]["message"].endswith("user code failed")                  # and the view goes on


def test_crafted_messages_change_nothing_and_every_reply_is_valid_json(shell, caplog):
    """Issue 25: a live view believed every message. A span of [-1e308, 1e308], a centre of NaN,
    an order past the slider, unknown types and a bad snapshot: each is logged in one line and
    changes nothing; a bad frame request is still answered, in JSON without NaN."""
    import json
    import logging

    widget = run_cell_ok(shell, "%taylor sin(x) --at 0 --order 3 --live")
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    state = (list(widget.live.center), widget.live.order, widget.live.span)
    crafted = [{"type": "frame", "seq": 1, "span": [[-1e308, 1e308]]},
               {"type": "frame", "seq": 2, "center": [float("nan")]},
               {"type": "frame", "seq": 3, "order": 10 ** 9},
               {"type": "frame", "seq": 4, "span": "everything"},
               {"type": "band", "seq": 5, "span": [[-1e308, 1e308]]}, {"type": "frame", "seq": 6, "pade": "yes"},
               {"type": "nonsense"}, {"type": "snapshot", "png": 3}, "not even a dict"]
    with caplog.at_level(logging.WARNING, logger="jaxcalc_ext"):
        for message in crafted:
            widget._on_message(widget, message, [])
    assert (list(widget.live.center), widget.live.order, widget.live.span) == state
    assert [m["seq"] for m in sent] == [1, 2, 3, 4, 5, 6]           # every frame and band request answered
    for reply in sent:
        json.dumps(reply, allow_nan=False)                           # valid JSON: no NaN, no infinity
        if reply["type"] == "band":                                  # in kind: a band's refusal, not a frame
            assert reply["text"].startswith("no proved band: the range")
        else:
            assert reply["message"] and not reply["has_polynomial"]
    assert len([r for r in caplog.records if "ignored" in r.getMessage()]) == len(crafted)
    widget._on_message(widget, {"type": "frame", "seq": 7, "center": [0.5], "order": 4}, [])
    assert sent[-1]["has_polynomial"] and sent[-1]["order"] == 4     # and the view goes on


def test_the_explorer_ignores_crafted_messages(shell, caplog):
    import logging

    run_cell_ok(shell, "import jax.numpy as jnp\ndef g(w):\n    return jnp.tanh(w) * jnp.cos(w)")
    explorer = run_cell_ok(shell, "%graddag g 1.5 --explore")
    svg = explorer.svg
    with caplog.at_level(logging.WARNING, logger="jaxcalc_ext"):
        for message in ({"type": "toggle", "id": 3}, {"type": "search", "text": "x" * 10_000}, {"type": "??"}):
            explorer._on_message(explorer, message, [])
    assert explorer.svg == svg and "internal error" not in explorer.message
    assert len([r for r in caplog.records if "ignored" in r.getMessage()]) == 3
