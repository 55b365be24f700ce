"""Regenerate the README pictures under docs/: `python scripts/make_docs_images.py`."""
import pathlib

from IPython.core.interactiveshell import InteractiveShell

from jaxcalc_ext.display.figures import figure_bytes

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def main():
    DOCS.mkdir(exist_ok=True)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jaxcalc_ext")
    r = shell.run_line_magic("taylor", "sin(x) + cos(x) --at 0 --order 1,2,5,10 --range -4 4")
    (DOCS / "taylor_mml_5_4.png").write_bytes(figure_bytes(r.figure, "png"))
    r = shell.run_line_magic("taylor", "x**2 + 2*x*y + y**3 --at 1,2 --order 2")
    (DOCS / "taylor_two_variables.png").write_bytes(figure_bytes(r.figure, "png"))
    r = shell.run_line_magic("taylor", "tan(x) --at 0 --order 5,9 --range -1.4 1.4 --certify --pade 5/4")
    (DOCS / "taylor_certified_pade.png").write_bytes(figure_bytes(r.figure, "png"))
    try:
        shell.run_cell("import jax.numpy as jnp\ndef g(w):\n    return jnp.tanh(w) * jnp.cos(w) + jnp.log(w)")
        graph = shell.run_line_magic("graddag", "g 1.5 --values --grads")
        graph.save(DOCS / "graddag_textbook.svg")
        graph.save(DOCS / "graddag_textbook.png")
        import sys

        import jax

        import jaxcalc_ext as jc
        sys.path.insert(0, str(DOCS.parent / "benchmarks"))
        import graph_models

        params = graph_models.mlp_params(jax.random.key(0))
        after = jc.computation_graph(jax.grad(graph_models.mlp), params, jax.numpy.ones(32))
        after.save(DOCS / "graddag_mlp_after.png")   # the default view of the 12-layer MLP's gradient
    except Exception as err:  # the graph magics may not exist yet in an older checkout
        print("graph pictures skipped:", err)


if __name__ == "__main__":
    main()
