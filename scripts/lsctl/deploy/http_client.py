"""One HTTP request to a deployed (or local) service, gzip decoded: what the smoke test and the
jobs client send."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

REQUEST_SECONDS = 35.0  # API Gateway gives up at 29 s


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes  # decoded from gzip if it was sent gzipped


def network_errors() -> tuple[type[Exception], ...]:
    """What a request raises when no answer comes (refused, reset, timed out, cut short), for
    `except network_errors() as exc:`."""
    import http.client

    return (OSError, http.client.HTTPException)


def request(
    method: str, url: str, body: Any = None, *, timeout: float = REQUEST_SECONDS
) -> HttpResponse:
    """One HTTP request; an HTTP error status is a response, a network failure raises OSError."""
    import urllib.error  # here, not at import (http.client, ssl): `lsctl --help` loads this module
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept-Encoding": "gzip", "User-Agent": "lsctl-smoke"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URL from the user
            status, raw, got = resp.status, resp.read(), dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers.items())
    if {k.lower(): v for k, v in got.items()}.get("content-encoding", "").lower() == "gzip":
        raw = gzip.decompress(raw)
    return HttpResponse(status, got, raw)
