"""The example notebooks as a person sees them: JupyterLab in headless chromium (playwright).

Two ways in: executed notebooks opened from disk (untrusted, as a colleague's notebook opens),
and a notebook run in the browser with Run All. Screenshots go to ``tests/screenshots/``
(git-ignored) for a person to look at. Without a browser the tests are skipped with the
reason, except under ``CI=true``, where a missing browser is a failure.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from repo_paths import EXAMPLES, SCREENSHOTS
from browser_lab import (CONTRAST, WORST_CONTRAST, LabServer, lab, open_notebook, run_all, wait_for_outputs,
                         why_no_browser)

SHOTS = SCREENSHOTS

missing = why_no_browser()
if missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser tests cannot run under CI=true: {missing}")
pytestmark = pytest.mark.skipif(missing is not None, reason=f"browser tests skipped: {missing}")

# What a person checks on every output area, computed in the page.
PAGE_REPORT = """() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  return cells.map(cell => {
    const area = cell.querySelector('.jp-OutputArea');
    const source = cell.querySelector('.jp-InputArea-editor')?.textContent || '';
    const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img')].filter(i => i.checkVisibility());
    const maths = [...cell.querySelectorAll('.jp-OutputArea-output mjx-container')];
    return {
      source,
      images: imgs.length,
      images_loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
      // shown narrower than its own size (its text shrunk below what it was drawn at)
      images_shrunk: imgs.filter(i => i.getAttribute('width') &&
                                      i.getBoundingClientRect().width < parseFloat(i.getAttribute('width')) - 1).length,
      svgs: cell.querySelectorAll('.jp-OutputArea-output svg').length,
      maths: maths.length,
      raw_dollars: [...cell.querySelectorAll('.jp-OutputArea-output')].some(o => o.textContent.includes('$$')),
      widest_math: Math.max(0, ...maths.map(m => m.scrollWidth)),
      area_width: area ? area.clientWidth : 0,
      area_scroll: area ? area.scrollWidth : 0,
      text: area ? area.textContent.slice(0, 300) : '',
      live: cell.querySelectorAll('.jaxcalc-live-canvas').length,
    };
  });
}"""


def _errors_that_matter(page) -> list[str]:
    # JupyterLab asks a language-server endpoint that this server does not run: a 404 that
    # is JupyterLab's own; anything else (our widget's JavaScript included) counts.
    return [e for e in page.errors if "status of 404" not in e]


def _wait_for_typesetting(page, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending = page.evaluate("""() => [...document.querySelectorAll('.jp-RenderedLatex')]
                                          .some(e => e.textContent.includes('$$'))""")
        if not pending:
            return
        time.sleep(0.5)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The examples, plus executed copies that open untrusted (written by nbclient)."""
    from jaxcalc_ext.tools.run_notebooks import execute_notebook

    root = tmp_path_factory.mktemp("lab")
    for name in ("taylor.ipynb", "graphs.ipynb", "live.ipynb", "models.ipynb", "ecosystem.ipynb"):
        shutil.copy(EXAMPLES / name, root / name)
        nbformat.write(execute_notebook(EXAMPLES / name), str(root / f"executed_{name}"))
    SHOTS.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="module")
def browser_lab(workspace):
    with lab(workspace) as (server, browser):
        yield server, browser


def test_executed_notebooks_opened_untrusted_show_every_figure_graph_and_formula_once(browser_lab):
    server, browser = browser_lab
    for name in ("executed_taylor.ipynb", "executed_graphs.ipynb", "executed_models.ipynb",
                 "executed_ecosystem.ipynb", "executed_live.ipynb"):
        page = open_notebook(browser, server, name)
        wait_for_outputs(page)
        _wait_for_typesetting(page)
        report = page.evaluate(PAGE_REPORT)
        page.screenshot(path=str(SHOTS / f"untrusted_{name}.png"), full_page=True)
        for cell in report:
            src = cell["source"]
            assert cell["images"] == cell["images_loaded"], (src, "an image did not load")
            assert not cell["raw_dollars"], (src, "formulas left as raw $$")
            assert cell["widest_math"] <= cell["area_width"] + 2, (src, "a formula is wider than its cell")
            if src.startswith("%taylor") and "--laplacian" not in src and "--live" not in src:
                assert cell["images"] == 1 and cell["maths"] >= 1, (src, cell)
            if "%graddag" in src and "--save" not in src:
                assert cell["images"] == 1, (src, "the graph is not visible untrusted", cell["text"])
                if "--explore" not in src:   # a graph is scrolled, never shrunk below its drawn text size
                    assert cell["images_shrunk"] == 0, (src, "a graph picture was shrunk to fit")
            if "--live" in src:
                assert cell["images"] == 1 and cell["live"] == 0, (src, "a live view's picture untrusted", cell)
        if name == "executed_graphs.ipynb":   # %jaxpr's coloured listing and tables, light and dark
            for theme in ("JupyterLab Dark", "JupyterLab Light"):
                page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})")
                page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{str(theme.endswith('Light')).lower()}'",
                                       timeout=30_000)
                page.wait_for_timeout(500)
                worst = page.evaluate(WORST_CONTRAST, ".jp-RenderedHTMLCommon *")
                assert worst is not None and worst["ratio"] >= 4.5, (theme, worst)
        assert not _errors_that_matter(page), page.errors
        page.close()


