"""schemathesis against the real local server (`lsctl serve`), from the committed OpenAPI
document: no 5xx, and status codes, content types and bodies as the document declares.

Bounded: at most MAX_EXAMPLES generated requests per operation, reproducibly (derandomized).
Without the compiler, compile routes answer 503 (documented) and /health answers 503 degraded.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from lsctl.paths import FUNCTION_DIR
from tests.conftest import COMPILER_PRESENT

OPENAPI = FUNCTION_DIR / "compile_service" / "openapi.json"
MAX_EXAMPLES = 30

schema = schemathesis.openapi.from_path(OPENAPI)

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
if COMPILER_PRESENT:
    # Without the compiler every compile is a documented 503, which not_a_server_error rejects.
    CHECKS.insert(0, not_a_server_error)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_local_server_conforms_to_its_openapi_document(case, local_server):
    case.call_and_validate(base_url=local_server, checks=CHECKS, timeout=60)


# Methods no route serves, which the local server must still hand to the handler.
UNHANDLED_METHODS = ("TRACE", "CONNECT", "QUERY")


@pytest.mark.parametrize("method", UNHANDLED_METHODS)
def test_methods_no_route_serves_get_a_4xx_from_the_handler(local_server, method):
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(local_server).port, timeout=30)
    try:
        connection.request(method, "/compile")
        status = connection.getresponse().status
    finally:
        connection.close()
    assert 400 <= status < 500, status
