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

PORT ?= 9876
# pytest-xdist workers for `make test` (auto: one per core).
WORKERS ?= auto

.PHONY: help venv tools compiler serve unit test lint pytest bench bundle lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | \
		awk -F'\t' '{printf "make %-8s %s\n", $$1, $$2}'

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

venv: $(VENV)/.stamp ## build .venv from the locked requirements
tools: .venv-sam/.stamp .venv-checkov/.stamp ## build .venv-sam and .venv-checkov (the sam and checkov CLIs)

# Both engines where their submodules are present, a notice (not a failure) for an empty one:
# the patched copy of compiler/ (build/compiler) and liblsqecc's lsqecc_slicer built, statically
# linked, from a patched copy of liblsqecc/ (build/liblsqecc/bin; needs cmake, g++ and
# libboost-graph-dev; see docs/engines.md).
compiler: venv ## prepare both engines: build/compiler (patched) and build/liblsqecc (built)
	$(VENV)/bin/lsctl prepare-compiler --allow-missing

serve: venv compiler ## serve the API on http://127.0.0.1:9876 (another port: make serve PORT=8080)
	$(VENV)/bin/lsctl serve --port $(PORT)

lint: venv tools ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

pytest: venv tools compiler ## the whole test suite, in parallel (PYTEST_ARGS=... for more)
	$(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

test: lint pytest ## set up everything, then run the linters and the whole test suite (the CI gate)

# No bundle, linters, moto or servers: the tests marked slow are left out.
unit: venv ## the fast loop: the tests that take no bundle, linters, moto or servers (< 1 min)
	$(VENV)/bin/pytest -m 'not slow' -q $(PYTEST_ARGS)

bench: venv compiler ## measure size, cold start, latency and throughput (needs the compiler)
	$(VENV)/bin/lsctl bench

bundle: venv compiler ## assemble the Lambda task root in build/bundle
	$(VENV)/bin/lsctl build

lock: venv ## re-resolve requirements/*.txt from requirements/*.in
	cd requirements && for f in runtime dev sam checkov; do \
		../$(UV) pip compile $$f.in --quiet --python-version 3.12 \
			--python-platform x86_64-manylinux_2_28 --generate-hashes \
			$$(test -f $$f.excludes && echo --excludes $$f.excludes) -o $$f.txt; done

clean: ## remove the environments and build/
	rm -rf $(VENV) .venv-sam .venv-checkov build