def test_live_view_runs_in_the_browser_and_follows_the_slider(browser_lab):
    server, browser = browser_lab
    page = open_notebook(browser, server, "live.ipynb")
    run_all(page)
    page.wait_for_selector(".jaxcalc-live-canvas", timeout=180_000)   # the first compile, on a loaded machine
    page.wait_for_function("() => document.querySelectorAll('.jaxcalc-live[data-frames]').length >= 1 || "
                           "[...document.querySelectorAll('.jaxcalc-live')].every(e => e.dataset.order)",
                           timeout=60_000)
    report = page.evaluate(PAGE_REPORT)
    live_cells = [c for c in report if "--live" in c["source"]]
    assert live_cells and all(c["live"] == 1 for c in live_cells), live_cells
    assert all(c["images"] == 0 for c in live_cells), "the widget and its static picture both showed"
    view = page.query_selector(".jaxcalc-live")
    before = json.loads(view.get_attribute("data-center"))
    canvas_before = page.evaluate("() => document.querySelector('.jaxcalc-live-canvas').toDataURL()")
    slider = page.query_selector(".jaxcalc-live-center-0")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(box["x"] + box["width"] / 2 + i * box["width"] / 40, box["y"] + box["height"] / 2)
        page.wait_for_timeout(40)
    page.mouse.up()
    # the answer may wait behind a proved band the kernel is computing for the resting view
    page.wait_for_function(f"() => JSON.parse(document.querySelector('.jaxcalc-live').dataset.center)[0] > {before[0] + 0.2}",
                           timeout=30_000)
    after = json.loads(view.get_attribute("data-center"))
    assert after[0] > before[0] + 0.2, (before, after)
    canvas_after = page.evaluate("() => document.querySelector('.jaxcalc-live-canvas').toDataURL()")
    assert canvas_after != canvas_before, "moving the slider did not redraw the curve"
    latencies = json.loads(view.get_attribute("data-latencies"))
    assert len(latencies) >= 3
    status = page.query_selector(".jaxcalc-live-status").text_content()
    assert "radius of convergence" in status and "kernel" in status
    print(f"\ninput-to-redraw in this run: median {sorted(latencies)[len(latencies) // 2]:.0f} ms "
          f"over {len(latencies)} frames (benchmarks/live_latency.py measures it properly)")
    # the keyboard moves the slider (the notebook does not take the arrow keys)
    slider.focus()
    centre = json.loads(view.get_attribute("data-center"))[0]
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => JSON.parse(document.querySelector('.jaxcalc-live').dataset.center)[0] > {centre}",
                           timeout=10_000)
    # a centre can be typed exactly
    typed = page.query_selector(".jaxcalc-live-center-value-0")
    typed.fill("0.3125")
    typed.press("Enter")
    page.wait_for_function("() => JSON.parse(document.querySelector('.jaxcalc-live').dataset.center)[0] === 0.3125",
                           timeout=10_000)
    # once the controls rest, the proved band for the state shown arrives (tan on [-1.5, 1.5]
    # at 0.3125: cheap, so on by default), and the Padé box overlays the approximant
    page.wait_for_function("() => (document.querySelector('.jaxcalc-live').dataset.band || '').includes('guaranteed')",
                           timeout=60_000)
    assert "guaranteed" in page.query_selector(".jaxcalc-live-status").text_content()
    canvas_banded = page.evaluate("() => document.querySelector('.jaxcalc-live-canvas').toDataURL()")
    page.click(".jaxcalc-live-pade input")
    page.wait_for_function(f"() => document.querySelector('.jaxcalc-live-canvas').toDataURL() !== {json.dumps(canvas_banded)}",
                           timeout=30_000)
    page.screenshot(path=str(SHOTS / "live_in_browser.png"), full_page=True)
    view.screenshot(path=str(SHOTS / "live_band_and_pade.png"))
    assert not _errors_that_matter(page), page.errors
    page.close()


