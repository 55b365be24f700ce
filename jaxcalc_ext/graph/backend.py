"""DOT text -> SVG/PNG/PDF: Graphviz's ``dot`` on PATH, else the engine bundled in the
``pygraphviz`` wheel (run in a child process so a time limit can stop it; the child stays up
between drawings, so the explorer's redraws do not pay Python's start-up and the import).

Both run with a time limit, so a pathological graph cannot hang the kernel. When neither
works, :class:`RenderError` carries a one-line hint and callers fall back to DOT text.
"""
from __future__ import annotations

import atexit
import select
import shutil
import subprocess
import sys
import threading

from ..core.errors import RenderError  # noqa: F401  (defined with every error; callers import it from here too)

FORMATS = ("svg", "png", "jpg", "pdf")

# The long-lived child: reads "FORMAT LENGTH\n" + DOT, answers "ok LENGTH\n" + bytes or
# "err LENGTH\n" + message. Started with -I (nothing from the notebook's folder is imported).
_WORKER = (
    "import sys\n"
    "try:\n"
    "    import pygraphviz\n"
    "except ImportError as err:\n"
    "    pygraphviz, missing = None, str(err)\n"
    "inp, out = sys.stdin.buffer, sys.stdout.buffer\n"
    "while True:\n"
    "    head = inp.readline().split()\n"
    "    if not head: break\n"
    "    source = inp.read(int(head[1])).decode('utf-8')\n"
    "    try:\n"
    "        if pygraphviz is None: raise RuntimeError(missing)\n"
    "        data, kind = pygraphviz.AGraph(string=source).draw(format=head[0].decode(), prog='dot'), b'ok'\n"
    "    except Exception as err:\n"
    "        data, kind = (str(err).strip().splitlines() or ['failed'])[-1].encode(), b'err'\n"
    "    out.write(kind + b' ' + str(len(data)).encode() + b'\\n' + data); out.flush()\n"
)


def engines() -> list[tuple[str, list[str]]]:
    """The render commands to try, in order: (name, argv without the format). ``pygraphviz`` is
    the Python that starts the long-lived drawing child (see :class:`_Worker`)."""
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(("dot", [dot]))
    # -I: isolated mode, so a pygraphviz.py (or anything else) in the notebook's folder is never
    # imported by the child, and PYTHON* environment variables are ignored.
    found.append(("pygraphviz", [sys.executable, "-I"]))
    return found


def render_dot(source: str, fmt: str = "svg", timeout: float = 20.0) -> bytes:
    """Render DOT source to bytes in ``fmt``, trying each engine in turn; an engine that crashes
    is tried once more with the plain style (:func:`.dot.plain_style`)."""
    from .dot import plain_style

    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    problems, missing = [], []
    for name, argv in engines():
        if name == "pygraphviz":
            try:
                return _worker.render(argv, source, fmt, timeout)
            except _WorkerCrashed:
                try:
                    return _worker.render(argv, plain_style(source), fmt, timeout)
                except _WorkerFailed as err:
                    problems.append(f"pygraphviz: {err}")
            except _WorkerFailed as err:
                problems.append(f"pygraphviz: {err}")
                if "No module named 'pygraphviz'" in str(err):
                    missing.append(name)
            continue
        try:
            done = subprocess.run(argv + [f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            problems.append(f"{name} took more than {timeout:g} s")
            continue
        except (OSError, ValueError) as err:
            if isinstance(err, FileNotFoundError):
                missing.append(name)
            problems.append(f"{name}: {err}")
            continue
        if done.returncode < 0 and source != plain_style(source):   # dot crashed (a signal)
            source = plain_style(source)
            done = subprocess.run(argv + [f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                                  timeout=timeout, check=False)
        if done.returncode == 0 and done.stdout:
            return done.stdout
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"])[-1]
        problems.append(f"{name}: {last[:200]}")
    hint = ("install Graphviz (apt-get install graphviz) or pip install pygraphviz"
            if len(missing) == len(problems) else "the graph itself could not be laid out")
    raise RenderError("could not render the graph (" + "; ".join(problems) + f"); showing DOT text: {hint}")


class _WorkerFailed(RuntimeError):
    pass


class _WorkerCrashed(_WorkerFailed):
    """The drawing child died of a signal while drawing (a Graphviz crash, not a missing module)."""


class _Worker:
    """One long-lived ``python -I`` child with pygraphviz loaded; restarted after a time-out or
    a crash. One drawing at a time (a lock): the kernel's threads may ask together. Pipes are
    read with ``os.read`` after ``select``, so a time limit holds however the reply is split."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self, python_argv: list[str]) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(python_argv + ["-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, bufsize=0)
        return self.process

    def _stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                pipe.close()
            self.process = None

    def close(self) -> None:
        """End the child (at exit): it stops when its input closes."""
        with self.lock:
            if self.process is not None:
                self.process.stdin.close()
                try:
                    self.process.wait(2)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
                self.process.stdout.close()
                self.process = None

    def render(self, python_argv: list[str], source: str, fmt: str, timeout: float) -> bytes:
        import time

        with self.lock:
            try:
                process = self._start(python_argv)
                data = source.encode("utf-8")
                process.stdin.write(f"{fmt} {len(data)}\n".encode() + data)   # FileIO: blocks until written
                reply = _Reply(process.stdout.fileno(), time.monotonic() + timeout)
                kind, length = reply.line().split()
                body = reply.exactly(int(length))
            except TimeoutError:    # (an OSError: caught first)
                self._stop()
                raise _WorkerFailed(f"took more than {timeout:g} s") from None
            except (OSError, ValueError) as err:
                code = self.process.poll() if self.process is not None else None
                if code is None and self.process is not None:
                    try:
                        code = self.process.wait(1)
                    except subprocess.TimeoutExpired:
                        code = None
                self._stop()
                if code is not None and code < 0:
                    raise _WorkerCrashed(f"the Graphviz engine crashed (signal {-code})") from None
                raise _WorkerFailed(str(err) or type(err).__name__) from None
            except BaseException:
                # interrupted (KeyboardInterrupt, a cancelled request) while the child draws: its
                # reply would be read as the answer to the next drawing, a wrong picture; it goes
                self._stop()
                raise
            if kind == b"err":
                raise _WorkerFailed(body.decode("utf-8", "replace")[:200])
            return body


class _Reply:
    """Bytes from a pipe, with a deadline."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline, self.buffer = fd, deadline, b""

    def _more(self) -> None:
        import os
        import time

        left = self.deadline - time.monotonic()
        if left <= 0 or not select.select([self.fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            raise OSError("the pygraphviz child ended")
        self.buffer += chunk

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\n", 1)
        return head

    def exactly(self, length: int) -> bytes:
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body


_worker = _Worker()
atexit.register(_worker.close)
