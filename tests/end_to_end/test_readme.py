"""The README and the user guide it links to, pasted as written: every ```python block runs, in
order, as one cell of a fresh notebook in a real Jupyter kernel; the first cell a newcomer pastes
shows the figure; and what the comments promise is what the cells show."""
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jaxcalc_ext.tools.run_notebooks import execute_notebook

from repo_paths import PASTED, README


def python_blocks(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"```python\n(.*?)```", text, re.S)]


def pasted_blocks() -> list[str]:
    return [block for page in PASTED for block in python_blocks(page.read_text())]


@pytest.fixture(scope="module")
def readme_notebook(tmp_path_factory):
    blocks = pasted_blocks()
    path = tmp_path_factory.mktemp("readme") / "readme.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(b) for b in blocks]), str(path))
    return execute_notebook(path, timeout=600, allow_errors=True)


def test_the_readme_has_its_blocks():
    first = python_blocks(README.read_text())
    assert first and "%load_ext jaxcalc_ext" in first[0] and "%taylor" in first[0]
    blocks = pasted_blocks()
    assert len(blocks) >= 10
    assert any("%%taylor" in b for b in blocks) and any("%graddag" in b for b in blocks)
    # A cell magic starts its cell: no %%taylor in the middle of a block.
    assert all("%%" not in b or b.lstrip().startswith("%%") for b in blocks)


def test_every_readme_block_runs_when_pasted_in_order(readme_notebook):
    for cell in readme_notebook.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.source, errors[0].ename, errors[0].evalue)
        stderr = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
        assert "Traceback" not in stderr and "Warning" not in stderr, (cell.source, stderr[:500])


def test_the_quickstart_cell_shows_the_figure_and_formulas(readme_notebook):
    first = next(c for c in readme_notebook.cells if "MML figure 5.4" in c.source)
    shown = [o for o in first.outputs if o.output_type in ("display_data", "execute_result")]
    assert any("image/png" in o.data for o in shown)
    assert any("T_{10}" in o.data.get("text/latex", "") for o in shown)


def test_the_readme_comments_say_what_the_cells_print(readme_notebook):
    kept = next(c for c in readme_notebook.cells if c.source.startswith("r = _"))
    printed = "".join(o.text for o in kept.outputs if o.output_type == "stream")
    assert "1 + x - 0.5 x^{2}" in printed
    # the errors the comment quotes, to its 3 digits
    for n, e in {1: "6.41", 2: "11.1", 5: "6.94", 10: "0.127"}.items():
        assert re.search(rf"{n}: {re.escape(e)}", printed), (n, printed)
    laplacian = next(c for c in readme_notebook.cells if "jc.laplacian(lambda x" in c.source)
    assert "-3.1081334" in "".join(o.text for o in laplacian.outputs if o.output_type == "stream")


def test_the_beyond_taylor_block_prints_what_its_comments_say(readme_notebook):
    """The proved band, tanh's poles at +-i pi/2, tan's Padé poles at +-pi/2 and 1/sin's Laurent
    series: the numbers the README quotes, checked against closed forms here."""
    import math

    cell = next(c for c in readme_notebook.cells if "jc.certified_remainder(jnp.tan" in c.source)
    lines = "".join(o.text for o in cell.outputs if o.output_type == "stream").splitlines()
    assert lines[0] == "|f - T_5| <= 0.091 on [-1, 1], guaranteed"
    assert 0.0907 < math.tan(1.0) - (1 + 1 / 3 + 2 / 15) < 0.091      # the bound is attained at x = 1
    assert "1.5708i and its conjugate" in lines[1] and lines[1].startswith("pole of order 1 at ")
    poles = [float(v) for v in lines[2].strip("[] ").split()]
    assert [round(v, 8) for v in poles] == [round(math.pi / 2, 8), round(-math.pi / 2, 8)]
    # 1/sin x = 1/x + x/6 + 7x^3/360 + 31x^5/15120 (sympy's series)
    assert lines[3] == f"1/x + {1 / 6:.6g} x + {7 / 360:.6g} x^3 + {31 / 15120:.6g} x^5"
    magic = next(c for c in readme_notebook.cells if "--certify --pade 5/4" in c.source)
    latex = "".join(o.data.get("text/latex", "") + o.data.get("text/plain", "")
                    for o in magic.outputs if o.output_type in ("display_data", "execute_result"))
    assert "2.8" in latex and "guaranteed" in latex, latex[:800]