def test_a_live_view_is_never_rebuilt_under_the_users_hands(browser_lab):
    """Issue 28: the picture exports keep is refreshed when the view rests (~1.2 s after an
    input) in an output of its own, so the view itself is never rebuilt: the same canvas, the
    same height frame after frame, keyboard focus where the user left it."""
    server, browser = browser_lab
    page = open_notebook(browser, server, "live.ipynb")
    run_all(page)
    page.wait_for_function("() => [...document.querySelectorAll('.jaxcalc-live')].length >= 4 && "
                           "[...document.querySelectorAll('.jaxcalc-live')].every(e => e.dataset.order)",
                           timeout=180_000)
    order = page.query_selector(".jaxcalc-live-order")
    order.focus()
    page.evaluate("""() => { window.__canvas = document.querySelector('.jaxcalc-live-canvas');
                             window.__heights = []; const area = window.__canvas.closest('.jp-OutputArea');
                             const t0 = performance.now();
                             const sample = () => { window.__heights.push(area.getBoundingClientRect().height);
                                                    if (performance.now() - t0 < 4000) requestAnimationFrame(sample); };
                             requestAnimationFrame(sample); }""")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(4200)          # past the snapshot (1.2 s) and the kernel's refresh of the picture
    same_canvas = page.evaluate("() => window.__canvas === document.querySelector('.jaxcalc-live-canvas') "
                                "&& window.__canvas.isConnected")
    focused = page.evaluate("() => document.activeElement && document.activeElement.classList.contains('jaxcalc-live-order')")
    heights = page.evaluate("() => window.__heights")
    twins = page.evaluate("() => document.querySelectorAll('.jaxcalc-static-twin').length")
    assert same_canvas, "the view was rebuilt"
    assert focused, "keyboard focus was lost"
    assert len(heights) > 30 and max(heights) - min(heights) < 1, (min(heights), max(heights))
    assert twins >= 4, "the exported pictures are not hidden beside their views"
    sizes = page.evaluate("""() => [...document.querySelectorAll('.jaxcalc-live *')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => parseFloat(getComputedStyle(e).fontSize))""")
    assert sizes and min(sizes) >= 12, sizes          # read on a projector (the canvas draws at 12 px too)
    described = page.get_attribute(".jaxcalc-live-canvas", "aria-label")   # the picture in words
    assert re.search(r"Taylor polynomial T\S+ at", described) and "max |f" in described, described
    page.keyboard.press("ArrowRight")     # and the keys still move the order
    page.wait_for_function("() => document.querySelector('.jaxcalc-live').dataset.order !== undefined", timeout=10_000)
    assert not _errors_that_matter(page), page.errors
    page.close()


