"""The OpenAPI document of the app: paths from the Powertools resolver, schemas from the same
msgspec types the handler decodes with. Generated at build/test time (it needs pydantic, which the
Lambda bundle does not carry); `lsctl openapi` writes it to openapi.json, which a test keeps in
sync and GET /v2/openapi.json serves."""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec

from compile_service import payloads
from compile_service.api import LEGACY_PATH, app
from compile_service.settings import Limits


class Volume(msgspec.Struct):
    """liblsqecc's volume statistics (output "stats"): cells x slices, by what occupies them."""

    total: int
    distillation: int
    unused_routing: int
    dead: int
    other_active: int


class Stats(msgspec.Struct):
    qubits: int
    gates: int
    slices: int
    seconds: float
    # Engine liblsqecc only.
    ls_instructions: int | None = None
    volume: Volume | None = None


class CompilerUsed(msgspec.Struct):
    """lsqecc: commit and simulator; liblsqecc: engine, commit, layout and schedule."""

    commit: str
    simulator: str | None = None
    engine: Literal["liblsqecc"] | None = None
    layout: str | None = None
    schedule: str | None = None


class RegisterSlice(msgspec.Struct):
    """Qubits name[0..size-1] of the circuit are register[start..start+size-1] after merging."""

    name: str
    size: int
    start: int


class RegisterMap(msgspec.Struct):
    register: str
    from_: list[RegisterSlice] = msgspec.field(name="from")


class Lowering(msgspec.Struct):
    """What was done to the circuit before the compiler saw it (README, "What the compiler
    accepts"). `lowered` false: the circuit was compiled exactly as sent."""

    lowered: bool
    rewritten: dict[str, int]
    dropped: dict[str, int]
    rotations_approximated: int
    precision: float | None
    t_gates_added: int
    error_bound: float  # the sum of each approximated rotation's distance from its target
    error_budget: float | None  # as sent
    register_map: RegisterMap | None


class Layout(msgspec.Struct):
    rows: int
    columns: int
    tiles: int


class Patches(msgspec.Struct):
    qubit_peak: int
    magic_state: int
    ancilla_peak: int


class SpacetimeVolume(msgspec.Struct):
    tile_slices: int
    occupied_tile_slices: int


class DistillationRegion(msgspec.Struct):
    """The bounding box (first and last row and column) of the tiles holding magic states."""

    tiles: int
    rows: list[int]
    columns: list[int]


class LogicalResources(msgspec.Struct):
    """Read from the compiled slices (docs/resource-estimates.md)."""

    layout: Layout
    slices: int
    patches: Patches
    t_count: int
    measurements: int
    magic_states_consumed: int
    spacetime_volume: SpacetimeVolume
    distillation: DistillationRegion | None


class Assumptions(msgspec.Struct):
    physical_error_rate: float
    cycle_time: float
    error_budget: float | None


class ErrorBudgetSplit(msgspec.Struct):
    total: float
    approximation: float
    layout: float
    magic_states: float
    per_magic_state: float | None


class PhysicalResources(msgspec.Struct):
    """Code distance, physical qubits and run time (seconds) under the assumptions; or, when no
    distance meets the budget, `unavailable` saying why."""

    error_budget: ErrorBudgetSplit
    code_distance: int | None = None
    physical_qubits: int | None = None
    code_cycles: int | None = None
    run_time: float | None = None
    logical_error_rate: float | None = None
    layout_error: float | None = None
    unavailable: str | None = None


class Resources(msgspec.Struct):
    """What the compiled circuit needs (docs/resource-estimates.md): logical figures of the
    layout, and a physical estimate under the request's assumptions, echoed."""

    logical: LogicalResources
    assumptions: Assumptions
    physical: PhysicalResources
    model: str


class CompileResult(msgspec.Struct):
    slices: list[list[list[dict[str, Any] | None]]]
    compilation_text: str
    compiler: CompilerUsed
    stats: Stats
    lowering: Lowering
    # null with output "stats" (engine liblsqecc): no slices are written to read a layout from.
    resources: Resources | None


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    request_id: str


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


class Health(msgspec.Struct):
    status: str
    compiler: dict[str, Any]
    engines: dict[str, dict[str, Any]]
    python: str
    build: dict[str, str]
    limits: Limits


class JobCircuit(msgspec.Struct):
    qubits: int
    gates: int
    litinski_transform: bool


class JobTimings(msgspec.Struct):
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int


class JobErrorDetail(msgspec.Struct):
    code: str
    message: str


class JobLinks(msgspec.Struct):
    self: str
    result: str


class Job(msgspec.Struct):
    """A compile job. `id` is a content hash of the prepared request and the compiler build:
    the same request is the same job. Times are Unix epoch seconds."""

    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    circuit: JobCircuit
    timings: JobTimings
    stats: Stats | None
    error: JobErrorDetail | None
    expires_at: int
    links: JobLinks
    result_url: str | None


