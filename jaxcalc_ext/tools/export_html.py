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
