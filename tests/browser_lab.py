"""JupyterLab in a real headless browser: Debian's chromium driven by playwright.

Used by ``tests/end_to_end/test_browser.py`` and ``benchmarks/live_latency.py``. The server runs in a
temporary folder with a random token and port; it is stopped by PID at the end (a server left
behind makes the next one move silently to another port).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--force-device-scale-factor=2"]


def browser_path() -> str | None:
    return next((p for p in BROWSER_CANDIDATES if os.path.exists(p)), None)


def why_no_browser() -> str | None:
    """None when the browser tests can run here, else the reason."""
    if browser_path() is None:
        return "no chromium (apt-get install chromium)"
    for module in ("playwright", "jupyterlab", "anywidget"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` on a free port over ``root``, with the app exposed to page scripts
    (``window.jupyterapp``) so tests can run commands such as Run All."""

    def __init__(self, root: Path, app: str = "lab", nodelay: bool = True) -> None:
        self.root, self.token, self.port = Path(root), secrets.token_hex(16), _free_port()
        self.app, self.nodelay = app, nodelay
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> "LabServer":
        command = [sys.executable, "-m", "jupyter", self.app, "--allow-root", "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True"]
        if self.nodelay:  # our server extension (enabled by pip install's config file; an editable
            command.append("--ServerApp.jpserver_extensions=jaxcalc_ext.hooks.server=True")  # install has none)
        self.log = open(self.root / ".server.log", "wb")
        # JupyterLab's "get notified about official Jupyter news?" toast lands over the cells'
        # controls at an unpredictable moment: answered "no" in the settings it reads
        settings = self.root / ".lab-settings"
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}')
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                        env={**os.environ, "JUPYTER_NO_CONFIG": "1",
                                             "JUPYTERLAB_SETTINGS_DIR": str(settings)})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited: {(self.root / '.server.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"jupyter {self.app} did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        with contextlib.suppress(Exception):
            self.log.close()

    def page_url(self, notebook: str, workspace: str | None = None) -> str:
        if self.app == "notebook":
            return f"{self.url}/notebooks/{notebook}?token={self.token}"
        workspace = workspace or secrets.token_hex(4)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={self.token}"


@contextlib.contextmanager
def lab(root: Path, app: str = "lab", nodelay: bool = True):
    """A running JupyterLab (or Notebook 7 with ``app="notebook"``) and a playwright browser."""
    from playwright.sync_api import sync_playwright

    server = LabServer(root, app, nodelay).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path(), args=CHROMIUM_ARGS,
                                        headless=True)
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.stop()


def open_notebook(browser, server: LabServer, notebook: str, width: int = 1280, height: int = 900):
    """A page with every cell of the notebook attached, sources shown (and its console errors
    collected in ``page.errors``). JupyterLab and Notebook 7 attach a long notebook's cells a
    few at a time: waiting for the first cell is not waiting for the notebook."""
    import nbformat

    cells = nbformat.read(str(server.root / notebook), as_version=4).cells
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=2)
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.page_url(notebook), wait_until="domcontentloaded")
    page.wait_for_function(
        """([cells, code]) => {
             const shown = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')]
               .filter(c => (c.querySelector('.jp-InputArea-editor')?.textContent || '').trim());
             return document.querySelectorAll('.jp-Notebook .jp-Cell').length >= cells && shown.length >= code;
           }""",
        arg=[len(cells), sum(1 for c in cells if c.cell_type == "code" and c.source.strip())], timeout=90_000)
    if server.app == "lab":
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    return page


def run_all(page, timeout: float = 240.0) -> None:
    """Run every cell as a person would (focus the notebook, Run > Run All Cells) and wait
    until no prompt reads [*]."""
    page.click(".jp-Notebook .jp-Cell .jp-InputPrompt")
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    deadline = time.time() + timeout
    time.sleep(1.0)
    while time.time() < deadline:
        busy = page.evaluate("""() => [...document.querySelectorAll('.jp-InputArea-prompt')]
                                      .some(p => p.textContent.includes('*'))""")
        idle = page.query_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']") is not None
        if not busy and idle:
            return
        time.sleep(0.5)
    raise TimeoutError("the notebook did not finish running")


def wait_for_outputs(page, timeout: float = 60.0) -> None:
    """Wait on what the page shows, not on a clock: the notebook's outputs are attached, every
    image in them has loaded, and their count held still between two looks."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        state = page.evaluate("""() => {
            const outputs = document.querySelectorAll('.jp-OutputArea-output');
            const images = [...document.querySelectorAll('.jp-OutputArea-output img')];
            return [outputs.length, images.length, images.every(i => i.complete && i.naturalWidth > 0)];
        }""")
        if state[0] > 0 and state[2] and state == last:
            return
        last = state
        time.sleep(0.25)
    raise TimeoutError(f"the notebook's outputs did not settle: {last}")


def copy_examples(destination: Path, names: list[str], source: Path) -> None:
    for name in names:
        shutil.copy(source / name, destination / name)


def write_notebook(path: Path, cells: list[str]) -> None:
    """A python3 notebook of these code cells at ``path`` (for benchmarks that drive a page)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


# WCAG contrast of an element's text against its own background (the nearest one set).
CONTRAST = """(selector) => {
  const el = document.querySelector(selector);
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  if (!el) return -1;
  let bg = el, back = [0, 0, 0, 0];
  while (bg && (back = rgb(getComputedStyle(bg).backgroundColor)).length === 4 && back[3] === 0) bg = bg.parentElement;
  if (!bg) back = [255, 255, 255];
  const fore = rgb(getComputedStyle(el).color);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


# The worst WCAG contrast of any visible text under ``selector`` against the background it is
# drawn on (the nearest opaque one): ``{ratio, text, color, background}``, or null if no text.
WORST_CONTRAST = """(selector) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { let back = [0, 0, 0, 0];
    while (el && (back = rgb(getComputedStyle(el).backgroundColor)).length === 4 && back[3] === 0) el = el.parentElement;
    return el ? back : [255, 255, 255]; };
  const texts = [...document.querySelectorAll(selector)]
    .filter(e => e.checkVisibility() && e.textContent.trim() && !e.closest('mjx-container'));
  const all = texts.map(e => { const fore = rgb(getComputedStyle(e).color), back = background(e);
    const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
    return {ratio: (a + 0.05) / (b + 0.05), text: e.textContent.trim().slice(0, 40), tag: e.tagName,
            color: getComputedStyle(e).color, background: String(back)}; });
  all.sort((a, b) => a.ratio - b.ratio);
  return all[0] || null;
}"""
