# Two entry points: `make demo` runs the example notebooks end to end, `make test` runs the tests
# (`make docs` builds the documentation site offline)
# (the browser tests need Debian's chromium: apt-get install chromium; without it they are skipped).
# Each creates .venv and installs what it needs. `make lab` opens JupyterLab on examples/.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo

STAMP_LAB  := $(VENV)/.installed-lab
STAMP_DOCS := $(VENV)/.installed-docs
STAMP_BENCH := $(VENV)/.installed-bench

.PHONY: test fuzz demo docs lab bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# .venv/.installed-<extra>: the package installed with that extra (test, demo, docs, lab, bench)
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[$*]'
	touch $@

test: $(STAMP_TEST)
	$(PY) -m pytest

# The property-based tests with fresh random examples (make test draws the same ones every run),
# the certified band's soundness campaign (BAND_EXAMPLES draws against mpmath), and the fuzzer
# of user programs in a real kernel: FUZZ_PROGRAMS=5000 make fuzz runs that many.
FUZZ_PROGRAMS ?= 2000
BAND_EXAMPLES ?= 600
fuzz: $(STAMP_TEST)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/taylor/test_campaign.py tests/magics/test_magic_errors.py \
		tests/taylor/test_taylor_api.py tests/display/test_display.py tests/graph/test_adjoints_are_jax.py
	HYPOTHESIS_PROFILE=fuzz BAND_EXAMPLES=$(BAND_EXAMPLES) $(PY) -m pytest tests/taylor/test_enclosure.py
	HYPOTHESIS_PROFILE=fuzz FUZZ_PROGRAMS=$(FUZZ_PROGRAMS) $(PY) -m pytest -s tests/end_to_end/test_fuzz_user_programs.py

demo: $(STAMP_DEMO)
	$(PY) -m jaxcalc_ext.tools.run_notebooks examples

# The documentation site, offline, into build/docs: the notebooks are executed first (as make
# demo does), then read by Sphinx (MyST-NB) beside the guide, the API and magic references.
docs: $(STAMP_DOCS)
	$(PY) -m jaxcalc_ext.tools.run_notebooks examples
	$(PY) -m sphinx -b html -q --fail-on-warning docs build/docs
	@echo "open build/docs/index.html"

lab: $(STAMP_LAB)
	$(PY) -m jupyter lab --notebook-dir=examples

bench: $(STAMP_BENCH)
	$(PY) benchmarks/inline_loop.py
	$(PY) benchmarks/live_latency.py
	$(PY) benchmarks/taylor_order.py
	$(PY) benchmarks/laplacian.py
	$(PY) benchmarks/laplacian_folx.py
	$(PY) benchmarks/multivariate.py
	$(PY) benchmarks/graph_render.py
	$(PY) benchmarks/graph_explorer_latency.py
	$(PY) benchmarks/beyond_taylor.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
