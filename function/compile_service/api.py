"""HTTP API: routes, CORS, and the one place where domain errors become HTTP responses.

- POST /compile      the latticesurgery.com web client's contract (body: a JSON *string*; errors
                     as plain text, which the client shows as is).
- POST /v2/compile   the clean API (JSON object; errors as {"error": {"code", "message"}}).
- GET  /health       what is deployed and its limits.
- POST /v2/jobs, GET /v2/jobs/{id}, GET /v2/jobs/{id}/result
                     compile jobs: the /v2/compile body, compiled by a worker, result in the
                     result store (for circuits over the synchronous limits).
- GET  /v2/openapi.json  the OpenAPI document of all of the above.
"""

import base64
import binascii
import contextlib
import dataclasses
import platform
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit

from compile_service import encoding, engines, payloads, service
from compile_service.deadline import within_budget
from compile_service.errors import BodyTooLarge, CircuitTooLarge, InvalidRequest, ServiceError
from compile_service.jobs import backends, documents, lifecycle
from compile_service.jobs.store import ACTIVE
from compile_service.settings import (
    SERVICE,
    load_cors,
    load_identity,
    load_job_limits,
    load_limits,
)

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
LEGACY_PATH = "/compile"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="LatticeSurgery", service=SERVICE)
# auto_patch=False: the function calls no AWS API or HTTP service, and patching would import
# botocore and requests at cold start (~85 ms) for nothing.
tracer = Tracer(service=SERVICE, auto_patch=False)
limits = load_limits()
job_limits = load_job_limits()
identity = load_identity()

cors_settings = load_cors()
cors = CORSConfig(
    allow_origin=cors_settings.origin,
    extra_origins=list(cors_settings.extra_origins),
    allow_headers=["Content-Type", "Accept-Encoding"],
    expose_headers=[
        "X-Compiler-Commit",
        "X-Simulator",
        "X-Compile-Seconds",
        "X-Request-Id",
        "X-Lowering",
        "X-Cache",
    ],
    max_age=600,
)
app = APIGatewayRestResolver(cors=cors, serializer=encoding.serialize)


def _body(max_bytes: int | None = None) -> bytes:
    """The raw request body. Not Powertools' decoded_body: that decodes to str, and a body that
    is not UTF-8 would then fail outside our error handling."""
    max_bytes = max_bytes or limits.max_body_bytes
    event = app.current_event
    raw = event.body or ""
    try:
        body = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode()
    except binascii.Error:
        raise InvalidRequest("the request body is not valid base64") from None
    if len(body) > max_bytes:
        raise BodyTooLarge(
            f"the request body is {len(body)} bytes; this service accepts at most {max_bytes}"
        )
    return body


def _headers(outcome: service.Outcome, engine: str = engines.DEFAULT) -> dict[str, str]:
    return {
        "X-Compiler-Commit": str(engines.get(engine).info().get("compiler_commit", "missing")),
        "X-Simulator": "NOOP",
        "X-Compile-Seconds": f"{outcome.seconds:.3f}",
        "X-Request-Id": _request_id(),
        "X-Cache": "hit" if outcome.cached else "miss",
    }


def _sized_response(body: bytes, headers: dict[str, str]) -> Response[str]:
    """200 with `body`, gzipped when the client takes it and it pays, within Lambda's limit."""
    gzip_ok = encoding.accepts_gzip(app.current_event.headers.get("accept-encoding"))
    sent, gzipped = encoding.fit(body, gzip_ok=gzip_ok, limit=limits.max_response_bytes)
    metrics.add_metric(name="ResponseBytes", unit=MetricUnit.Bytes, value=len(sent))
    if gzipped:  # bytes: Powertools sends them base64-encoded with isBase64Encoded
        headers["Content-Encoding"] = "gzip"
        return Response(HTTPStatus.OK, JSON, sent, headers=headers, compress=False)
    # Text stays text, so API Gateway never hands a client base64 it did not ask for.
    return Response(HTTPStatus.OK, JSON, sent.decode(), headers=headers, compress=False)


