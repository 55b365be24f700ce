"""Bounded cost and fresh results: estimates before work, refusals that name what fits,
programs keyed on what was traced. Oracles: closed forms and mpmath."""
import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxcalc_ext as jc
from jaxcalc_ext.core.budget import BudgetError, limits
from jaxcalc_ext.core.progress import Cancelled, Job


# ---------------------------------------------------------------- never stale
def _gaussian_c2(f):
    """c2 of exp(-a x^2) at 0 is -a."""
    return float(jc.taylor_coefficients(f, 0.0, 2)[2])


def test_a_changed_global_is_seen(x64):
    ns = {"jnp": jnp, "a": 1.0}
    exec("def f(x):\n    return jnp.exp(-a * x ** 2)", ns)
    assert _gaussian_c2(ns["f"]) == -1.0
    ns["a"] = 3.0
    assert _gaussian_c2(ns["f"]) == -3.0


def test_closure_cells_attributes_defaults_and_global_arrays_are_seen(x64):
    def make():
        a = 1.0

        def f(x):
            return jnp.exp(-a * x ** 2)

        def set_a(v):
            nonlocal a
            a = v
        return f, set_a

    f, set_a = make()
    assert _gaussian_c2(f) == -1.0
    set_a(2.0)
    assert _gaussian_c2(f) == -2.0

    class Model:
        w = 1.0

        def __call__(self, x):
            return jnp.exp(-self.w * x ** 2)

    m = Model()
    assert _gaussian_c2(m) == -1.0
    m.w = 0.5
    assert _gaussian_c2(m) == -0.5

    def g(x, a=1.0):
        return jnp.exp(-a * x ** 2)
    assert _gaussian_c2(g) == -1.0
    g.__defaults__ = (4.0,)
    assert _gaussian_c2(g) == -4.0

    weights = {"w": jnp.array([1.0, 2.0])}
    h = lambda x: jnp.exp(-jnp.sum(weights["w"]) * x ** 2)  # noqa: E731  (an array constant)
    assert _gaussian_c2(h) == -3.0
    weights["w"] = jnp.array([1.0, 5.0])
    assert _gaussian_c2(h) == -6.0


def test_same_program_compiles_once(x64):
    from jaxcalc_ext.taylor.engine import coefficients as engine

    before = set(engine._PROGRAMS._programs)   # the cache may be full: count the new keys
    for _ in range(3):
        jc.taylor_coefficients(lambda x: jnp.sin(x) * 1.2345, 0.3, 7)  # a new lambda each time
    assert len(set(engine._PROGRAMS._programs) - before) == 1


def test_laplacian_and_operators_see_changes(x64):
    ns = {"jnp": jnp, "a": 1.0}
    exec("def f(v):\n    return a * jnp.sum(v ** 2)", ns)
    assert float(jc.laplacian(ns["f"], jnp.ones(3))) == 6.0
    assert float(jc.derivative_operators(ns["f"], (1.0, 2.0)).laplacian) == 4.0
    ns["a"] = 2.0
    assert float(jc.laplacian(ns["f"], jnp.ones(3))) == 12.0
    assert float(jc.derivative_operators(ns["f"], (1.0, 2.0)).laplacian) == 8.0


# ---------------------------------------------------------------- refused before it is paid
def test_large_order_in_two_variables_is_refused_with_an_order_that_fits(x64):
    with limits(seconds=5.0):
        with pytest.raises(BudgetError) as err:
            jc.taylor_polynomial(lambda x, y: jnp.sin(x) * jnp.cos(y), (0.1, 0.2), 400)
    message = str(err.value)
    assert "order 400 in 2 variables" in message and "JaxCalc.time_limit" in message
    fitting = int(message.rsplit("order <= ", 1)[1].split()[0])
    assert 10 <= fitting < 400
    assert "\n" not in message


def test_memory_limit_refuses_a_wide_high_order_request(x64):
    w = jnp.linspace(0.1, 1.0, 2000)
    with limits(memory_bytes=50e6):
        with pytest.raises(BudgetError, match=r"needs ~.*GB.*JaxCalc.memory_limit.*order <= \d+ fits"):
            jc.taylor_coefficients(lambda x: jnp.sin(w * x), 0.3, 1000)
        # a request that fits still runs, and is right: d^k/dx^k sin(w x) = w^k sin(w x + k pi/2)
        c = np.asarray(jc.taylor_coefficients(lambda x: jnp.sin(w * x), 0.3, 3))
        k = 3
        expected = np.asarray(w) ** k * np.sin(np.asarray(w) * 0.3 + k * np.pi / 2) / math.factorial(k)
        np.testing.assert_allclose(c[3], expected, rtol=1e-12)


def test_nested_fallback_is_bounded_and_names_the_primitive(x64, monkeypatch):
    from jaxcalc_ext.taylor.engine import rules

    monkeypatch.delitem(rules.TAYLOR_RULES, "reduce_prod")
    with pytest.warns(RuntimeWarning):
        jc.taylor_coefficients(lambda x: jnp.prod(jnp.stack([x, jnp.sin(x)])), 0.5, 3)
    with pytest.raises(BudgetError, match="'reduce_prod' has no Taylor rule.*nested jvp"):
        jc.taylor_coefficients(lambda x: jnp.prod(jnp.stack([x, jnp.sin(x)])), 0.5, 30)


