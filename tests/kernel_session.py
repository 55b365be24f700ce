"""A real Jupyter kernel for tests, where every reply is matched to its request by ``msg_id``.

A late reply (a slow kernel under load answering the previous request) is never taken for the
current one: iopub messages and the shell reply are both read by their parent ``msg_id``, and
anything else is skipped.
"""
from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    """What the kernel said to one request."""

    status: str
    ename: str = ""
    evalue: str = ""
    outputs: list = field(default_factory=list)   # iopub content of stream/display/result/error messages
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def text(self, name: str | None = None) -> str:
        """Everything printed (stdout, stderr, or one of them) and every text/plain shown."""
        parts = []
        for kind, content in self.outputs:
            if kind == "stream" and (name is None or content.get("name") == name):
                parts.append(content.get("text", ""))
            elif kind in ("display_data", "execute_result") and name is None:
                parts.append(content.get("data", {}).get("text/plain", ""))
        return "".join(parts)

    def mime_types(self) -> list[set]:
        return [set(c.get("data", {})) for kind, c in self.outputs if kind in ("display_data", "execute_result")]


class KernelSession:
    """``with KernelSession(setup) as k: k.run("%taylor sin(x) --at 0")``."""

    def __init__(self, setup: str = "", memory_cap: int | None = 8 << 30) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3")
        cap = (f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({memory_cap}, {memory_cap}))\n"
               if memory_cap else "")
        answer = self.run(cap + setup, timeout=300)
        assert answer.ok, (answer.ename, answer.evalue, answer.text())

    def __enter__(self) -> "KernelSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def alive(self) -> bool:
        return self.manager.is_alive()

    def _shell_reply(self, msg_id: str, deadline: float) -> dict:
        while True:
            try:
                reply = self.client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no shell reply in time") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def _until_idle(self, msg_id: str, deadline: float, code: str) -> list:
        outputs = []
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to {code[:120]!r} in time") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue   # a late message of an earlier request
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return outputs
            if kind in ("stream", "display_data", "execute_result", "error", "update_display_data"):
                outputs.append((kind, msg["content"]))

    def run(self, code: str, timeout: float = 180) -> Answer:
        start = time.monotonic()
        deadline = start + timeout
        msg_id = self.client.execute(code)
        outputs = self._until_idle(msg_id, deadline, code)
        content = self._shell_reply(msg_id, deadline)["content"]
        return Answer(content["status"], content.get("ename", ""), content.get("evalue", ""), outputs,
                      time.monotonic() - start)

    def interrupt_after(self, code: str, seconds: float, timeout: float = 60) -> tuple[float, Answer]:
        """Run ``code``, interrupt it after ``seconds``: (seconds until idle again, the answer)."""
        msg_id = self.client.execute(code)
        time.sleep(seconds)
        interrupted = time.monotonic()
        self.manager.interrupt_kernel()
        outputs = self._until_idle(msg_id, interrupted + timeout, code)
        took = time.monotonic() - interrupted
        content = self._shell_reply(msg_id, time.monotonic() + timeout)["content"]
        return took, Answer(content["status"], content.get("ename", ""), content.get("evalue", ""), outputs, took)
