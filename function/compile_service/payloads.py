"""Request bodies of both APIs, decoded strictly: a string "false" is not a boolean."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from compile_service.engines.base import EngineName, EngineOptions, Layout, Output, Schedule
from compile_service.errors import InvalidRequest
from compile_service.lowering.approximate import DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION
from compile_service.resources import assumptions as physical

Precision = Annotated[
    float,
    msgspec.Meta(
        ge=MIN_PRECISION,
        le=MAX_PRECISION,
        description="Operator-norm distance allowed for each rotation that is not a multiple of "
        "pi/4 and is approximated over Clifford+T (gridsynth); null refuses such rotations "
        "with a 422 instead.",
    ),
]

PhysicalErrorRate = Annotated[
    float,
    msgspec.Meta(
        ge=physical.MIN_PHYSICAL_ERROR_RATE,
        lt=physical.THRESHOLD,
        description="Probability of an error per physical operation, for the physical estimate in "
        "`resources` (below the surface code's threshold, 1e-2).",
    ),
]
CycleTime = Annotated[
    float,
    msgspec.Meta(
        ge=physical.MIN_CYCLE_TIME,
        le=physical.MAX_CYCLE_TIME,
        description="Seconds per surface-code cycle (one round of stabiliser measurements), for "
        "the run time in `resources`.",
    ),
]
ErrorBudget = Annotated[
    float,
    msgspec.Meta(
        ge=physical.MIN_ERROR_BUDGET,
        le=physical.MAX_ERROR_BUDGET,
        description="Total probability that the computation is wrong: a third of it goes to the "
        "approximated rotations (it makes `precision` finer when needed), the rest to running the "
        "layout fault-tolerantly (it sets the code distance in `resources`). Not sent: rotations "
        f"follow `precision` alone and the estimate uses {physical.DEFAULT_ERROR_BUDGET:g} for "
        "running the layout.",
    ),
]


class LegacyCompileRequest(msgspec.Struct):
    """POST /compile, as the latticesurgery.com web client sends it. Unknown fields are ignored."""

    circuit: str
    circuit_source: Literal["str"] = "str"
    apply_litinski_transform: bool = True
    # Accepted for compatibility; the service always simulates with NOOP (see README).
    simulation_method: str | None = None


class CompileRequest(msgspec.Struct, forbid_unknown_fields=True):
    """POST /v2/compile. Unknown fields are rejected so that a misspelt option is not ignored."""

    circuit: str
    litinski_transform: bool = True
    precision: Precision | None = DEFAULT_PRECISION
    physical_error_rate: PhysicalErrorRate = physical.DEFAULT_PHYSICAL_ERROR_RATE
    cycle_time: CycleTime = physical.DEFAULT_CYCLE_TIME
    error_budget: ErrorBudget | None = None

    def assumptions(self) -> physical.Assumptions:
        return physical.Assumptions(self.physical_error_rate, self.cycle_time, self.error_budget)

    # Which compiler (docs/engines.md): lsqecc (the default, as /compile) or liblsqecc, whose
    # options follow (refused with lsqecc).
    engine: Annotated[
        EngineName,
        msgspec.Meta(description="The compiler: 'lsqecc' (default) or 'liblsqecc'."),
    ] = "lsqecc"
    layout: Annotated[
        Layout | None,
        msgspec.Meta(
            description="liblsqecc only: 'edpc' (default) or 'compact_no_clogging' ('compact' "
            "is refused: it does not terminate)."
        ),
    ] = None
    schedule: Annotated[
        Schedule | None,
        msgspec.Meta(description="liblsqecc only: 'stream' (default) or 'wave' (fewer slices)."),
    ] = None
    output: Annotated[
        Output,
        msgspec.Meta(
            description="'slices' (default) or, liblsqecc only, 'stats': no slices, the "
            "statistics only (for circuits whose slices would be gigabytes)."
        ),
    ] = "slices"

    def engine_options(self) -> EngineOptions:
        return EngineOptions(self.engine, self.layout, self.schedule, self.output)


def decode[T](body: bytes, kind: type[T]) -> T:
    """The request, or InvalidRequest naming the field and what was wrong with it."""
    if not body.strip():
        raise InvalidRequest("the request body is empty: send a JSON object with a 'circuit' field")
    try:
        return msgspec.json.decode(body, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"invalid request: {_readable(str(exc))}") from None
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise InvalidRequest("the request body is not UTF-8 encoded JSON") from None


def _readable(message: str) -> str:
    # msgspec says "Expected `bool`, got `str` - at `$.apply_litinski_transform`".
    return message.replace("`$.", "`").replace(" - at ", " at ")