def test_reduce_prod_has_a_taylor_rule(x64):
    f = lambda x: jnp.prod(jnp.stack([x, x ** 2, jnp.sin(x)]))  # noqa: E731  = x^3 sin x
    c = np.asarray(jc.taylor_coefficients(f, 0.5, 25, method="taylor"))
    mpmath.mp.dps = 40
    truth = [float(v) for v in mpmath.taylor(lambda t: t ** 3 * mpmath.sin(t), mpmath.mpf("0.5"), 25)]
    np.testing.assert_allclose(c, truth, rtol=1e-12, atol=1e-300)


def test_hessian_and_laplacian_of_many_variables_match_closed_forms(x64):
    n = 120
    v = np.linspace(-1.0, 1.0, n)
    ops = jc.derivative_operators(lambda x: jnp.sum(jnp.sin(x)) + jnp.sum(x) ** 2, v)
    expected = np.diag(-np.sin(v)) + 2.0
    np.testing.assert_allclose(ops.hessian, expected, atol=1e-12)
    np.testing.assert_allclose(ops.gradient, np.cos(v) + 2 * v.sum(), atol=1e-12)
    assert abs(ops.laplacian - (-np.sin(v).sum() + 2 * n)) < 1e-10


def test_hessian_memory_is_checked(x64):
    with limits(memory_bytes=1e6):
        with pytest.raises(BudgetError, match="300x300"):
            jc.derivative_operators(lambda x: jnp.sum(x ** 2), np.ones(300))


def test_chunked_lattice_passes_match_one_pass_and_sympy(x64):
    import sympy

    f = lambda x, y: jnp.exp(x) * jnp.cos(y)  # noqa: E731
    with limits(memory_bytes=4e6):  # forces small chunks of directions (a quarter of the limit each)
        chunked = jc.taylor_polynomial(f, (0.2, 0.1), 12)
    X, Y = sympy.symbols("X Y")
    expr = sympy.exp(X) * sympy.cos(Y)
    for alpha, c in chunked.coefficients.items():
        a, b = alpha
        truth = float(sympy.diff(expr, X, a, Y, b).subs({X: 0.2, Y: 0.1})) / (math.factorial(a) * math.factorial(b))
        assert abs(float(c) - truth) <= 1e-11 * max(1.0, abs(truth))


def test_a_cancelled_job_stops_between_chunks(x64):
    job = Job()
    job.cancel()
    with limits(memory_bytes=4e6), job.active():
        with pytest.raises(Cancelled):
            jc.taylor_polynomial(lambda x, y: jnp.exp(x) * jnp.cos(y), (0.2, 0.1), 12)


def test_plots_check_what_can_be_drawn_before_computing(x64):
    from jaxcalc_ext.taylor.study import taylor_study

    calls = []

    def f(x, y, z, w):
        calls.append(1)
        return x + y + z + w
    with pytest.raises(jc.JaxCalcError, match="4 variables"):
        taylor_study(f, (1.0, 2.0, 3.0, 4.0), [30])
    assert not calls
    with pytest.raises(jc.JaxCalcError, match="at most 12"):
        taylor_study(jnp.sin, 0.5, list(range(20)))
    with limits(memory_bytes=1e6):
        with pytest.raises(BudgetError, match=r"points=\d+ fits"):   # the library's spelling; the magic's is --points
            taylor_study(lambda x, y: jnp.sin(x) * y, (0.1, 0.2), [2], points=1000)


# ---------------------------------------------------------------- isolation
def test_render_child_ignores_modules_in_the_working_directory(tmp_path, monkeypatch):
    from jaxcalc_ext.graph import backend as render

    marker = tmp_path / "imported"
    (tmp_path / "pygraphviz.py").write_text(f"open({str(marker)!r}, 'w').write('yes')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(render.shutil, "which", lambda name: None)  # force the pygraphviz child
    svg = render.render_dot("digraph { a -> b }", "svg")
    assert b"<svg" in svg
    assert not marker.exists()


def test_render_failure_names_what_failed(monkeypatch):
    from jaxcalc_ext.graph import backend as render

    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    with pytest.raises(render.RenderError) as err:
        render.render_dot("digraph { a -> \n", "svg")  # a syntax error in the DOT text
    assert "install Graphviz" not in str(err.value)
    assert "could not be laid out" in str(err.value)


def test_limits_validate_their_values():
    with pytest.raises(jc.JaxCalcError):
        jc_limits = __import__("jaxcalc_ext.core.budget", fromlist=["set_limits"])
        jc_limits.set_limits(memory_bytes=-1)


def test_a_cell_that_flips_jax_config_is_undone_and_save_says_it_replaced(tmp_path):
    from tests.ipython_shell import make_shell, run_cell_ok

    shell = make_shell()
    assert not jax.config.jax_enable_x64
    run_cell_ok(shell, "%%taylor --at 0.5 --order 2\n"
                       "jax.config.update('jax_enable_x64', True)\n"
                       "def f(x):\n    return jnp.sin(x)")
    assert not jax.config.jax_enable_x64
    target = tmp_path / "g.dot"
    target.write_text("old")
    shell.user_ns["target"] = str(target)
    graph = run_cell_ok(shell, "%graddag lambda w: jnp.sin(w) * w 1.5 --save $target")
    assert "replaced the file that was there" in repr(graph)
    assert target.read_text().startswith("digraph")


def test_config_magic_sets_the_limits():
    from jaxcalc_ext.core.budget import LIMITS
    from tests.ipython_shell import make_shell, run_cell_ok

    shell = make_shell()
    saved = LIMITS.seconds
    try:
        run_cell_ok(shell, "%config JaxCalc.time_limit = 7.5")
        assert LIMITS.seconds == 7.5
    finally:
        run_cell_ok(shell, f"%config JaxCalc.time_limit = {saved}")
