"""Response sizes: upstream's JSON (indent=2), ours raw and gzipped, and the proxy result Lambda
returns (after base64, which is what counts against Lambda's 6 MB response limit)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from lsctl.local.local_server import service_settings
from lsctl.local.proxy_event import from_result

LAMBDA_LIMIT = service_settings().LAMBDA_RESPONSE_LIMIT


def body_bytes(result: dict[str, Any]) -> bytes:
    """The HTTP body API Gateway sends for a proxy result (base64 decoded)."""
    return from_result(result).body


def header(result: dict[str, Any], name: str) -> str | None:
    """A response header from a proxy result (single- or multi-value form), any case."""
    return from_result(result).header(name)


def payload_bytes(result: dict[str, Any]) -> int:
    """The proxy result's size as the Lambda runtime serialises it."""
    return len(json.dumps(result, separators=(",", ":")).encode())


def sizes(last: dict[str, Any]) -> dict[str, Any]:
    """One circuit's sizes, from the last results of the latency run."""
    plain, packed, upstream = last["handler_plain"], last["handler_gzip"], last["upstream"]
    gzip_body = body_bytes(packed)
    gzipped = header(packed, "content-encoding") == "gzip"
    raw = gzip.decompress(gzip_body) if gzipped else gzip_body
    return {
        "upstream_bytes": upstream.body_bytes,
        "raw_bytes": len(raw),
        "gzip_bytes": len(gzip_body) if gzipped else None,
        "gzip_factor": round(len(raw) / len(gzip_body), 1) if gzipped else None,
        "lambda_payload_plain": payload_bytes(plain),
        "lambda_payload_gzip": payload_bytes(packed),
        "plain_status": plain["statusCode"],
        "plain_base64": bool(plain.get("isBase64Encoded")),
    }


def measure(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = [{"circuit": name, **sizes(last)} for name, last in results.items()]
    return {"status": "ok", "lambda_limit_bytes": LAMBDA_LIMIT, "rows": rows}