@contextlib.contextmanager
def _jobs_take_larger() -> Iterator[None]:
    """A synchronous route's size refusal names the route that takes larger circuits."""
    try:
        yield
    except CircuitTooLarge as exc:
        raise CircuitTooLarge(
            f"{exc.message}; or submit it as a job (POST /v2/jobs), which takes larger circuits"
        ) from None


@app.post(LEGACY_PATH, cors=True)
@tracer.capture_method
@within_budget(lambda: limits.compile_seconds)  # the whole request: lowering to gzip
def compile_legacy() -> Response[str]:
    request = payloads.decode(_body(), payloads.LegacyCompileRequest)
    # No _jobs_take_larger: the web client cannot submit jobs; its refusal says so in words.
    outcome = service.compile_for_web_client(
        request.circuit, request.apply_litinski_transform, limits, backends.result_cache()
    )
    _count_success(outcome)
    # The body stays exactly what the web client parses; what the lowering did goes in a header.
    lowering = encoding.encode(outcome.lowering).decode()
    headers = {**_headers(outcome), "X-Lowering": lowering}
    return _sized_response(encoding.as_json_string(outcome.document), headers)


@app.post("/v2/compile", cors=True)
@tracer.capture_method
@within_budget(lambda: limits.compile_seconds)  # the whole request: lowering to gzip
def compile_v2() -> Response[str]:
    request = payloads.decode(_body(), payloads.CompileRequest)
    with _jobs_take_larger():
        outcome = service.compile_circuit(
            request.circuit,
            request.litinski_transform,
            limits,
            request.precision,
            backends.result_cache(),
            request.assumptions(),
            request.engine_options(),
        )
    _count_success(outcome)
    return _sized_response(outcome.document, _headers(outcome, request.engine))


@app.post("/v2/jobs", cors=True)
@tracer.capture_method
def submit_job() -> Response[str]:
    request = payloads.decode(_body(job_limits.max_body_bytes), payloads.CompileRequest)
    backend = backends.require()
    # Lowering runs here, in the API's time budget; compiling runs in the worker's.
    submit_limits = dataclasses.replace(job_limits, compile_seconds=limits.compile_seconds)
    job = lifecycle.submit(
        request.circuit,
        request.litinski_transform,
        request.precision,
        submit_limits,
        backend,
        request.assumptions(),
        request.engine_options(),
        client=app.current_event.request_context.identity.source_ip,
    )
    metrics.add_metric(name="JobSubmitted", unit=MetricUnit.Count, value=1)
    status = HTTPStatus.ACCEPTED if job.status in ACTIVE else HTTPStatus.OK
    path = _job_path(job.id)
    headers = {"Location": path, "X-Request-Id": _request_id()}
    return Response(status, JSON, documents.job(job, backend, path), headers=headers)


@app.get("/v2/jobs/<job_id>", cors=True)
def get_job(job_id: str) -> Response[str]:
    backend = backends.require()
    job = lifecycle.find(job_id, backend)
    return Response(HTTPStatus.OK, JSON, documents.job(job, backend, _job_path(job.id)))


@app.get("/v2/jobs/<job_id>/result", cors=True)
def get_job_result(job_id: str) -> Response[str]:
    backend = backends.require()
    link = lifecycle.result_link(lifecycle.find(job_id, backend), backend)
    return Response(HTTPStatus.SEE_OTHER, TEXT, f"see {link}\n", headers={"Location": link})


def _job_path(job_id: str) -> str:
    """The job's path as the client addressed the API (with a stage prefix, if any)."""
    event = app.current_event
    full = str(event.request_context.path or event.path)
    prefix = full[: -len(event.path)] if full.endswith(event.path) else ""
    return f"{prefix}/v2/jobs/{job_id}"