def test_graph_explorer_opens_groups_shows_cards_and_steps_through_the_sweeps(browser_lab):
    server, browser = browser_lab
    page = open_notebook(browser, server, "models.ipynb")
    run_all(page)
    page.wait_for_selector(".jaxcalc-graph-canvas svg g.node", timeout=120_000)
    count = lambda: page.evaluate("() => document.querySelectorAll('.jaxcalc-graph-canvas svg g.node').length")
    before = count()
    page.query_selector(".jaxcalc-graph").scroll_into_view_if_needed()
    report = page.evaluate(PAGE_REPORT)
    explorer_cells = [c for c in report if "--explore" in c["source"]]
    assert explorer_cells and explorer_cells[0]["images"] == 0, "the widget and its static picture both showed"
    page.screenshot(path=str(SHOTS / "explorer_collapsed.png"), full_page=False)
    # click the first collapsed group (a node whose label says how many operations it holds)
    group = page.evaluate_handle("""() => [...document.querySelectorAll('.jaxcalc-graph-canvas svg g.node')]
        .find(g => [...g.querySelectorAll('text')].some(t => / ops?$/.test(t.textContent)))""")
    assert group.as_element() is not None, "no collapsed group in the default view"
    start = time.perf_counter()
    group.as_element().click()
    page.wait_for_function(f"() => document.querySelectorAll('.jaxcalc-graph-canvas svg g.node').length > {before}",
                           timeout=30_000)
    redraw_ms = (time.perf_counter() - start) * 1e3
    assert count() > before
    print(f"\nexplorer: click to redraw {redraw_ms:.0f} ms (benchmarks/graph_render.py measures it)")
    # hover a node with a value: the card shows its value and its adjoint
    node = page.evaluate_handle("""() => [...document.querySelectorAll('.jaxcalc-graph-canvas svg g.node')]
        .find(g => [...g.querySelectorAll('text')].some(t => t.textContent.startsWith('adjoint ')))""")
    node.as_element().scroll_into_view_if_needed()
    node.as_element().hover()
    card = page.wait_for_selector(".jaxcalc-graph-card", state="visible", timeout=10_000)
    text = card.text_content()
    assert "value" in text and "adjoint" in text and "f32[4" in text, text
    page.screenshot(path=str(SHOTS / "explorer_hover.png"), full_page=False)
    # step: values disappear, then appear one node at a time
    page.click(".jaxcalc-graph-step")
    status = page.text_content(".jaxcalc-graph-status")
    assert status.startswith("forward sweep 1/"), status
    hidden = page.evaluate("""() => [...document.querySelectorAll('.jaxcalc-graph-canvas svg text')]
        .filter(t => t.textContent.startsWith('= ') && t.style.visibility === 'hidden').length""")
    assert hidden > 0
    # the equation table: hovering a row outlines its node
    page.click(".jaxcalc-graph-table-button")
    row = page.wait_for_selector(".jaxcalc-graph-row", timeout=10_000)
    node_id = row.get_attribute("data-node")
    row.hover()
    stroke = page.evaluate("""(id) => { const g = [...document.querySelectorAll('.jaxcalc-graph-canvas svg g.node')]
        .find(g => g.querySelector('title').textContent === id);
        return g.querySelector('path, polygon, ellipse').getAttribute('stroke'); }""", node_id)
    assert stroke == "#e6550d", stroke
    # an overlay comes with its colour scale
    page.select_option(".jaxcalc-graph-overlay", index=1)
    page.wait_for_function("() => document.querySelector('.jaxcalc-graph-scale').textContent.includes('log scale')",
                           timeout=10_000)
    page.select_option(".jaxcalc-graph-overlay", "none")
    # zoom: the drawing at more than the notebook's width, its text larger
    width = lambda: page.evaluate("() => document.querySelector('.jaxcalc-graph-canvas svg').getBoundingClientRect().width")
    fitted = width()
    page.click(".jaxcalc-graph-zoom-in")
    page.click(".jaxcalc-graph-zoom-in")
    assert width() > fitted * 1.2, (fitted, width())
    page.click(".jaxcalc-graph-zoom-out")
    page.click(".jaxcalc-graph-zoom-out")
    # search reaches into collapsed groups
    page.fill(".jaxcalc-graph-search", "tanh")
    page.wait_for_function("() => document.querySelector('.jaxcalc-graph-status').textContent.includes('match')",
                           timeout=30_000)
    page.screenshot(path=str(SHOTS / "explorer_search.png"), full_page=False)
    # ... and lists its matches, going to one at a time ("2 of 12"), each centred in the view
    page.wait_for_function("() => / of [0-9]+$/.test(document.querySelector('.jaxcalc-graph-match').textContent)",
                           timeout=30_000)
    first, total = page.text_content(".jaxcalc-graph-match").split(" of ")
    assert first == "1" and int(total) >= 2, (first, total)
    assert len(page.query_selector_all(".jaxcalc-graph-matches [role=option]")) == int(total)
    answers = lambda: len(json.loads(page.get_attribute(".jaxcalc-graph", "data-latencies") or "[]"))
    drawn = lambda before: page.wait_for_function(   # the answer to the last request is drawn
        f"() => JSON.parse(document.querySelector('.jaxcalc-graph').dataset.latencies || '[]').length > {before}",
        timeout=30_000)
    before = answers()
    page.click(".jaxcalc-graph-next")
    drawn(before)
    assert page.text_content(".jaxcalc-graph-match").startswith("2 of")
    page.wait_for_function(MARKED_IN_VIEW, timeout=30_000)
    # text is never drawn under 11 px: zooming out stops there, and the minimap shows the rest
    for _ in range(12):
        page.click(".jaxcalc-graph-zoom-out")
    assert page.evaluate(SMALLEST_TEXT_PX) >= 10.99
    scale = lambda: float(page.get_attribute(".jaxcalc-graph", "data-scale"))
    assert abs(scale() - float(page.get_attribute(".jaxcalc-graph", "data-min-scale"))) < 1e-9
    if page.evaluate(DRAWING_LARGER_THAN_CANVAS):
        assert page.is_visible(".jaxcalc-graph-minimap")
    # ctrl+wheel (a pinch) zooms around the pointer; a drag pans
    box = page.query_selector(".jaxcalc-graph-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    before = scale()
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function(f"() => parseFloat(document.querySelector('.jaxcalc-graph').dataset.scale) > {before}",
                           timeout=5_000)
    stage = lambda: page.evaluate("() => document.querySelector('.jaxcalc-graph-stage').style.transform")
    moved_from = stage()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + box["height"] - 120, steps=6)
    page.mouse.up()
    assert stage() != moved_from, "a drag did not pan"
    # nodes by keyboard: Tab reaches them, Enter selects one, and the side panel shows all of it
    before = answers()
    page.click(".jaxcalc-graph-close-all")    # wait for its answer to be drawn: the nodes are replaced
    drawn(before)
    node = page.query_selector(".jaxcalc-graph-canvas svg g.node[tabindex='0']")
    description = node.get_attribute("aria-label")
    label = description.split(",")[0]
    before = answers()
    node.focus()
    page.keyboard.press("Enter")
    if "press Enter to open" in description:   # a group: Enter opens it
        drawn(before)
    else:
        page.wait_for_function("(label) => document.querySelector('.jaxcalc-graph-card').textContent.startsWith(label)",
                               arg=label, timeout=10_000)
    before = answers()
    page.click(".jaxcalc-graph-undo")
    drawn(before)
    # the dark theme: the card and the table header stay readable (JupyterLab's theme variables)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    if page.query_selector(".jaxcalc-graph-table th") is not None:
        page.click(".jaxcalc-graph-table-button")     # the table stays open across answers: close it to reach a node
    node = page.evaluate_handle("""() => [...document.querySelectorAll('.jaxcalc-graph-canvas svg g.node')]
        .find(g => [...g.querySelectorAll('text')].some(t => t.textContent.startsWith('adjoint ')))""")
    node.as_element().scroll_into_view_if_needed()
    node.as_element().hover()
    page.wait_for_selector(".jaxcalc-graph-card", state="visible", timeout=10_000)
    if page.query_selector(".jaxcalc-graph-table th") is None:
        page.click(".jaxcalc-graph-table-button")
    for selector in (".jaxcalc-graph-card", ".jaxcalc-graph-table th", ".jaxcalc-graph-status",
                     ".jaxcalc-graph-crumbs", ".jaxcalc-graph-legend-item span", ".jaxcalc-graph-toolbar span"):
        ratio = page.evaluate(CONTRAST, selector)
        assert ratio >= 4.5, (selector, ratio)
    page.screenshot(path=str(SHOTS / "explorer_dark.png"), full_page=False)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    assert not _errors_that_matter(page), page.errors
    page.close()


