"""A real in-process IPython shell with rich display formatters, for magic tests."""
from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell


def make_shell():
    shell = InteractiveShell.instance()
    shell.display_formatter.active_types = shell.display_formatter.format_types
    shell.run_line_magic("load_ext", "jaxcalc_ext")
    return shell


def displayed(obj) -> list[tuple[dict, dict]]:
    """What a front end receives when ``obj`` is displayed: a (data, metadata) per output."""
    from IPython.display import display
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        display(obj)
    return [(o.data, o.metadata) for o in captured.outputs]


def png_bytes(data: dict) -> bytes:
    import base64

    raw = data["image/png"]
    return base64.b64decode(raw) if isinstance(raw, str) else raw


def run_cell_ok(shell, code):
    result = shell.run_cell(code, store_history=False)
    result.raise_error()
    return result.result


def usage_error(shell, code) -> str:
    """Run code that must fail with a one-line UsageError, leaving the user's variables and
    JAX's float64 switch as they were; return its message."""
    import jax

    variables, x64 = dict(shell.user_ns), jax.config.jax_enable_x64
    result = shell.run_cell(code, store_history=False)
    err = result.error_in_exec or result.error_before_exec
    assert isinstance(err, UsageError), f"expected UsageError, got {err!r}"
    message = str(err)
    assert "\n" not in message and message
    changed = [name for name, value in variables.items() if shell.user_ns.get(name) is not value]
    assert not changed, f"the failed magic changed the user's variables {changed}"
    assert jax.config.jax_enable_x64 == x64
    return message
