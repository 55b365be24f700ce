"""%jaxpr and %graddag in a real IPython shell."""
import jax
import pytest

from ipython_shell import displayed, make_shell, png_bytes, run_cell_ok, usage_error


@pytest.fixture(scope="module")
def shell():
    shell = make_shell()
    run_cell_ok(shell, "import jax, jax.numpy as jnp\n"
                       "def g(w):\n    return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)\n"
                       "def f(x):\n    return x**2 + jnp.exp(x)\n"
                       "def loss(params, batch):\n    return jnp.sum((params['w'] * batch - 1.0) ** 2)\n"
                       "params = {'w': jnp.ones(3)}\nbatch = jnp.arange(3.0)")
    return shell


def test_jaxpr_of_the_seed_function_and_its_gradient(shell):
    r = run_cell_ok(shell, "%jaxpr f 3.0 --compare")
    plain, grad = r.views
    assert [row["primitive"] for row in plain.table] == ["integer_pow", "exp", "add"]
    assert plain.table[0]["params"] == "y=2" and plain.table[2]["inputs"] == "b, c"
    assert grad.stats["equations"] > plain.stats["equations"]
    assert "add_any" in grad.stats["primitives"]
    data, _ = shell.display_formatter.format(r)
    assert "<table>" in data["text/html"] and "integer_pow" in data["text/html"]
    assert "equations" in data["text/plain"]


@pytest.mark.parametrize("option,expected", [("--grad", "grad"), ("--jvp", "jvp"), ("--vjp", "vjp"),
                                             ("--hessian", "hessian"), ("--taylor 20", "taylor20")])
def test_jaxpr_transformations(shell, option, expected):
    r = run_cell_ok(shell, f"%jaxpr g 1.5 {option}")
    assert r.views[0].label.startswith(expected)
    assert r.views[0].stats["equations"] > 0


def test_taylor_program_size_does_not_grow_with_the_order(shell):
    small = run_cell_ok(shell, "%jaxpr g 1.5 --taylor 5").views[0].stats["equations_nested"]
    large = run_cell_ok(shell, "%jaxpr g 1.5 --taylor 80").views[0].stats["equations_nested"]
    assert large == small


def test_jaxpr_with_several_arguments(shell):
    r = run_cell_ok(shell, "%jaxpr loss params, batch --grad")
    assert r.views[0].stats["inputs"] == 2


def test_graddag_textbook_with_values_and_adjoints(shell):
    graph = run_cell_ok(shell, "%graddag g 1.5 --values --grads")
    assert f"{float(graph.node('tanh').value):.3g}" == "0.905"
    assert f"{float(graph.node('cos').adjoint):.3g}" == "0.905"
    (data, metadata), = displayed(graph)          # one output: a PNG, which shows untrusted too
    assert set(data) == {"image/png", "text/plain"}
    assert png_bytes(data)[:4] == b"\x89PNG" and metadata["image/png"]["width"] > 0
    assert "0.9051" in data["text/plain"] and "0.9051" in graph.svg()  # the table beside it
    assert jax.config.jax_enable_x64 is False


def test_graddag_of_an_expression_and_save(shell, tmp_path):
    path = tmp_path / "grad.svg"
    graph = run_cell_ok(shell, f"%graddag jax.grad(g) 1.5 --values --rankdir TB --save {path}")
    assert path.read_text().lstrip().startswith("<?xml")
    assert {n.phase for n in graph.nodes if n.kind == "op"} == {"forward", "backward"}


BAD = [
    ("%graddag nope 1.0", "unknown name 'nope'"),
    ("%graddag g", "arguments"),
    ("%graddag g 1.0, 2.0", "positional argument"),
    ("%graddag lambda x: jnp.stack([x, x]) 1.0 --grads", "scalar output"),
    ("%graddag g 1.5 --save out.txt", ".txt"),
    ("%graddag g 1.5 --rankdir XY", "rankdir"),
    ("%jaxpr g(1.5", "syntax error"),
    ("%jaxpr g 1.5 --grad --hessian", "one transformation"),
    ("%graddag np_bad 1.0", "NumPy"),
]


@pytest.mark.parametrize("line,expected", BAD, ids=[b[1] for b in BAD])
def test_graph_magics_bad_input(shell, line, expected):
    import numpy

    shell.user_ns["np_bad"] = lambda x: numpy.sin(x)
    message = usage_error(shell, line)
    assert expected in message


def test_jaxpr_output_has_no_terminal_colour_codes_even_when_jax_colours(shell, monkeypatch):
    from jax._src import pretty_printer

    # as in a Jupyter kernel, where JAX decides that it may colour its printout
    monkeypatch.setattr(pretty_printer, "CAN_USE_COLOR", True)
    r = run_cell_ok(shell, "%jaxpr f 3.0 --compare")
    data, _ = shell.display_formatter.format(r)
    assert "\x1b" not in data["text/html"] and "\x1b" not in data["text/plain"]
    assert "integer_pow" in data["text/html"]


@pytest.mark.parametrize("error, words", [
    # the two forms a fuzz campaign saw XLA run out of memory in (issue 25), in a capped kernel
    ("ValueError: RESOURCE_EXHAUSTED: Out of memory allocating 4000000 bytes.", "ran out of memory"),
    ("JaxRuntimeError: INTERNAL: Error dispatching computation: Error dispatching computation: x",
     "short of memory or threads"),
])
def test_running_out_of_memory_while_computing_is_one_line_and_the_next_request_works(shell, monkeypatch,
                                                                                        error, words):
    from jaxcalc_ext.graph import assemble

    kind, text = error.split(": ", 1)
    raised = ValueError(text) if kind == "ValueError" else jax.errors.JaxRuntimeError(text)

    def out_of_memory(*args, **kwargs):
        raise raised

    real = assemble.forward_values
    monkeypatch.setattr(assemble, "forward_values", out_of_memory)
    message = usage_error(shell, "%graddag lambda w: jnp.sin(w) * w 0.5 --values")
    assert words in message and "ask for less" in message
    monkeypatch.setattr(assemble, "forward_values", real)
    assert run_cell_ok(shell, "%graddag lambda w: jnp.sin(w) * w 0.5 --values") is not None
