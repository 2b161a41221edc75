"""Replay a request corpus through the handler of a bundle, as Lambda would run it, and record
what each request answered and which files of the bundle the run used.

Run by lsctl.import_trace as `python -I -S corpus_probe.py BUNDLE CORPUS RESULTS`: an interpreter
with no site-packages and no PYTHON* variables, where only the bundle and the standard library can
be imported, and where multiprocessing semaphores fail as on Lambda (no /dev/shm). It imports
nothing from lsctl: it must run inside the bundle's world alone.

CORPUS is a JSON list of requests: {"name", "method", "path", "body" (text or null),
"body_base64" (bytes the client sends, instead of body), "headers", "limits" (overrides of the
service's limits for this one request, e.g. a tiny compile budget)}.

RESULTS gets, per request, a fingerprint of the answer (status, content type, and the body with
its volatile parts removed: timings) and, for the run, every bundle file that was loaded: modules
(sys.modules), files opened (the "open" audit event: data files, bytecode, sources) and shared
libraries mapped into the process (/proc/self/maps: extensions and the libraries they link).
"""

import base64
import dataclasses
import gzip
import hashlib
import json
import os
import sys
import time
from typing import Any

bundle, corpus_file, results_file = sys.argv[1], sys.argv[2], sys.argv[3]
bundle = os.path.realpath(bundle)
assert not any("site-packages" in p for p in sys.path), sys.path
sys.path.insert(0, bundle)
opened = set()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str):
        path = os.path.realpath(args[0]) if not args[0].startswith(bundle) else args[0]
        if path.startswith(bundle + os.sep):
            opened.add(path)


sys.addaudithook(_audit)

import _multiprocessing  # noqa: E402
import multiprocessing  # noqa: E402


class NoSemLock:
    SEM_VALUE_MAX = _multiprocessing.SemLock.SEM_VALUE_MAX

    def __init__(self, *args, **kwargs):
        raise OSError(38, "Function not implemented")


_multiprocessing.SemLock = NoSemLock
try:
    multiprocessing.Lock()
    raise SystemExit("multiprocessing semaphores still work: the Lambda emulation failed")
except OSError:
    pass

import app  # noqa: E402

from compile_service import api  # noqa: E402


class Context:
    function_name = "lattice-surgery-corpus"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lattice-surgery-corpus"
    memory_limit_in_mb = 1769
    aws_request_id = "corpus-replay"
    log_group_name = "/aws/lambda/lattice-surgery-corpus"
    log_stream_name = "corpus"

    def get_remaining_time_in_millis(self) -> int:
        return 28000


def event(request: dict[str, Any]) -> dict[str, Any]:
    headers = dict(request.get("headers") or {})
    if request.get("body_base64") is not None:
        body, encoded = request["body_base64"], True
    else:
        body, encoded = request.get("body"), False
    path = request["path"]
    return {
        "resource": path,
        "path": path,
        "httpMethod": request["method"],
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "corpus", "stage": "corpus", "path": path},
        "body": body,
        "isBase64Encoded": encoded,
    }


def _without_timings(value: Any) -> Any:
    """The JSON answer minus what changes from run to run (seconds spent)."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def fingerprint(result: dict[str, Any]) -> dict[str, Any]:
    raw = result.get("body") or ""
    data = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = values[-1]
    gzipped = headers.get("content-encoding") == "gzip"
    if gzipped:
        data = gzip.decompress(data)
    text = data.decode("utf-8", "replace")
    document = None
    try:
        document = json.loads(text)
        if isinstance(document, str):  # the legacy route: a JSON string holding the JSON
            document = json.loads(document)
    except ValueError:
        pass
    answer = {
        "status": int(result["statusCode"]),
        "content_type": headers.get("content-type", ""),
        "gzip": gzipped,
    }
    if isinstance(document, dict):
        slices = document.get("slices")
        if slices is not None:
            answer["slices"] = len(slices)
            canonical = json.dumps(slices, sort_keys=True).encode()
            answer["slices_sha256"] = hashlib.sha256(canonical).hexdigest()
        document = _without_timings(document)
        canonical = json.dumps(document, sort_keys=True).encode()
        answer["body_sha256"] = hashlib.sha256(canonical).hexdigest()
        error = document.get("error")
        if isinstance(error, dict):
            answer["message"] = str(error.get("message", ""))[:300]
    else:
        answer["body_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        if answer["status"] >= 400:
            answer["message"] = text.strip()[:300]
    return answer


with open(corpus_file) as f:
    corpus = json.load(f)
answers = {}
original_limits = api.limits
milliseconds = {}
for request in corpus:
    api.limits = dataclasses.replace(original_limits, **(request.get("limits") or {}))
    started = time.perf_counter()
    try:
        answers[request["name"]] = fingerprint(app.lambda_handler(event(request), Context()))
    finally:
        api.limits = original_limits
    milliseconds[request["name"]] = round((time.perf_counter() - started) * 1000, 1)


def _mapped_libraries() -> set[str]:
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].strip().startswith(bundle + os.sep):
                found.add(parts[5].strip())
    return found


modules = {}
for name, module in list(sys.modules.items()):
    origin = getattr(module, "__file__", None)
    if origin:
        modules[name] = os.path.realpath(origin) if not origin.startswith(bundle) else origin
used = {p for p in modules.values() if p.startswith(bundle + os.sep)}
used |= opened | _mapped_libraries()
# Module paths outside the bundle are resolved (realpath), so the standard library's prefix is
# too: with Python reached through a symlink, sys.base_prefix alone is the unresolved path.
stdlib = tuple({sys.base_prefix + os.sep, os.path.realpath(sys.base_prefix) + os.sep})
outside = sorted(
    {p for p in modules.values() if not p.startswith((bundle + os.sep, *stdlib))}
    - {os.path.realpath(__file__)}
)
with open(results_file, "w") as f:
    json.dump(
        {
            "answers": answers,
            "modules": sorted(n for n, p in modules.items() if p.startswith(bundle + os.sep)),
            "files": sorted(os.path.relpath(p, bundle) for p in used),
            "outside": outside,
            "milliseconds": milliseconds,
        },
        f,
    )
