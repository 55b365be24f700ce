"""DOT text -> SVG/PNG/PDF: Graphviz's ``dot`` on PATH, else the engine bundled in the
``pygraphviz`` wheel (run in a child process so a time limit can stop it).

Both run with a time limit, so a pathological graph cannot hang the kernel. When neither
works, :class:`RenderError` carries a one-line hint and callers fall back to DOT text.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

_PYGRAPHVIZ = (
    "import sys, pygraphviz\n"
    "graph = pygraphviz.AGraph(string=sys.stdin.read())\n"
    "sys.stdout.buffer.write(graph.draw(format=sys.argv[1], prog='dot'))\n"
)

FORMATS = ("svg", "png", "jpg", "pdf")


class RenderError(RuntimeError):
    """No Graphviz engine could render the graph; the message is a one-line hint."""


def engines() -> list[tuple[str, list[str]]]:
    """The render commands to try, in order: (name, argv without the format)."""
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(("dot", [dot]))
    # -I: isolated mode, so a pygraphviz.py (or anything else) in the notebook's folder is never
    # imported by the child, and PYTHON* environment variables are ignored.
    found.append(("pygraphviz", [sys.executable, "-I", "-c", _PYGRAPHVIZ]))
    return found


def render_dot(source: str, fmt: str = "svg", timeout: float = 20.0) -> bytes:
    """Render DOT source to bytes in ``fmt``, trying each engine in turn."""
    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    problems, missing = [], []
    for name, argv in engines():
        args = argv + [f"-T{fmt}"] if name == "dot" else argv + [fmt]
        try:
            done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            problems.append(f"{name} took more than {timeout:g} s")
            continue
        except (OSError, ValueError) as err:
            if isinstance(err, FileNotFoundError):
                missing.append(name)
            problems.append(f"{name}: {err}")
            continue
        if done.returncode == 0 and done.stdout:
            return done.stdout
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"])[-1]
        if "No module named 'pygraphviz'" in last:
            missing.append(name)
        problems.append(f"{name}: {last[:200]}")
    hint = ("install Graphviz (apt-get install graphviz) or pip install pygraphviz"
            if len(missing) == len(problems) else "the graph itself could not be laid out")
    raise RenderError("could not render the graph (" + "; ".join(problems) + f"); showing DOT text: {hint}")
