# The two jobs of the README. Both create .venv and install the project into it first (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all test clean

# Main job: check every shipped rule, verify it (examples, proofs, properties; deterministic ci profile),
# then build the reference site into site/.
all: $(STAMP)
	$(BIN)/margin-verifier check rules
	$(BIN)/margin-verifier verify rules --profile ci
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	@echo "site built: open site/index.html (or run: $(BIN)/mkdocs serve)"

# The test suite: unit, corpus, security, property and end-to-end CLI tests, plus doctests, in one worker
# process per CPU (pytest-xdist: the suite took 13 min in one process on 2 cores, 5.4 min in two).  It includes
# tests/test_installed.py: python -m build, the wheel installed into a fresh venv outside the checkout, every verb
# run from a temporary folder (one xdist group, kept on one worker by --dist loadgroup; under pytest >= 9.2 only
# with tests/conftest.py's workaround for pytest-xdist#1386, which tests/test_xdist_groups.py checks).
test: $(STAMP)
	$(BIN)/python -m pytest tests verifier -q -n auto --dist loadgroup

# The install: the project editable, with the test tools and the `batch` extra (pyarrow, dask[distributed]: the
# batch verb's Parquet and Dask engine, which the suite tests); a plain `pip install margin-verifier` stays light.
# The editable install is quiet: setuptools says "Editable installation ... be careful with folders in your working
# directory with the same name as your package" on every editable install of a flat layout (an InformationOnly
# message, not a deprecation); here the working directory's verifier/ *is* the package, so it is filtered out.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[test,batch]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis
