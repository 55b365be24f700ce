# Two entry points: `make demo` runs the example notebooks end to end, `make test` runs the tests.
# Each creates .venv and installs what it needs; nothing has to be installed by hand.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo

.PHONY: test demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(STAMP_DEMO): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[demo]'
	touch $@

test: $(STAMP_TEST)
	$(PY) -m pytest

demo: $(STAMP_DEMO)
	$(PY) -m jaxcalc_ext.tools.run_notebooks examples

bench: $(STAMP_TEST)
	$(PY) benchmarks/taylor_order.py
	$(PY) benchmarks/laplacian.py
	$(PY) benchmarks/multivariate.py
	$(PY) benchmarks/graph_render.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
