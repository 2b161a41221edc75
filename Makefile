# One place for every set-up step: `make serve` and `make test` work on a fresh machine.
# Environments: .venv (runtime + dev tools), .venv-sam and .venv-checkov (CLIs whose pins
# conflict with moto's boto3), all built from the locked files in requirements/.

SHELL := /bin/bash
PYTHON312 := $(shell scripts/find-python312)
VENV := .venv
UV := $(VENV)/bin/uv
export UV_CACHE_DIR ?= $(HOME)/.cache/uv
# Bytecode (and pytest's rewritten test modules) cached under build/pycache, never beside the
# sources or in the bundle: a run re-compiles only what changed.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/build/pycache

# The tests' temporary files (pytest's tmp_path) in memory where /dev/shm is a tmpfs that allows
# executables (the bundle tests load .so files from their bundles): a bundle build deletes ~4,000
# files, and on a disk mounted with online discard each deletion waits ~3.7 ms for the device.
TEST_TMP ?= $(shell findmnt -no FSTYPE,OPTIONS /dev/shm 2>/dev/null | grep -v noexec | grep -q '^tmpfs' && test -w /dev/shm && echo /dev/shm)
ifneq ($(TEST_TMP),)
export PYTEST_DEBUG_TEMPROOT := $(TEST_TMP)
endif

PORT ?= 9876
# pytest-xdist workers for `make test` (auto: one per core).
WORKERS ?= auto
# How many times `make flakecheck` runs the suite.
RUNS ?= 5

.PHONY: help venv tools compiler serve unit test lint pytest flakecheck bench bundle lock clean webclient fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | \
		awk -F'\t' '{printf "make %-10s %s\n", $$1, $$2}'

$(VENV)/.stamp: requirements/runtime.txt requirements/dev.txt requirements/uv.txt pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 is required" >&2; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	# uv by hash (requirements/uv.txt), then everything else by hash with uv.
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r requirements/uv.txt
	# --compile-bytecode: PYTHONDONTWRITEBYTECODE (above) would otherwise make every run compile
	# qiskit, hypothesis and the rest from source again (most of a test run's collection time).
	$(UV) pip sync --quiet --python $(VENV)/bin/python --require-hashes --compile-bytecode \
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
unit: venv ## the fast loop: the tests that take no bundle, linters, moto or servers (~27 s on 2 cores)
	$(VENV)/bin/pytest -m 'not slow' -q -p no:schemathesis -n $(WORKERS) $(PYTEST_ARGS)

# Each run has its own pytest-randomly seed (the order of tests); a failure is listed with the
# seed that reproduces it: make pytest PYTEST_ARGS=--randomly-seed=N
flakecheck: venv tools compiler ## the whole suite RUNS times (5) in random orders; lists what failed
	@rm -f build/flakecheck.txt; mkdir -p build; \
	for run in $$(seq $(RUNS)); do \
		seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); \
		echo "== run $$run of $(RUNS): --randomly-seed=$$seed"; \
		$(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup -q -p randomly --randomly-seed=$$seed \
			$(PYTEST_ARGS) | tee build/flakecheck-run.txt | tail -n 3; code=$${PIPESTATUS[0]}; \
		[ $$code -le 1 ] || echo "run $$run ended with pytest exit $$code (--randomly-seed=$$seed)" \
			>> build/flakecheck.txt; \
		sed -n "s/^FAILED \([^ ]*\).*/\1 (--randomly-seed=$$seed)/p;s/^ERROR \([^ ]*\).*/\1 (--randomly-seed=$$seed)/p" \
			build/flakecheck-run.txt >> build/flakecheck.txt; \
	done; \
	if [ -s build/flakecheck.txt ]; then \
		echo "flakecheck: $$(wc -l < build/flakecheck.txt) failures in $(RUNS) runs:"; \
		cat build/flakecheck.txt; exit 1; \
	fi; echo "flakecheck: $(RUNS) runs, 0 failures"

bench: venv compiler ## measure size, cold start, latency and throughput (needs the compiler)
	$(VENV)/bin/lsctl bench

# The latticesurgery.com web client for tests/webclient (needs node and npm; chromium to run them).
webclient: venv ## build the web client from a web-ui checkout: make webclient WEBUI=<path>
	@test -n "$(WEBUI)" || { echo "usage: make webclient WEBUI=<web-ui checkout>" >&2; exit 2; }
	$(VENV)/bin/python tests/webclient/build_client.py "$(WEBUI)"

bundle: venv compiler ## assemble the Lambda task root in build/bundle
	$(VENV)/bin/lsctl build

# runtime is what Lambda runs (glibc 2.34: manylinux_2_28); dev tools run on developer and CI
# machines, and qdk (the estimator cross-check, lsctl bench estimates) ships manylinux_2_35 only.
lock: venv ## re-resolve requirements/*.txt from requirements/*.in
	cd requirements && for f in runtime dev uv sam checkov; do \
		../$(UV) pip compile $$f.in --quiet --python-version 3.12 \
			--python-platform x86_64-manylinux_$$(test $$f = dev && echo 2_35 || echo 2_28) \
			--generate-hashes \
			$$(test -f $$f.excludes && echo --excludes $$f.excludes) -o $$f.txt; done

clean: ## remove the environments and build/
	rm -rf $(VENV) .venv-sam .venv-checkov build

# The hostile-input fuzzer (tests/hardening/test_fuzz_front_end.py) for longer than the test
# suite's short, derandomized run: FUZZ_EXAMPLES random inputs per test (default 5000).
FUZZ_EXAMPLES ?= 5000
fuzz: venv compiler ## fuzz the QASM front end and both compile routes with hostile input
	LSC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/hardening/test_fuzz_front_end.py \
		-p no:randomly -q -s $(PYTEST_ARGS)
