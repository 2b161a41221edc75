"""What the finished bundle must answer, read from the final corpus replay (import_trace,
which runs the handler from the bundle alone as Lambda would: only the bundle on sys.path,
multiprocessing semaphores failing, nothing written into the bundle). The replay proves that
pruning changed no answer; this proves the answers were right to begin with."""

from __future__ import annotations

from typing import Any

from lsctl.errors import CliError

# Corpus requests (service_corpus) that must answer 200 when the compiler is in the bundle.
COMPILES = ("v2 readme litinski", "legacy readme plain", "legacy readme gzip")


def verify(answers: dict[str, dict[str, Any]], *, compile_expected: bool) -> dict[str, Any]:
    """The statuses that matter, or CliError: /health is 200 (503 without the compiler) and,
    with the compiler, the README example compiles through both routes."""
    expected = {"health": 200 if compile_expected else 503}
    if compile_expected:
        expected |= dict.fromkeys(COMPILES, 200)
    statuses = {name: answers.get(name, {}).get("status") for name in expected}
    problems = [
        f"{name} answered {statuses[name]}, not {status}"
        for name, status in expected.items()
        if statuses[name] != status
    ]
    if problems:
        raise CliError("bundle verification failed: " + "; ".join(problems))
    return statuses
