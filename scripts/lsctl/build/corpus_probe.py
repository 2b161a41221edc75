"""Replay a request corpus through the handler of a bundle, as Lambda would run it, and record
what each request answered and which files of the bundle the run used.

Run by import_trace as `python -I -S corpus_probe.py BUNDLE CORPUS RESULTS`: an interpreter
with no site-packages and no PYTHON* variables, where only the bundle and the standard library can
be imported, and where multiprocessing semaphores fail as on Lambda (no /dev/shm). Of lsctl it
imports only the standard-library-only Lambda fakes (lsctl.local.lambda_fakes, proxy_event): the
bundle's world alone runs the handler.

CORPUS is a JSON list of requests: {"name", "method", "path", "body" (text or null),
"body_base64" (bytes the client sends, instead of body), "headers", "limits" (overrides of the
service's limits for this one request, e.g. a tiny compile budget)}.

RESULTS gets, per request, a fingerprint of the answer (status, content type, and the body with
its volatile parts removed: timings) and, for the run, every bundle file that was loaded: modules
(sys.modules), files opened (the "open" audit event: data files, bytecode, sources) and shared
libraries mapped into the process (/proc/self/maps: extensions and the libraries they link).
"""

import dataclasses
import hashlib
import json
import os
import sys
import time
from typing import Any

bundle, corpus_file, results_file = sys.argv[1], sys.argv[2], sys.argv[3]
bundle = os.path.realpath(bundle)
assert not any("site-packages" in p for p in sys.path), sys.path
LSCTL = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, bundle)
sys.path.append(os.path.dirname(LSCTL))
from lsctl.local.lambda_fakes import LambdaContext  # noqa: E402
from lsctl.local.proxy_event import from_result, to_event  # noqa: E402

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


def event(request: dict[str, Any]) -> dict[str, Any]:
    headers = dict(request.get("headers") or {})
    body = (request.get("body") or "").encode()
    built = to_event(request["method"], request["path"], headers, body)
    if request.get("body_base64") is not None:  # sent as is: the corpus has invalid base64 too
        built.update(body=request["body_base64"], isBase64Encoded=True)
    return built


def _without_timings(value: Any) -> Any:
    """The JSON answer minus what changes from run to run (seconds spent)."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def fingerprint(result: dict[str, Any]) -> dict[str, Any]:
    answer = from_result(result)
    gzipped = answer.header("content-encoding") == "gzip"
    text = answer.text
    document = None
    try:
        document = json.loads(text)
        if isinstance(document, str):  # the legacy route: a JSON string holding the JSON
            document = json.loads(document)
    except ValueError:
        pass
    fields: dict[str, Any] = {
        "status": answer.status,
        "content_type": answer.header("content-type") or "",
        "gzip": gzipped,
    }
    if isinstance(document, dict):
        slices = document.get("slices")
        if slices is not None:
            fields["slices"] = len(slices)
            canonical = json.dumps(slices, sort_keys=True).encode()
            fields["slices_sha256"] = hashlib.sha256(canonical).hexdigest()
        document = _without_timings(document)
        canonical = json.dumps(document, sort_keys=True).encode()
        fields["body_sha256"] = hashlib.sha256(canonical).hexdigest()
        error = document.get("error")
        if isinstance(error, dict):
            fields["message"] = str(error.get("message", ""))[:300]
    else:
        fields["body_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        if fields["status"] >= 400:
            fields["message"] = text.strip()[:300]
    return fields


with open(corpus_file) as f:
    corpus = json.load(f)
answers = {}
CONTEXT = LambdaContext("lattice-surgery-corpus", "corpus-replay")
original_limits = api.limits
milliseconds = {}
for request in corpus:
    api.limits = dataclasses.replace(original_limits, **(request.get("limits") or {}))
    started = time.perf_counter()
    try:
        answers[request["name"]] = fingerprint(
            app.lambda_handler(
                event(request), LambdaContext("lattice-surgery-corpus", "corpus-replay")
            )
        )
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
outside = sorted(p for p in modules.values() if not p.startswith((bundle + os.sep, *stdlib, LSCTL)))
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
