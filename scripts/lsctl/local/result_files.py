"""The local server's stand-in for S3 presigned links: GET /local-results/<key>.json.gz serves
that file of the local result store (compile_service.jobs.local_store), as S3 serves a result."""

from __future__ import annotations

import re
from pathlib import Path

from lsctl.local.proxy_event import HttpResult

PREFIX = "/local-results/"
_NAME = re.compile(r"[0-9a-f]{40}\.json\.gz")


def handles(path: str) -> bool:
    return path.startswith(PREFIX)


def serve(results_dir: Path, path: str) -> HttpResult:
    name = path[len(PREFIX) :].split("?", 1)[0]
    file = results_dir / name
    if not _NAME.fullmatch(name) or not file.is_file():
        return HttpResult(404, [("Content-Type", "text/plain")], b"no such result\n")
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    return HttpResult(200, headers, file.read_bytes())
