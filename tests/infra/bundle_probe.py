"""Run by test_bundle as `python -I -S bundle_probe.py BUNDLE CIRCUIT RESULTS`: an interpreter
with no site-packages and no PYTHON* variables, where only the bundle (and the standard library)
can be imported, and where multiprocessing semaphores fail as on Lambda (no /dev/shm)."""

import base64
import gzip
import json
import multiprocessing
import sys

bundle, circuit, results_file = sys.argv[1], sys.argv[2], sys.argv[3]
assert not any("site-packages" in p for p in sys.path), sys.path
sys.path.insert(0, bundle)

import _multiprocessing  # noqa: E402


class NoSemLock:
    SEM_VALUE_MAX = _multiprocessing.SemLock.SEM_VALUE_MAX

    def __init__(self, *args, **kwargs):
        raise OSError(38, "Function not implemented")


_multiprocessing.SemLock = NoSemLock
try:
    multiprocessing.Lock()
    semaphores_fail = False
except OSError:
    semaphores_fail = True

import app  # noqa: E402


class Context:
    function_name = "bundle-probe"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bundle-probe"
    memory_limit_in_mb = 1769
    aws_request_id = "bundle-probe"
    log_group_name = "/aws/lambda/bundle-probe"
    log_stream_name = "probe"

    def get_remaining_time_in_millis(self):
        return 28000


def call(method, path, body=None, headers=None):
    headers = (
        {"content-type": "application/json", **(headers or {})} if body else dict(headers or {})
    )
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "probe", "stage": "probe", "path": path},
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }
    result = app.lambda_handler(event, Context())
    raw = result.get("body") or ""
    data = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = values[-1]
    if headers.get("content-encoding") == "gzip":
        data = gzip.decompress(data)
    return {"status": int(result["statusCode"]), "body": data.decode()}


results = {"semaphores_fail": semaphores_fail, "health": call("GET", "/health")}
if __import__("importlib.util").util.find_spec("lsqecc"):
    results["legacy"] = call("POST", "/compile", {"circuit": circuit})
    results["legacy_gzip"] = call(
        "POST", "/compile", {"circuit": circuit}, {"accept-encoding": "gzip"}
    )
    results["v2"] = call("POST", "/v2/compile", {"circuit": circuit, "litinski_transform": False})
results["outside"] = sorted(
    m.__file__
    for m in list(sys.modules.values())
    if getattr(m, "__file__", None)
    and m.__file__ != __file__
    and not m.__file__.startswith(bundle)
    and not m.__file__.startswith(sys.base_prefix)
)
with open(results_file, "w") as f:
    json.dump(results, f)
