"""Sphinx configuration of the documentation site: ``make docs`` builds it offline into build/docs.

The pages are the example notebooks as executed by ``make docs`` (read, not run again: MyST-NB
with execution off), three pages written here from the package itself (the public API from the
docstrings, every magic's options from its own ``--help``, a gallery of the notebooks'
pictures) and the hand-written pages beside this file. Nothing is fetched from the network:
MathJax comes from the ``django-static-mathjax`` wheel, widgets' JavaScript is not loaded (each
live view and explorer keeps a picture of its last state beside it, and that picture is shown).

Where the executed notebooks are: ``JAXCALC_EXECUTED`` (default ``examples/executed``).
"""
from __future__ import annotations

import os
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))
sys.path.insert(0, str(ROOT))

from site_pages import write_generated_pages  # noqa: E402

EXECUTED = pathlib.Path(os.environ.get("JAXCALC_EXECUTED", ROOT / "examples" / "executed"))
write_generated_pages(EXECUTED, DOCS)

project = "jaxcalc_ext"
author = "the jaxcalc_ext developers"
copyright = "2026, the jaxcalc_ext developers"
from jaxcalc_ext import __version__ as release  # noqa: E402

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]

# The notebooks are shown as they were executed; a live view's or explorer's widget needs a
# kernel, so the page shows its text and the picture the view keeps beside it.
nb_execution_mode = "off"
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": False}

# MathJax 3 (SVG output: one self-contained file, no fonts to fetch) from the
# django-static-mathjax wheel, which carries MathJax's own build and depends on nothing: the
# same file the offline HTML export puts beside its pages.
from jaxcalc_ext.tools.export_html import offline_mathjax  # noqa: E402

html_static_path = [str(offline_mathjax()), "_static"]
mathjax_path = offline_mathjax().name

html_theme = "furo"
html_title = "jaxcalc_ext"
html_css_files = ["site.css"]
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False
html_favicon = "_static/favicon.svg"
