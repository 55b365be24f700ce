"""A notebook as an HTML page that needs no network: nbconvert's HTML with MathJax beside it.

``jupyter nbconvert --to html`` keeps every picture (each live view and explorer carries a
picture of its last state), but loads MathJax and require.js (and, for widgets, their manager)
from a CDN. This runs the same exporter with MathJax 3 (one file, SVG output, from the
``django-static-mathjax`` wheel) copied next to the page, without require.js and without the
widget state (the widgets need a kernel; their pictures are what the page shows):

    python -m jaxcalc_ext.tools.export_html examples/executed/live.ipynb --out exported/

The equivalent by hand: ``jupyter nbconvert --to html --HTMLExporter.mathjax_url=tex-svg.js``
with ``tex-svg.js`` copied beside the page.

>>> offline_mathjax().name
'tex-svg.js'
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

MATHJAX_FILE = "tex-svg.js"
# $...$ and \(...\) inline, $$...$$ and \[...\] displayed, as Jupyter typesets them
MATHJAX3_CONFIG = ("<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
                   "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true}};</script>")


def offline_mathjax() -> pathlib.Path:
    """Where MathJax 3's self-contained SVG build lies on this machine."""
    try:
        import mathjax
    except ImportError:
        raise SystemExit("no offline MathJax here: pip install 'jaxcalc_ext[export]' "
                         "(it brings django-static-mathjax, MathJax's own build)") from None
    return pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_FILE


def describe_output(output) -> str:
    """The alternative text of an image output: the description jaxcalc_ext's outputs carry in
    text/plain (a figure's title, a graph's summary line), else what is known of it.

    >>> describe_output({"data": {"text/plain": "<figure: Taylor polynomials of sin(x); r.figure is the matplotlib Figure>"}})
    'Taylor polynomials of sin(x)'
    >>> describe_output({"data": {"text/plain": "ComputationGraph(g: 5 operations, 7 nodes)\\n..."}})
    'the computation graph of g: 5 operations, 7 nodes'
    >>> describe_output({"data": {"text/plain": "<Figure size 600x400 with 1 Axes>"}})
    'a matplotlib figure made by the code above'
    """
    import re

    text = "".join(output.get("data", {}).get("text/plain", "")).strip()
    first = text.splitlines()[0] if text else ""
    first = re.sub(r"^<(?:figure: )?(.*?)(?:; r\.figure is the matplotlib Figure)?>$", r"\1", first)
    if not first or first.startswith("Figure size"):
        return "a matplotlib figure made by the code above"
    graph = re.match(r"^ComputationGraph\((.*)\)$", first)
    return f"the computation graph of {graph.group(1)}" if graph else first


IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _describe_images(nb, body: str) -> str:
    """Give each output image of the page the description its output carries (nbconvert writes
    "No description has been provided" for all of them)."""
    from bs4 import BeautifulSoup

    descriptions = [describe_output(o) for cell in nb.cells for o in cell.get("outputs", [])
                    if any(t in o.get("data", {}) for t in IMAGE_TYPES)
                    and "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]
    soup = BeautifulSoup(body, features="html.parser")
    images = soup.select(".jp-OutputArea-output.jp-RenderedImage img, .jp-OutputArea-output.jp-RenderedSVG img")
    if len(images) != len(descriptions):      # an output this does not know: leave the page as it is
        return body
    for image, description in zip(images, descriptions):
        image["alt"] = description
    return str(soup)


def export_html(notebook: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """Write ``out/<notebook>.html`` and MathJax beside it; return the page's path."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("widgets", None)     # no widget manager to fetch: the pictures stand in
    exporter = HTMLExporter(mathjax_url=MATHJAX_FILE)
    body, _ = exporter.from_notebook_node(nb)
    # require.js serves widget managers and JavaScript outputs; a page of pictures, text and
    # formulas has neither, so it is not fetched
    body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "")
    body = _describe_images(nb, body)
    # the page's MathJax configuration is written for MathJax 2: say the same to MathJax 3
    body = body.replace(f'<script src="{MATHJAX_FILE}">', MATHJAX3_CONFIG + f'<script src="{MATHJAX_FILE}">', 1)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(offline_mathjax(), out / MATHJAX_FILE)
    page = out / (notebook.stem + ".html")
    page.write_text(body, encoding="utf-8")
    return page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("exported"))
    args = parser.parse_args(argv)
    for notebook in args.notebooks:
        print(export_html(notebook, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
