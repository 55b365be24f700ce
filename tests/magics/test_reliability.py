"""A magic never takes the kernel down: the requests that used to exhaust memory or kill the
kernel, replayed in a real Jupyter kernel under an 8 GB address-space cap, each giving a
result or a one-line UsageError; interrupts honoured within 2 s; state and config untouched."""
import queue
import time

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

SETUP = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
import jax, jax.numpy as jnp
marker = [1, 2, 3]
%load_ext jaxcalc_ext
%config JaxCalc.time_limit = 20
"""

# (line, expected: "ok" or a fragment of the UsageError)
SEQUENCE = [
    ("%taylor sin(x)*cos(y) --at 0.1,0.2 --points 5000", "--points must be between 2 and 2000"),
    ("%taylor sum(sin(v)**2) --at jnp.linspace(0, 1, 60) --laplacian", "ok"),
    ("%taylor sum(sin(v)**2) --at jnp.linspace(0, 1, 100) --laplacian", "ok"),
    ("%taylor sum(sin(v)**2) --at jnp.linspace(0, 1, 300) --laplacian", "ok"),
    ("%taylor sin(x)*cos(y) --at 0.1,0.2 --order 200", "order <="),
    ("%taylor sin(x)*cos(y) --at 0.1,0.2 --order 1000", "order <="),
    ("%taylor x+y+z+w --at 1,2,3,4 --order 30", "cannot draw a function of 4 variables"),
    ("%taylor prod(stack([x, x**2, sin(x)])) --at 0.5 --order 12", "ok"),
    ("%taylor sin(x) --at 0.5 --order " + ",".join(str(k) for k in range(0, 1001, 50)), "at most 12"),
]


@pytest.fixture(scope="module")
def kernel():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        reply, _ = _run(kc, SETUP)
        assert reply["content"]["status"] == "ok", reply["content"]
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc, code, timeout=120):
    msg_id = kc.execute(code)
    errors = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no answer to {code!r} within {timeout} s")
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error":
            errors.append(msg["content"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    return reply, errors


def _state_is_untouched(kc):
    reply, errors = _run(kc, "assert marker == [1, 2, 3] and not jax.config.jax_enable_x64")
    assert reply["content"]["status"] == "ok", errors


@pytest.mark.parametrize("line, expected", SEQUENCE, ids=[s[0][:50] for s in SEQUENCE])
def test_each_request_answers_cleanly_and_the_kernel_lives(kernel, line, expected):
    km, kc = kernel
    reply, errors = _run(kc, line)
    content = reply["content"]
    if expected == "ok":
        assert content["status"] == "ok", errors
    else:
        assert content["status"] == "error"
        assert content["ename"] == "UsageError", content
        assert expected in content["evalue"] and "\n" not in content["evalue"], content["evalue"]
    assert km.is_alive()
    _state_is_untouched(kc)


def test_an_interrupt_returns_within_two_seconds(kernel):
    km, kc = kernel
    took = _interrupt_after(km, kc, "%taylor sin(x)*cos(y) --at 0.1,0.2 --order 150", 2.0)  # inside ~10 s of work
    assert took < 2.0, f"the interrupt took {took:.2f} s"
    assert km.is_alive()
    _state_is_untouched(kc)
    reply, errors = _run(kc, "r = %taylor sin(x) --at 0 --order 3\nassert abs(r.coefficients[3] + 1/6) < 1e-15")
    assert reply["content"]["status"] == "ok", errors


def _interrupt_after(km, kc, code: str, seconds: float) -> float:
    """Run ``code``, interrupt it after ``seconds``; the seconds until the kernel was idle again."""
    msg_id = kc.execute(code)
    time.sleep(seconds)
    interrupted = time.monotonic()
    km.interrupt_kernel()
    while True:
        msg = kc.get_iopub_msg(timeout=30)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    took = time.monotonic() - interrupted
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt", reply
    return took


def _timed(kc, code: str) -> float:
    start = time.monotonic()
    reply, errors = _run(kc, code)
    assert reply["content"]["status"] == "ok", errors
    return time.monotonic() - start


def test_after_interrupting_anything_the_next_request_starts_at_once(kernel):
    """Issue 21 part 6: a user function that sleeps and a 20,000-operation graph build cannot be
    stopped from outside; interrupted, they are left to finish in the background and the next
    request does not wait for them. Times are relative to the same request before."""
    km, kc = kernel
    reply, errors = _run(kc, """
import time
def sleepy(x):
    time.sleep(60)
    return jnp.sin(x)
def deeper(x):
    for _ in range(7000):
        x = jnp.sin(x) * 0.9 + 0.1
    return x
""")
    assert reply["content"]["status"] == "ok", errors
    before = _timed(kc, "%taylor sin(x) * 1.5 --at 0.3 --order 5")          # a fresh compile
    _interrupt_after(km, kc, "%taylor sleepy --at 0.3", 1.0)                # user Python, sleeping
    after = _timed(kc, "%taylor cos(x) * 1.5 --at 0.3 --order 5")          # as fresh a compile
    assert after <= 1.5 * before + 2.0, f"after a sleeping function: {after:.1f} s (before: {before:.1f} s)"
    _interrupt_after(km, kc, "%graddag jax.grad(deeper) 1.0 --values", 2.0)   # a graph build
    after = _timed(kc, "%taylor tan(x) * 1.5 --at 0.3 --order 5")
    # JAX's own tracing of the interrupted gradient cannot be stopped and shares the interpreter
    # with the new request until it reaches the builder's next checkpoint: the new request starts
    # at once, and may finish up to its own time later on a 2-core machine
    assert after <= 2.0 * before + 2.5, f"after a graph build: {after:.1f} s (before: {before:.1f} s)"
    assert km.is_alive()
    _state_is_untouched(kc)


def test_after_interrupting_tracing_or_drawing_the_next_request_starts_at_once(kernel):
    """Issue 21 part 6, the other two kinds of work: JAX tracing a 30,000-operation function (it
    cannot be stopped from outside: abandoned, it finishes in the background) and Graphviz
    drawing every one of 7,000 nodes (its child process is ended, so its late picture can
    never answer the next drawing). Times are relative to the same requests before."""
    km, kc = kernel
    reply, errors = _run(kc, """
def long_trace(x):
    for _ in range(30000):
        x = x * 1.0001
    return x
def chain(x):
    for _ in range(7000):
        x = jnp.sin(x) * 0.9 + 0.1
    return x
""")
    assert reply["content"]["status"] == "ok", errors
    before = _timed(kc, "%taylor sin(x) * 2.5 --at 0.3 --order 5")
    drawing_before = _timed(kc, "%graddag lambda w: jnp.tanh(w) * w 0.5")
    _interrupt_after(km, kc, "%taylor long_trace --at 0.3 --order 3", 1.0)       # JAX tracing
    after = _timed(kc, "%taylor cos(x) * 2.5 --at 0.3 --order 5")
    assert after <= 2.0 * before + 2.5, f"after tracing: {after:.1f} s (before: {before:.1f} s)"
    _interrupt_after(km, kc, "%graddag chain 1.0 --max-nodes 0", 4.0)            # drawing 7,000 nodes
    after = _timed(kc, "%graddag lambda w: jnp.cos(w) * w 0.5")
    assert after <= 2.0 * drawing_before + 2.5, f"after drawing: {after:.1f} s (before: {drawing_before:.1f} s)"
    assert km.is_alive()
    _state_is_untouched(kc)
