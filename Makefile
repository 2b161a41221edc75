# One place for every set-up step: `make serve` and `make test` work on a fresh machine.
# Environments: .venv (runtime + dev tools), .venv-sam and .venv-checkov (CLIs whose pins
# conflict with moto's boto3), all built from the locked files in requirements/.

SHELL := /bin/bash
PYTHON312 := $(shell scripts/find-python312)
VENV := .venv
UV_VERSION := $(shell sed -n "s/^uv==\([^ ]*\).*/\1/p" requirements/dev.txt)
UV := $(VENV)/bin/uv
export UV_CACHE_DIR ?= $(HOME)/.cache/uv
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv tools compiler serve test lint pytest bench bundle lock clean

help:
	@echo "make serve   start the local compile service on http://127.0.0.1:9876"
	@echo "make test    set up everything, then run the linters and the test suite"
	@echo "make bench   measure size, cold start, latency and throughput"
	@echo "make bundle  assemble the Lambda task root in build/bundle"
	@echo "make lock    re-resolve requirements/*.txt from requirements/*.in"

$(VENV)/.stamp: requirements/runtime.txt requirements/dev.txt pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 is required" >&2; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(VENV)/bin/python --require-hashes \
		requirements/runtime.txt requirements/dev.txt
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps -e .
	touch $@

# Order-only on .venv: the tool environments need its uv, not a rebuild whenever it changes.
.venv-%/.stamp: requirements/%.txt | $(VENV)/.stamp
	$(UV) venv --quiet --clear --python $(PYTHON312) .venv-$*
	$(UV) pip sync --quiet --python .venv-$*/bin/python --require-hashes requirements/$*.txt
	touch $@

venv: $(VENV)/.stamp
tools: .venv-sam/.stamp .venv-checkov/.stamp

# The patched copy of compiler/ (build/compiler); a notice, not a failure, when it is empty.
compiler: venv
	$(VENV)/bin/lsctl prepare-compiler --allow-missing

serve: venv compiler
	$(VENV)/bin/lsctl serve

lint: venv tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

pytest: venv tools compiler
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint pytest

bench: venv compiler
	$(VENV)/bin/lsctl bench

bundle: venv compiler
	$(VENV)/bin/lsctl build

lock: venv
	cd requirements && for f in runtime dev sam checkov; do \
		../$(UV) pip compile $$f.in --quiet --python-version 3.12 \
			--python-platform x86_64-manylinux_2_28 --generate-hashes \
			$$(test -f $$f.excludes && echo --excludes $$f.excludes) -o $$f.txt; done

clean:
	rm -rf $(VENV) .venv-sam .venv-checkov build
