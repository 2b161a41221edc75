from __future__ import annotations

import dataclasses

import pytest

from tests.service.compiler_copies import copies as copies  # the patch proofs' two compilers
from tests.service.recorded import SIMULATOR, RecordedPipeline


@pytest.fixture
def recorded_compiler(monkeypatch: pytest.MonkeyPatch) -> RecordedPipeline:
    """The compiler adapter answering with recorded real outputs (works without compiler/)."""
    from compile_service.engines import lsqecc as compiler

    pipeline = RecordedPipeline()
    monkeypatch.setattr(compiler, "_pipeline", pipeline)
    monkeypatch.setattr(compiler, "_lssim", SIMULATOR)
    return pipeline


@pytest.fixture
def no_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter as in a build whose compiler submodule was empty."""
    from compile_service.engines import lsqecc as compiler

    monkeypatch.setattr(compiler, "_pipeline", None)
    monkeypatch.setattr(compiler, "_lssim", None)


@pytest.fixture
def set_limits(monkeypatch: pytest.MonkeyPatch):
    """Change the handler's limits for one test: set_limits(max_qubits=3)."""
    from compile_service import api

    def change(**values: float) -> None:
        monkeypatch.setattr(api, "limits", dataclasses.replace(api.limits, **values))

    return change


@pytest.fixture
def log_records(monkeypatch: pytest.MonkeyPatch):
    """The service's structured log lines, as parsed JSON (read after the calls)."""
    import io
    import json
    import logging

    from compile_service.settings import SERVICE

    buffer = io.StringIO()
    for handler in logging.getLogger(SERVICE).handlers:
        monkeypatch.setattr(handler, "stream", buffer)
    # The logger keeps the level of whoever imported the handler first (e.g. a benchmark at
    # WARNING); these tests read INFO records.
    for name in [SERVICE, *logging.root.manager.loggerDict]:
        if name == SERVICE or name.startswith(SERVICE + "."):
            logger = logging.getLogger(name)
            monkeypatch.setattr(logger, "level", logger.level)  # restored after the test
            logger.setLevel(logging.INFO)  # setLevel also clears logging's isEnabledFor cache
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line]
    logging.root.manager._clear_cache()


@pytest.fixture
def local_jobs(monkeypatch, tmp_path, invoke):
    """Jobs on the local directory backend `make serve` uses."""
    from compile_service.jobs import backends
    from tests.service.jobs_harness import LocalHarness

    harness = LocalHarness(tmp_path / "local-data")
    harness.create()
    for name, value in harness.env.items():
        monkeypatch.setenv(name, value)
    backends.reset()
    yield harness
    backends.reset()
