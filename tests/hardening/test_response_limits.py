"""Whatever a client accepts, the proxy result the handler returns fits in Lambda's 6 MB
synchronous response limit: a result over the limit becomes a bare 502 from API Gateway instead of
an answer. 8 qubits x 3 layers gives about 5.4 MB of JSON: a client that accepts gzip gets it (a
few hundred kB), one that does not gets a 413 saying to send Accept-Encoding: gzip."""

from __future__ import annotations

import json

import pytest

from compile_service.settings import LAMBDA_RESPONSE_LIMIT
from lsctl.samples import layered


@pytest.mark.compiler
@pytest.mark.parametrize(
    ("accept_encoding", "status"),
    [
        (None, 413),  # 5.4 MB of JSON, 7.1 MB once escaped again in the proxy result
        ("gzip", 200),
    ],
)
def test_a_large_result_fits_in_a_lambda_response(invoke, accept_encoding, status):
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    result = invoke("POST", "/compile", {"circuit": layered(8).qasm}, headers=headers)
    payload = len(json.dumps(result, separators=(",", ":")).encode())
    assert result["statusCode"] == status, result["body"][:300]
    assert payload <= LAMBDA_RESPONSE_LIMIT, f"{payload} bytes returned to the Lambda runtime"
    if status == 413:
        assert "send 'Accept-Encoding: gzip'" in result["body"]
    else:
        assert result["headers"]["Content-Encoding"] == "gzip"
