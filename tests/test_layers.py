"""The house's layers, read from the code: every import in the package (at module level or
inside a function) goes down the layers or stays in its own package, no module imports
another's private name, and the computing layers import neither IPython nor matplotlib."""
from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "jaxcalc_ext"

# package -> the packages of ours it may import (its own always)
MAY_IMPORT = {
    "core": set(),
    "taylor": {"core"},
    "graph": {"core"},
    "listing": {"core", "taylor"},       # it lists Taylor-mode programs
    "display": {"core", "taylor", "graph", "listing"},
    "hooks": {"core", "taylor", "graph", "display"},
    "magics": {"core", "taylor", "graph", "listing", "display", "hooks"},
    "tools": set(),
}
COMPUTING = ("core", "taylor", "graph", "listing")
FRONT_END_LIBRARIES = ("IPython", "matplotlib", "ipywidgets", "anywidget")


def _imports(path: pathlib.Path):
    """(module imported, names imported, line) for every import in ``path``, made absolute."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [a.name for a in node.names], node.lineno


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "jaxcalc_ext" and len(parts) > 1 else None


def test_every_import_goes_down_the_layers():
    wrong = []
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            continue            # the package root re-exports the public API
        own = rel.parts[0]
        for module, names, line in _imports(path):
            targets = [module] if _layer(module) else []
            if module == "jaxcalc_ext":
                targets = [f"jaxcalc_ext.{n}" for n in names]
            for target in targets:
                layer = _layer(target)
                if layer and layer != own and layer not in MAY_IMPORT[own]:
                    wrong.append(f"{rel}:{line} imports {target}")
    assert not wrong, "imports running back up the layers:\n" + "\n".join(wrong)


def test_no_module_imports_another_modules_private_names():
    wrong = [f"{path.relative_to(PACKAGE)}:{line} imports {module}.{name}"
             for path in _modules() for module, names, line in _imports(path)
             if module.startswith("jaxcalc_ext") for name in names
             if name.startswith("_") and not name.startswith("__")]
    assert not wrong, "\n".join(wrong)


def test_the_computing_layers_import_no_front_end():
    wrong = [f"{path.relative_to(PACKAGE)}:{line} imports {module}"
             for path in _modules() if path.relative_to(PACKAGE).parts[0] in COMPUTING
             for module, _, line in _imports(path) if module.split(".")[0] in FRONT_END_LIBRARIES]
    assert not wrong, "\n".join(wrong)


def test_the_layers_table_names_every_package():
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(MAY_IMPORT), packages ^ set(MAY_IMPORT)
