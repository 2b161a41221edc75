"""HTTP requests as API Gateway REST API proxy events, and proxy results back as HTTP: the one
event builder and result decoder of the local server, the bundle's request corpus replay, the
benchmark and the tests.

Standard library only: the isolated bundle probe (lsctl.build.corpus_probe) imports it too.
"""

from __future__ import annotations

import base64
import gzip
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit


def to_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The event API Gateway (REST API, Lambda proxy integration) would send for this request;
    the body travels base64-encoded when it is not UTF-8 text."""
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode(), True
    request_id = str(uuid.uuid4())
    return {
        "resource": url.path,
        "path": url.path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": request_id,
            "stage": "local",
            "httpMethod": method,
            "path": url.path,
            "resourcePath": url.path,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # as sent: base64 decoded, still gzipped when Content-Encoding says so

    def header(self, name: str) -> str | None:
        """The last value of a header, any case; None when absent."""
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None

    @property
    def content(self) -> bytes:
        """The body as the client reads it: gunzipped when it was sent gzipped."""
        if self.header("content-encoding") == "gzip":
            return gzip.decompress(self.body)
        return self.body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def from_result(result: dict[str, Any]) -> HttpResult:
    """What API Gateway sends back to the client for a proxy integration result."""
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values if (name, str(v)) not in headers)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return HttpResult(int(result.get("statusCode", 502)), headers, body)
