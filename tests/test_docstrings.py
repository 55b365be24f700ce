"""Every runnable example in a docstring runs and prints what it says (doctest)."""
import doctest
import importlib
import pkgutil

import pytest

import jaxcalc_ext

MODULES = sorted(m.name for m in pkgutil.walk_packages(jaxcalc_ext.__path__, "jaxcalc_ext.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
