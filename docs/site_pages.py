"""The pages of the documentation site written from the package and the executed notebooks.

Each page is made from what it documents, so it cannot drift from it:

- ``notebooks/*.ipynb``: the executed example notebooks, each image given alternative text
  from the description the output carries beside it (its ``text/plain``);
- ``api.md``: every public name of :mod:`jaxcalc_ext`, grouped, from its docstring;
- ``magics.md``: every magic's options, from the magic's own help;
- ``gallery.md``: the pictures of the notebooks, each linking to where it is made.

>>> sorted(set(name for names in API_GROUPS.values() for name in names))[:3]
['CertifiedRemainder', 'ComputationGraph', 'ConvergenceResult']
"""
from __future__ import annotations

import base64
import pathlib
import re
import shutil

from jaxcalc_ext.tools.export_html import describe_output

# The notebooks in the order a newcomer reads them, with the title each is listed under.
NOTEBOOKS = {
    "taylor": "Taylor polynomials",
    "live": "The live view",
    "beyond_taylor": "Beyond the Taylor polynomial",
    "operators": "Gradients, Hessians and Laplacians",
    "graphs": "Computation graphs",
    "models": "Real models",
    "ecosystem": "Flax, Equinox, Haiku, Diffrax and Optax",
}

API_GROUPS = {
    "Taylor polynomials": ["taylor_coefficients", "derivatives", "taylor_polynomial", "TaylorPolynomial",
                           "convergence_order", "ConvergenceResult"],
    "Beyond the Taylor polynomial": ["certified_remainder", "CertifiedRemainder", "pade", "PadeApproximant",
                                     "singularities", "Singularity", "laurent_series", "LaurentSeries"],
    "Several variables": ["derivative_tensor", "derivative_operators", "DerivativeOperators", "laplacian",
                          "hessian_trace_estimate"],
    "Graphs and jaxprs": ["computation_graph", "ComputationGraph", "describe_jaxpr"],
    "Precision, errors and IPython": ["float64_scope", "JaxCalcError", "load_ipython_extension",
                                      "unload_ipython_extension"],
}

MAGICS = [("taylor", "jaxcalc_ext.magics.taylor", "TaylorMagic"),
          ("jaxpr", "jaxcalc_ext.magics.jaxpr", "JaxprMagic"),
          ("graddag", "jaxcalc_ext.magics.graddag", "GraddagMagic")]

GALLERY_PER_NOTEBOOK = 4


def write_generated_pages(executed: pathlib.Path, docs: pathlib.Path) -> None:
    """Write the generated pages into ``docs`` (they are git-ignored); the executed notebooks
    must exist (``make docs`` executes them first)."""
    missing = [name for name in NOTEBOOKS if not (executed / f"{name}.ipynb").exists()]
    if missing:
        raise SystemExit(f"no executed notebook {executed / (missing[0] + '.ipynb')}: run `make docs`, "
                         "which executes the examples first, or set JAXCALC_EXECUTED")
    notebooks = docs / "notebooks"
    gallery = docs / "_generated"
    for folder in (notebooks, gallery):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    pictures = []
    for name in NOTEBOOKS:
        pictures += copy_notebook(executed / f"{name}.ipynb", notebooks / f"{name}.ipynb", name)
    (gallery / "api.md").write_text(api_page())
    (gallery / "magics.md").write_text(magics_page())
    (gallery / "gallery.md").write_text(gallery_page(pictures, gallery))


def copy_notebook(source: pathlib.Path, target: pathlib.Path, name: str) -> list[dict]:
    """Copy an executed notebook, giving each image output alternative text (MyST-NB reads it
    from the cell's ``mystnb.image.alt``); return its pictures for the gallery."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    nb.metadata.pop("widgets", None)      # widget state: no widget JavaScript is loaded
    nb.metadata["title"] = NOTEBOOKS[name]
    pictures = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not images:
            continue
        alts = [describe_output(o) for o in images]
        cell.metadata.setdefault("mystnb", {})["image"] = {"alt": "; ".join(dict.fromkeys(alts))}
        for output, alt in zip(images, alts):
            pictures.append({"notebook": name, "png": output["data"]["image/png"], "alt": alt,
                             "code": magic_line(cell.source)})
    nbformat.write(nb, str(target))
    return pictures


def magic_line(source: str) -> str:
    """The line of a cell that asks for its picture: its magic (``%taylor ...``, without an
    assignment in front), or '' when the picture comes from plain Python.

    >>> magic_line("mml = %taylor sin(x) --at 0\\nmml")
    '%taylor sin(x) --at 0'
    """
    for line in source.splitlines():
        match = re.match(r"\s*(?:[A-Za-z_]\w*\s*=\s*)?(%{1,2}[A-Za-z]\w*.*)", line)
        if match:
            return match.group(1).split("  #")[0].split(" # ")[0].strip()
    return ""


def api_page() -> str:
    import jaxcalc_ext

    grouped = {name for names in API_GROUPS.values() for name in names}
    others = sorted(set(jaxcalc_ext.__all__) - grouped)
    groups = dict(API_GROUPS, **({"Other": others} if others else {}))
    lines = ["# API reference", "",
             "Every public name of `jaxcalc_ext` (`import jaxcalc_ext as jc`), from its docstring.", ""]
    for title, names in groups.items():
        lines += [f"## {title}", "", "```{eval-rst}"]
        for name in names:
            kind = "autoclass" if name[:1].isupper() else "autofunction"
            lines += [f".. {kind}:: jaxcalc_ext.{name}"]
            if kind == "autoclass":
                lines += ["   :members:", ""]
        lines += ["```", ""]
    return "\n".join(lines)


def magics_page() -> str:
    import importlib

    lines = ["# Magics", "",
             "Load the magics with `%load_ext jaxcalc_ext`. Each one's help, as `%taylor?` prints it "
             "in a notebook. Defaults that hold for a whole session are settings: "
             "`%config JaxCalc` lists them.", ""]
    for magic, module, cls in MAGICS:
        doc = getattr(importlib.import_module(module), cls).__dict__[magic].__doc__ or ""
        lines += [f"## `%{magic}`", "", "```text", _dedent(doc).strip(), "```", ""]
    from jaxcalc_ext.magics.settings import JaxCalc

    lines += ["## `%config JaxCalc`", "", "```text", JaxCalc.class_get_help().strip(), "```", ""]
    return "\n".join(lines)


def _dedent(text: str) -> str:
    import textwrap

    first, _, rest = text.partition("\n")
    return first.strip() + "\n" + textwrap.dedent(rest)


def gallery_page(pictures: list[dict], folder: pathlib.Path) -> str:
    lines = ["# Gallery", "",
             "Pictures from the example notebooks; each links to the notebook that makes it.", "",
             "::::{container} gallery", ""]
    shown: dict[str, int] = {}
    for picture in pictures:
        count = shown.get(picture["notebook"], 0)
        if count == GALLERY_PER_NOTEBOOK:
            continue
        shown[picture["notebook"]] = count + 1
        file = f"{picture['notebook']}_{count + 1}.png"
        (folder / file).write_bytes(base64.b64decode(picture["png"]))
        code = picture["code"].replace("`", "'")
        said = f"`{code[:80]}`" if code else picture["alt"]
        lines += [f":::{{figure}} {file}", f":alt: {picture['alt']}", "",
                  f"{said} ([{NOTEBOOKS[picture['notebook']]}](../notebooks/{picture['notebook']}.ipynb))",
                  ":::", ""]
    lines += ["::::", ""]
    return "\n".join(lines)
