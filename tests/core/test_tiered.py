"""Tiered compilation: the quick first tier and the full tier compute the same series."""
import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import mpmath
import numpy as np

import jaxcalc_ext.core.tiered as tiered
from jaxcalc_ext.taylor.engine.coefficients import taylor_mode
from oracle import mp_taylor, rel_err

f = lambda x: jnp.sin(x) + jnp.cos(x) * jnp.exp(-x ** 2 / 4) + jnp.tanh(x)
f_mp = lambda x: mpmath.sin(x) + mpmath.cos(x) * mpmath.exp(-x ** 2 / 4) + mpmath.tanh(x)


def test_both_tiers_match_mpmath_and_the_full_tier_compiles_in_the_background(x64):
    from jaxcalc_ext.taylor.engine.coefficients import compiled_program
    from jaxcalc_ext.core.tracing import trace_function

    x0, d = np.float64(0.5), np.float64(1.0)
    traced = trace_function(lambda x: f(x) * 1.000001, x0)   # a new program: a new TieredJit
    program = compiled_program("taylor", traced, 50)
    quick = np.asarray(program(traced.consts, x0, d)) / 1.000001
    assert program._promotion is not None            # the first call started the full compile...
    assert program.wait_promoted(timeout=120)         # ...in another thread, which finishes it
    assert program._full._cache_size() == 1
    for _ in range(program.promote_after):
        full = np.asarray(program(traced.consts, x0, d)) / 1.000001
    assert program.promoted and program._full._cache_size() == 1   # no compile on the caller's side
    want = np.asarray(mp_taylor(f_mp, 0.5, 50))
    assert rel_err(quick, want) < 1e-12
    assert rel_err(full, want) < 1e-12


def test_the_quick_tier_solves_without_lapack_and_the_full_tier_with_it(x64):
    from jaxcalc_ext.taylor.engine.series import without_lapack

    program = lambda x0, d: taylor_mode(jnp.exp, 10, x0, d)
    prims = lambda fn: {str(e.primitive) for e in jax.make_jaxpr(fn)(0.5, 1.0).jaxpr.eqns}
    loops = {"while", "scan"}
    assert "triangular_solve" in prims(program) and not loops & prims(program)
    assert "triangular_solve" not in prims(without_lapack(program)) and loops & prims(without_lapack(program))


def test_sin_and_cos_of_one_value_share_one_solve(x64):
    jaxpr = jax.make_jaxpr(lambda x0, d: taylor_mode(lambda x: jnp.sin(x) * jnp.cos(x), 20, x0, d))(0.5, 1.0)
    solves = [e for e in jaxpr.jaxpr.eqns if str(e.primitive) == "triangular_solve"]
    # sin and cos come from one solve for exp(i x); the product needs none
    assert len(solves) == 1


def test_an_option_this_xla_does_not_know_is_dropped(monkeypatch):
    monkeypatch.setattr(tiered, "QUICK_OPTIONS", {"xla_no_such_option_for_tests": 1,
                                                  "xla_backend_optimization_level": 0})
    square = tiered.TieredJit(lambda x: x * x)
    assert float(square(jnp.float32(3.0))) == 9.0
    assert square._quick_options == {"xla_backend_optimization_level": 0}


def test_a_first_call_in_a_fresh_process_does_not_load_lapack():
    # JAX's first LAPACK call loads scipy.linalg (~0.2 s): the first tier must not need it.
    # (The background promotion is held back until the first answer is checked.)
    code = (
        "import json, sys, jax, jax.numpy as jnp\n"
        "jax.config.update('jax_enable_x64', True)\n"
        "from jaxcalc_ext import taylor_coefficients\n"
        "from jaxcalc_ext.core.tiered import TieredJit\n"
        "held, promote = [], TieredJit._promote_in_background\n"
        "TieredJit._promote_in_background = lambda self, args: held.append((self, args))\n"
        "g = lambda x: jnp.tanh(x) / (1 + x**2)\n"
        "c = taylor_coefficients(g, 0.5, 30)\n"
        "first = 'scipy.linalg' in sys.modules\n"
        "for program, args in held:\n"
        "    promote(program, args); program.wait_promoted(120)\n"
        "cs = [taylor_coefficients(g, 0.5, 30) for _ in range(4)]\n"
        "print(json.dumps({'first': first, 'later': 'scipy.linalg' in sys.modules,\n"
        "                  'c': [float(v) for v in c], 'full': [float(v) for v in cs[-1]]}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"] is False and result["later"] is True
    want = np.asarray(mp_taylor(lambda x: mpmath.tanh(x) / (1 + x ** 2), 0.5, 30))
    assert rel_err(np.array(result["c"]), want) < 1e-12
    assert rel_err(np.array(result["full"]), want) < 1e-12


def test_a_large_program_is_promoted_in_the_callers_thread_not_in_the_background(monkeypatch):
    monkeypatch.setattr(tiered, "BACKGROUND_PROMOTION_MAX_S", 0.0)   # every program counts as large
    cube = tiered.TieredJit(lambda x: x * x * x, promote_after=2)
    values = [float(cube(jnp.float32(2.0))) for _ in range(3)]
    assert values == [8.0, 8.0, 8.0]
    assert cube._promotion is None                       # no background compile was started
    assert cube.promoted and cube._full._cache_size() == 1
