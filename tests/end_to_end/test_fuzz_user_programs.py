"""Issue 25, item 2: a fuzzer of user programs (tests/user_programs.py), each run through
%taylor, %jaxpr and %graddag in a real Jupyter kernel. For every program: an answer or a one-line
UsageError within the time limit, the kernel alive, the user's variables and jax.config as they
were; where an oracle exists, the answer right or refused: the Taylor coefficients against
one-sided finite differences on each side of x0 (an answer at a kink or a jump is wrong) and
JAX's own derivatives, the drawn adjoint against jax.grad, the jaxpr against jax.make_jaxpr.

``make test`` runs a derandomized slice; ``make fuzz`` runs FUZZ_PROGRAMS (default 2000) fresh
ones and prints what it saw.
"""
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("jupyter_client")
from kernel_session import KernelSession  # noqa: E402
from user_programs import SETUP, programs  # noqa: E402

FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_PROGRAMS", "2000")) if FUZZING else 24
TIME_LIMIT = 20          # %config JaxCalc.time_limit in SETUP
SEEN = {"programs": 0, "taylor": {}, "jaxpr": {}, "graddag": {}}

CHECK = r"""
_x0 = {x0!r}
_report = {{name: probe(name, line, f) for name, line in [
    ("taylor", "f --at {x0!r} --order 3"), ("jaxpr", "f {x0!r}"), ("graddag", "f {x0!r} --values --grads")]}}
with jax.enable_x64(True):
    _h = 1e-6 * max(1.0, abs(_x0))
    try:
        _v = [float(jnp.ravel(jnp.asarray(f(jnp.float64(_x0 + d)), dtype=float))[0]) for d in (-_h, 0.0, _h)]
        _report["samples"] = _v
        _report["h"] = _h
    except BaseException as _err:
        _report["samples"] = None
    try:   # JAX's own derivatives in float64, for the Taylor coefficients
        _d = jax.grad(lambda t: jnp.asarray(f(t), dtype=float).sum())
        _report["grad64"] = float(_d(jnp.float64(_x0)))
        _report["second"] = float(jax.grad(_d)(jnp.float64(_x0)))
    except BaseException:
        _report["grad64"] = None
try:   # and in the user's own dtypes, as %graddag draws the program they run
    _report["grad"] = float(jax.grad(lambda t: jnp.asarray(f(t)).sum())(_x0))
except BaseException:
    _report["grad"] = None
_report["eqns"] = None
try:
    _report["eqns"] = len(jax.make_jaxpr(f)(_x0).jaxpr.eqns)
except BaseException:
    pass
_report["untouched"] = (marker == [1, 2, 3] and not jax.config.jax_enable_x64
                        and bool((np.asarray(lin.weight) == lin_weight_before).all()))
print("REPORT" + json.dumps(_report, default=str))
"""


class Kernels:
    """The fuzzer's kernel, started afresh after a program killed it (that program fails; the
    next ones are not blamed for it)."""

    def __init__(self):
        self.session = KernelSession(SETUP)

    def alive(self) -> KernelSession:
        if not self.session.alive():
            self.session.close()
            self.session = KernelSession(SETUP)
        return self.session


@pytest.fixture(scope="module")
def kernels():
    holder = Kernels()
    yield holder
    holder.session.close()
    if FUZZING:
        print("\nfuzzer:", json.dumps(SEEN, indent=1))


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance


@pytest.mark.timeout(0 if FUZZING else 900)   # make fuzz runs as long as it is asked to
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not FUZZING,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_every_user_program_gets_an_answer_or_one_line(kernels, program):
    kernel = kernels.alive()
    code = program.source + CHECK.format(x0=program.x0)
    try:
        answer = kernel.run(code, timeout=3 * 4 * TIME_LIMIT + 120)
    except AssertionError:   # no answer: the kernel died, or hangs
        SEEN.setdefault("killed", []).append(program.source)
        pytest.fail(f"no answer (kernel alive: {kernel.alive()}) to\n{program.source}")
    assert kernel.alive(), program.source
    assert answer.ok, (program.source, answer.ename, answer.evalue)
    line = next(l for l in answer.text("stdout").splitlines() if l.startswith("REPORT"))
    report = json.loads(line[len("REPORT"):])
    SEEN["programs"] += 1
    assert report["untouched"], program.source
    for name in ("taylor", "jaxpr", "graddag"):
        outcome = report[name]
        SEEN[name][outcome["status"]] = SEEN[name].get(outcome["status"], 0) + 1
        if outcome["status"] == "raised":
            SEEN.setdefault("raised", []).append((name, outcome, program.source))
        assert outcome["status"] in ("ok", "usage"), (name, program.source, outcome)
        if outcome["status"] == "usage":
            assert outcome["message"] and "\n" not in outcome["message"], (name, outcome)
            reason = " ".join(outcome["message"].replace("(", " ").split()[:6])
            reasons = SEEN.setdefault("reasons", {}).setdefault(name, {})
            reasons[reason] = reasons.get(reason, 0) + 1
        assert outcome["seconds"] <= 3 * TIME_LIMIT + 15, (name, program.source, outcome["seconds"])
    if program.raises:
        for name in ("taylor", "jaxpr", "graddag"):
            assert report[name]["status"] == "usage" and program.raises.split(".")[-1] in report[name]["message"], \
                (name, report[name])
        return
    _taylor_is_right_or_refused(program, report)
    _adjoint_is_jax(program, report)
    if report["jaxpr"]["status"] == "ok" and report["eqns"] is not None and "lin(" not in program.source:
        assert report["jaxpr"]["equations"] == report["eqns"], (program.source, report["jaxpr"], report["eqns"])


def _taylor_is_right_or_refused(program, report) -> None:
    """An answered expansion agrees with f on both sides of x0: its value with f(x0), its slope
    with the one-sided finite differences left and right (a kink or a jump must be refused),
    and, where JAX's own rules are the function's, its second coefficient with jax's."""
    taylor, samples = report["taylor"], report["samples"]
    if taylor["status"] != "ok" or not program.scalar or samples is None or "coefficients" not in taylor:
        return
    c = taylor["coefficients"]
    left, middle, right = samples
    h = report["h"]
    import math

    if not all(math.isfinite(v) for v in (left, middle, right, *c[:3])):
        return
    scale = max(1.0, abs(middle), abs(c[1]))
    assert _close(c[0], middle, 1e-9 * scale), (program.source, program.x0, c, samples)
    slack = 1e-3 * scale + 4 * abs(c[2]) * h + 1e-7 * max(1.0, abs(middle)) / h
    for one_sided in ((middle - left) / h, (right - middle) / h):
        assert _close(c[1], one_sided, slack), ("a slope neither side has", program.source, program.x0, c, samples)
    if program.smooth and report["grad64"] is not None and math.isfinite(report["second"]):
        assert _close(c[1], report["grad64"], 1e-8 * scale), (program.source, c, report["grad64"])
        assert _close(2 * c[2], report["second"], 1e-6 * max(1.0, abs(report["second"]))), (program.source, c, report)


def _adjoint_is_jax(program, report) -> None:
    """The adjoint drawn for x is jax.grad's; where JAX has no gradient, none is drawn."""
    graph = report["graddag"]
    if graph["status"] != "ok" or not program.scalar:
        return
    if report["grad"] is None:
        return
    if "adjoint" in graph:
        import math

        got = sum(graph["adjoint"])
        if math.isfinite(report["grad"]):
            # the same float32 program, its reverse pass in another order of sums: a few ulps
            assert _close(got, report["grad"], 1e-5 * max(1.0, abs(report["grad"]))), (program.source, got, report["grad"])
