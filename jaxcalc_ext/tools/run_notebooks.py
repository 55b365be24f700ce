"""Execute notebooks end to end in a real Jupyter kernel and keep the executed copies.

    python -m jaxcalc_ext.tools.run_notebooks examples        # writes examples/executed/*.ipynb

>>> callable(execute_notebook)
True
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time


def execute_notebook(path: pathlib.Path, timeout: int = 600, allow_errors: bool = False):
    """Run every cell of the notebook at ``path`` in a fresh python3 kernel; return the notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=None, help="default: FOLDER/executed")
    args = parser.parse_args(argv)
    import nbformat

    out = args.out or args.folder / "executed"
    out.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(args.folder.glob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks in {args.folder}", file=sys.stderr)
        return 1
    for path in notebooks:
        start = time.perf_counter()
        nb = execute_notebook(path)
        nbformat.write(nb, str(out / path.name))
        print(f"{path.name}: {len(nb.cells)} cells executed in {time.perf_counter() - start:.1f} s -> {out / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