@app.get("/health", cors=True)
def health() -> Response[str]:
    metrics.add_metric(name="HealthChecked", unit=MetricUnit.Count, value=1)
    compiler = engines.get(engines.DEFAULT)
    document = {
        "status": "ok" if compiler.available() else "degraded",
        "compiler": compiler.info(),
        "engines": {
            name: {"licence": engine.licence, **engine.info()}
            for name, engine in engines.ENGINES.items()
        },
        "python": platform.python_version(),
        "build": {
            "git_commit": identity.git_commit,
            "image": identity.image,
            "function_version": identity.function_version,
        },
        "limits": limits.as_dict(),
    }
    status = HTTPStatus.OK if compiler.available() else HTTPStatus.SERVICE_UNAVAILABLE
    return Response(status, JSON, encoding.encode(document).decode())


@app.get("/v2/openapi.json", cors=True)
def openapi() -> Response[str]:
    return Response(HTTPStatus.OK, JSON, OPENAPI_FILE.read_text())


def _count_success(outcome: service.Outcome) -> None:
    metrics.add_metric(name="Compiled", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="CompileSeconds", unit=MetricUnit.Seconds, value=outcome.seconds)
    metrics.add_metric(name="CompiledQubits", unit=MetricUnit.Count, value=outcome.qubits)


def _request_id() -> str:
    context = getattr(app, "lambda_context", None)
    return getattr(context, "aws_request_id", None) or "local"


def _error(status: int, code: str, message: str) -> Response[str]:
    """The one mapping of failures to HTTP: plain text for the web client, JSON for /v2."""
    headers = {"X-Request-Id": _request_id()}
    if _is_legacy():
        return Response(status, TEXT, message + "\n", headers=headers)
    body = {"error": {"code": code, "message": message, "request_id": _request_id()}}
    return Response(status, JSON, encoding.encode(body).decode(), headers=headers)


def _is_legacy() -> bool:
    path = app.current_event.path.rstrip("/")
    return path.endswith(LEGACY_PATH) and "/v2/" not in path


@app.exception_handler(ServiceError)
def service_error(exc: ServiceError) -> Response[str]:
    logger.info("request refused", extra={"code": exc.code, "status": exc.status})
    metrics.add_metric(name=f"Refused_{exc.code}", unit=MetricUnit.Count, value=1)
    return _error(exc.status, exc.code, exc.message)


def allowed_methods(path: str) -> list[str]:
    """The methods the routes serve at `path` ([] for a path with no route), OPTIONS included
    (the CORS preflight). Read from the resolver's route table: Powertools has no public one."""
    routes = app._static_routes + app._dynamic_routes
    served = {route.method for route in routes if route.rule.match(path)}
    return sorted(served | {"OPTIONS"}) if served else []


def preflight_methods(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """A CORS preflight names the methods of its own path; Powertools names every method of
    every route (so /compile's said GET)."""
    response = next_middleware(app)
    allowed = allowed_methods(app.current_event.path)
    if app.current_event.http_method == "OPTIONS" and allowed:
        response.headers["Access-Control-Allow-Methods"] = ",".join(allowed)
    return response


app.use(middlewares=[preflight_methods])


@app.not_found
def not_found(exc: NotFoundError) -> Response[str]:
    event = app.current_event
    allowed = allowed_methods(event.path)
    if allowed:
        response = _error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            f"{event.path} answers {', '.join(allowed)}, not {event.http_method}",
        )
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return _error(
        HTTPStatus.NOT_FOUND,
        "not_found",
        f"no route {event.http_method} {event.path}; see GET /v2/openapi.json",
    )


@app.exception_handler(Exception)
def unexpected(exc: Exception) -> Response[str]:
    logger.exception("unexpected error")
    metrics.add_metric(name="Unexpected", unit=MetricUnit.Count, value=1)
    return _error(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "internal_error",
        f"internal error; quote request id {_request_id()} when reporting it",
    )