TYPES = [
    payloads.LegacyCompileRequest,
    payloads.CompileRequest,
    CompileResult,
    ErrorBody,
    Health,
    Job,
]
TEXT_ERROR = {"text/plain": {"schema": {"type": "string"}}}
LEGACY_ERRORS = {
    str(status): {"description": description, "content": TEXT_ERROR}
    for status, description in [
        (400, "not JSON, a wrong field, or invalid OpenQASM (plain-text message)"),
        (413, "request or result too large (plain-text message)"),
        (422, "a circuit the compiler cannot handle (plain-text message)"),
        (503, "this build has no compiler (plain-text message)"),
        (504, "compiling took longer than the time budget (plain-text message)"),
    ]
}


def _ref(kind: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{kind.__name__}"}


def _json(kind: type) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(kind)}}


def _v2_errors() -> dict[str, Any]:
    return {
        str(status): {"description": description, "content": _json(ErrorBody)}
        for status, description in [
            (400, "not JSON, a wrong or unknown field, or invalid OpenQASM"),
            (413, "request or result too large"),
            (
                422,
                "a construct that cannot be lowered (reset, if, opaque), a rotation to approximate "
                "with precision null, or over the qubit/operation limits after lowering",
            ),
            (503, "this build has no compiler"),
            (504, "compiling took longer than the time budget"),
        ]
    }


OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    (LEGACY_PATH, "post"): {
        "summary": "Compile a circuit (latticesurgery.com web client contract)",
        "description": "The 200 body is a JSON string whose content is the JSON document "
        '{"slices": [...], "compilation_text": "..."}: parse it twice. Errors are plain text.',
        "requestBody": {"required": True, "content": _json(payloads.LegacyCompileRequest)},
        "responses": {
            "200": {
                "description": "the result document, encoded as a JSON string",
                "headers": {
                    "X-Lowering": {
                        "description": "what was done to the circuit before compiling: the "
                        "/v2 `lowering` object as compact JSON",
                        "schema": {"type": "string"},
                    }
                },
                "content": {"application/json": {"schema": {"type": "string"}}},
            },
            **LEGACY_ERRORS,
        },
    },
    ("/v2/compile", "post"): {
        "summary": "Compile a circuit",
        "requestBody": {"required": True, "content": _json(payloads.CompileRequest)},
        "responses": {
            "200": {
                "description": "slices, text, compiler, stats, the lowering and resources",
                "content": _json(CompileResult),
            },
            **_v2_errors(),
        },
    },
    ("/v2/jobs", "post"): {
        "summary": "Submit a compile job (for circuits over the synchronous limits)",
        "description": "Takes the /v2/compile body, validated at once (bad input is a 4xx "
        "here, never a failed job), with the larger job limits. The same request twice is the "
        "same job. Poll the job's `links.self`; when it succeeded, `result_url` is a "
        "time-limited link to the result (gzipped JSON, the /v2/compile document).",
        "requestBody": {"required": True, "content": _json(payloads.CompileRequest)},
        "responses": {
            "202": {"description": "queued or running", "content": _json(Job)},
            "200": {"description": "already finished (succeeded or failed)", "content": _json(Job)},
            **{k: v for k, v in _v2_errors().items() if k != "504"},
            "429": {
                "description": "this client (source IP) queued its hourly share of new jobs "
                "(`too_many_jobs`; polling or resubmitting an existing job is not limited)",
                "content": _json(ErrorBody),
            },
            "503": {
                "description": "this deployment has no jobs, or no compiler",
                "content": _json(ErrorBody),
            },
        },
    },
    ("/v2/jobs/{job_id}", "get"): {
        "summary": "A job's status, timings, stats, error, and result link",
        "responses": {
            "200": {"description": "the job", "content": _json(Job)},
            "404": {
                "description": "no such job, or its result expired",
                "content": _json(ErrorBody),
            },
            "503": {"description": "this deployment has no jobs", "content": _json(ErrorBody)},
        },
    },
    ("/v2/jobs/{job_id}/result", "get"): {
        "summary": "Redirect to a succeeded job's result",
        "responses": {
            "303": {"description": "Location: the time-limited result link"},
            "404": {
                "description": "no such job, or its result expired",
                "content": _json(ErrorBody),
            },
            "409": {"description": "the job has not succeeded", "content": _json(ErrorBody)},
            "503": {"description": "this deployment has no jobs", "content": _json(ErrorBody)},
        },
    },
    ("/health", "get"): {
        "summary": "What is deployed, and its limits",
        "responses": {
            "200": {"description": "healthy", "content": _json(Health)},
            "503": {"description": "no compiler in this build", "content": _json(Health)},
        },
    },
    ("/v2/openapi.json", "get"): {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1 document"}},
    },
}


def document() -> dict[str, Any]:
    spec = app.get_openapi_schema(
        title="Lattice Surgery Compiler API",
        version="2.0.0",
        summary="Compiles OpenQASM 2.0 circuits into lattice-surgery slices",
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    spec.pop("servers", None)
    for (path, method), operation in OPERATIONS.items():
        generated = spec["paths"][path][method]
        kept = {k: generated[k] for k in ("operationId", "parameters") if k in generated}
        spec["paths"][path][method] = {**kept, **operation}
    _, components = msgspec.json.schema_components(
        TYPES, ref_template="#/components/schemas/{name}"
    )
    spec["components"] = {"schemas": dict(sorted(components.items()))}
    return spec


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"
