"""The documentation site (issue 28 item 5): built offline from freshly executed notebooks, then
every page opened in headless chromium, in the light and the dark theme.

On every page: no console error, no failed request, nothing asked of any host but the local
server, every image loaded and described (alt text), every internal link answered (and its
#anchor present), every formula typeset, and the text readable (WCAG contrast >= 4.5:1 measured
from the computed styles). The API page documents every public name and the magics page every
option. Screenshots go to ``tests/screenshots/docs_*.png``.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from urllib.parse import urldefrag, urlparse

import pytest

from repo_paths import DOCS, EXAMPLES, SCREENSHOTS
from browser_lab import CHROMIUM_ARGS, WORST_CONTRAST, browser_path, why_no_browser

missing = why_no_browser()
if missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser tests cannot run under CI=true: {missing}")
pytestmark = pytest.mark.skipif(missing is not None, reason=f"browser tests skipped: {missing}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``make docs`` into a temporary folder: the notebooks executed in a real kernel, then
    Sphinx with warnings as errors, from a copy of docs/ (the repository is not written)."""
    import nbformat

    from jaxcalc_ext.tools.run_notebooks import execute_notebook
    from site_pages import NOTEBOOKS

    root = tmp_path_factory.mktemp("docs")
    executed = root / "executed"
    executed.mkdir()
    for name in NOTEBOOKS:
        nbformat.write(execute_notebook(EXAMPLES / f"{name}.ipynb"), str(executed / f"{name}.ipynb"))
    source = root / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("notebooks", "_generated", "__pycache__"))
    out = root / "html"
    build = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "--fail-on-warning",
                            str(source), str(out)], capture_output=True, text=True, timeout=900,
                           env={**os.environ, "JAXCALC_EXECUTED": str(executed)})
    assert build.returncode == 0, build.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def served(site):
    """The built site on a local HTTP server (as a person previews it), with its address."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def site_pages(site) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if not str(p.relative_to(site)).startswith(("_modules", "_static")))


# What a person checks on a page, computed in it: images, links and formulas (the contrast of
# its text is browser_lab.WORST_CONTRAST over TEXT).
PAGE_REPORT = """() => ({
    images: [...document.images].map(i => ({src: i.src, alt: i.alt, loaded: i.complete && i.naturalWidth > 0})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    anchors: [...document.querySelectorAll('[id]')].map(e => e.id),
    maths: document.querySelectorAll('mjx-container').length,
    untypeset: [...document.querySelectorAll('div.math, span.math')].filter(e => !e.querySelector('mjx-container')).length,
    text: document.body.innerText.length,
})"""
TEXT = ("article p, article li, article a, article code, article h1, article h2, article th, article td, "
        "article figcaption, article dt, article pre, .sidebar-tree a, .toc-tree a")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_renders_offline_with_images_links_formulas_and_contrast(site, served, scheme):
    from playwright.sync_api import sync_playwright

    pages = site_pages(site)
    assert {"index.html", "guide.html", "performance.html", "architecture.html", "_generated/api.html",
            "_generated/magics.html", "_generated/gallery.html"} <= set(pages), pages
    assert sum(p.startswith("notebooks/") for p in pages) == 7, pages
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        outside, errors, failed = [], [], []
        page.on("request", lambda r: None if r.url.startswith((served, "data:", "blob:")) else outside.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
        anchors, links = {}, {}
        for name in pages:
            page.goto(served + name)
            page.wait_for_load_state("networkidle")
            if page.query_selector("div.math, span.math"):
                page.wait_for_function("() => [...document.querySelectorAll('div.math, span.math')]"
                                       ".every(e => e.querySelector('mjx-container'))", timeout=30_000)
            report = page.evaluate(PAGE_REPORT)
            if name in ("index.html", "notebooks/taylor.html", "_generated/gallery.html", "_generated/api.html"):
                page.screenshot(path=str(SCREENSHOTS / f"docs_{scheme}_{name.replace('/', '_')}.png"))
            assert report["text"] > 200, (name, "an empty page")
            for image in report["images"]:
                assert image["loaded"], (name, "an image did not load", image["src"])
                assert image["alt"].strip(), (name, "an image without alternative text", image["src"])
            assert report["untypeset"] == 0, (name, "a formula left untypeset")
            worst = page.evaluate(WORST_CONTRAST, TEXT)
            assert worst is None or worst["ratio"] >= 4.5, (name, scheme, worst)
            anchors[name] = set(report["anchors"])
            links[name] = report["links"]
        assert not outside, ("fetched from the network", outside[:5])
        assert not failed, failed[:5]
        assert not errors, errors[:5]
        browser.close()
    # every internal link answers: its page was built, and its #anchor is on that page
    for name, hrefs in links.items():
        for href in hrefs:
            if not href.startswith(served):
                continue
            target, fragment = urldefrag(href)
            path = urlparse(target).path.lstrip("/") or "index.html"
            if path.endswith("/"):
                path += "index.html"
            assert (site / path).exists(), (name, "a link to a missing page", href)
            if fragment and path in anchors:
                assert fragment in anchors[path], (name, "a link to a missing anchor", href)


def test_the_reference_pages_cover_every_public_name_and_every_magic_option(site):
    import jaxcalc_ext
    from jaxcalc_ext.magics import graddag, jaxpr, taylor

    api = (site / "_generated" / "api.html").read_text()
    for name in jaxcalc_ext.__all__:
        assert f'id="jaxcalc_ext.{name}"' in api, (name, "not in the API reference")
    magics = (site / "_generated" / "magics.html").read_text()
    for module, cls, magic in ((taylor, "TaylorMagic", "taylor"), (jaxpr, "JaxprMagic", "jaxpr"),
                               (graddag, "GraddagMagic", "graddag")):
        parser = getattr(module, cls).__dict__[magic].parser
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--"):
                    assert option in magics, (magic, option, "not on the magics page")


def test_the_page_writers_examples_hold():
    import doctest

    import site_pages

    assert doctest.testmod(site_pages).failed == 0