# The explorer's marked node (a search's current match) lies inside the canvas.
MARKED_IN_VIEW = """() => {
  const canvas = document.querySelector('.jaxcalc-graph-canvas').getBoundingClientRect();
  const marked = [...document.querySelectorAll('.jaxcalc-graph-canvas svg g.node, .jaxcalc-graph-canvas svg g.cluster')]
    .find(g => (g.querySelector('path, polygon, ellipse') || {getAttribute: () => ''}).getAttribute('stroke') === '#e6550d');
  if (!marked) return false;
  const r = marked.getBoundingClientRect();
  return r.left >= canvas.left && r.right <= canvas.right && r.top >= canvas.top && r.bottom <= canvas.bottom;
}"""
# The drawn size of the explorer's smallest text, in CSS px: its font size (SVG units) times the
# drawing's on-screen size per SVG unit (zoom and all, read from the page, not from the widget).
SMALLEST_TEXT_PX = """() => { const svg = document.querySelector('.jaxcalc-graph-stage svg');
  const perUnit = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Math.min(...[...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => parseFloat(t.getAttribute('font-size')) * perUnit)); }"""
DRAWING_LARGER_THAN_CANVAS = """() => { const s = document.querySelector('.jaxcalc-graph-stage svg').getBoundingClientRect(),
  c = document.querySelector('.jaxcalc-graph-canvas').getBoundingClientRect();
  return s.width > c.width + 1 || s.height > c.height + 1; }"""


