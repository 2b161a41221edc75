"""S3 answers a read of a missing key with 403 when the caller lacks s3:ListBucket (moto always
answers 404, so S3's answer is stubbed here): the result store counts it as a miss, so a new job
is accepted and a cache miss compiles, with one warning naming the fix and no traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from compile_service.jobs import aws_store


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws_store.client.cache_clear()
    aws_store._warn_forbidden.cache_clear()
    stubber = Stubber(aws_store.client("s3"))
    with stubber:
        yield stubber
    aws_store.client.cache_clear()


def test_a_403_read_without_list_bucket_is_a_miss_logged_once(
    s3: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    results = aws_store.S3Results("lattice-surgery-dev-results-123456789012-us-east-1")
    for _ in range(2):
        s3.add_client_error("head_object", service_error_code="403", http_status_code=403)
        s3.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
    with caplog.at_level(logging.INFO):
        assert results.meta("k" * 64) is None
        assert results.get("k" * 64) is None
        assert results.meta("k" * 64) is None
        assert results.get_request("k" * 64) is None
    warnings = [r for r in caplog.records if "s3:ListBucket" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert not any(r.exc_info for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


def test_other_s3_errors_still_raise(s3: Stubber) -> None:
    results = aws_store.S3Results("lattice-surgery-dev-results-123456789012-us-east-1")
    s3.add_client_error("head_object", service_error_code="SlowDown", http_status_code=503)
    with pytest.raises(Exception, match="SlowDown"):
        results.meta("k" * 64)


def test_a_result_cache_miss_under_403_compiles_without_an_error_log(
    s3: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    """The cache's miss path (B1): before, every miss logged ERROR with a traceback."""
    from compile_service import service
    from compile_service.cache import ResultCache
    from compile_service.settings import load_limits

    source = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\nt q[1];\n'
    prepared = service.prepare(source, True, load_limits())
    cache = ResultCache(aws_store.S3Results("lattice-surgery-dev-results-123456789012-us-east-1"))
    s3.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
    with caplog.at_level(logging.INFO):
        assert cache.get(prepared) is None
    assert not any(r.levelno >= logging.ERROR or r.exc_info for r in caplog.records)
