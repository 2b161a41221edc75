"""Whatever a client accepts, the proxy result the handler returns fits in Lambda's 6 MB
synchronous response limit (or is a 413 with a message): a result over the limit becomes a bare
502 from API Gateway instead of an answer. 8 qubits x 3 layers gives about 5.4 MB of JSON."""

from __future__ import annotations

import json

import pytest

from lsctl.bench.circuits import layered

LAMBDA_LIMIT = 6 * 1024 * 1024


@pytest.mark.compiler
@pytest.mark.parametrize(
    "accept_encoding",
    [
        None,  # 5.4 MB of JSON, 7.1 MB once escaped again in the proxy result: a 413
        "gzip",
    ],
)
def test_a_large_result_fits_in_a_lambda_response(invoke, accept_encoding):
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    result = invoke("POST", "/compile", {"circuit": layered(8).qasm}, headers=headers)
    payload = len(json.dumps(result, separators=(",", ":")).encode())
    assert result["statusCode"] in (200, 413), result["body"][:300]
    assert payload <= LAMBDA_LIMIT, f"{payload} bytes returned to the Lambda runtime"