def test_notebook_7_shows_the_executed_figures(workspace, browser_lab):
    _, browser = browser_lab
    server = LabServer(workspace, app="notebook").start()
    try:
        page = open_notebook(browser, server, "executed_taylor.ipynb")
        wait_for_outputs(page)
        report = page.evaluate(PAGE_REPORT)
        page.screenshot(path=str(SHOTS / "notebook7_taylor.png"), full_page=True)
        taylor = [c for c in report if re.match(r"(\w+ = )?%taylor", c["source"]) and "--laplacian" not in c["source"]]
        assert len(taylor) >= 3 and all(c["images"] == 1 == c["images_loaded"] for c in taylor), taylor
        page.close()
    finally:
        server.stop()


def test_nbconvert_html_keeps_the_pictures_and_the_formulas(workspace, tmp_path):
    out = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir",
                          str(tmp_path), str(workspace / "executed_graphs.ipynb"),
                          str(workspace / "executed_taylor.ipynb")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    taylor = (tmp_path / "executed_taylor.html").read_text()
    graphs = (tmp_path / "executed_graphs.html").read_text()
    assert taylor.count("data:image/png;base64") >= 4 and "T_{10}" in taylor
    assert graphs.count("data:image/png;base64") >= 3


def test_exported_html_shows_every_picture_and_formula_with_no_network(workspace, browser_lab, tmp_path):
    """Issue 28 item 4: the executed notebooks exported (nbconvert's HTML, MathJax beside the page)
    and opened from disk in chromium with every request outside the page's folder recorded:
    nothing is fetched, every picture loads (each live view and explorer as its last picture),
    every formula is typeset, no console error."""
    from jaxcalc_ext.tools.export_html import export_html

    _, browser = browser_lab
    names = ("executed_taylor.ipynb", "executed_live.ipynb", "executed_models.ipynb")
    pages = [export_html(workspace / name, tmp_path) for name in names]
    context = browser.new_context(offline=True)   # as on a train: a request that leaves the disk fails
    page = context.new_page()
    outside, errors = [], []
    page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "blob:")) else outside.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for html_page, name in zip(pages, names):
        page.goto(html_page.as_uri())
        page.wait_for_load_state("load")
        formulas = page.evaluate("() => document.querySelectorAll('.jp-RenderedLatex').length")
        if formulas:
            page.wait_for_function("() => [...document.querySelectorAll('.jp-RenderedLatex')]"
                                   ".every(e => e.querySelector('mjx-container'))", timeout=30_000)
        page.wait_for_timeout(500)   # MathJax typesets the markdown in the same pass
        report = page.evaluate(r"""() => ({
            images: document.images.length,
            loaded: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length,
            undescribed: [...document.images].filter(i => !i.alt || i.alt.startsWith('No description')).length,
            raw: [...document.querySelectorAll('.jp-RenderedLatex')].filter(e => e.textContent.includes('$$')).length,
            raw_inline: [...document.querySelectorAll('.jp-RenderedMarkdown')].filter(e => /\$[^$\s][^$]*\$/.test(e.textContent)).length,
            markdown_maths: document.querySelectorAll('.jp-RenderedMarkdown mjx-container').length })""")
        page.screenshot(path=str(SHOTS / f"exported_{name}.png"))
        assert report["images"] == report["loaded"] > 0, (name, report)
        assert report["undescribed"] == 0, (name, "an image without alternative text", report)
        assert report["raw"] == 0 and report["raw_inline"] == 0, (name, "a formula left as raw TeX", report)
        if name == "executed_taylor.ipynb":
            assert formulas >= 3 and report["markdown_maths"] >= 1, (formulas, report)
        if name == "executed_live.ipynb":
            assert report["images"] >= 4, (name, "a live view's picture is missing", report)
    assert not outside, ("fetched from the network", outside[:5])
    assert not errors, errors[:5]
    context.close()
