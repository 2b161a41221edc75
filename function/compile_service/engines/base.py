"""What a compiler engine is to the service (the Compiler Explorer model: one base class, one small
class per compiler). The service hands an engine the lowered circuit and the request's engine
options, and a sink for the slices; it never learns more about the engine than its name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:  # the sink and the limits are passed in; only their types are needed here
    from compile_service.encoding import SliceSink
    from compile_service.lowering import Lowered
    from compile_service.settings import Limits

EngineName = Literal["lsqecc", "liblsqecc"]
Layout = Literal["edpc", "compact_no_clogging", "compact"]
Schedule = Literal["stream", "wave"]
Output = Literal["slices", "stats"]


@dataclass(frozen=True)
class EngineOptions:
    """Which engine compiles a request, and how. A field of the prepared request, so the result
    key and the job id cover every option. None: the option was not sent (its default applies;
    for lsqecc, which has none of them, only None is valid)."""

    name: EngineName = "lsqecc"
    layout: Layout | None = None
    schedule: Schedule | None = None
    output: Output = "slices"


@dataclass(frozen=True)
class Prediction:
    """What compiling will cost, predicted before compiling, with what the limits compare."""

    seconds: float
    megabytes: int
    description: str  # "N operations ... predicted to take S s and M MB to compile"
    context: str  # how it would be compiled: "with the Litinski transform"
    # T gates of the lowered circuit (pi/8 rotations: each consumes a magic state), whatever
    # engine compiles it: the `t_count` of the resource estimate.
    magic_states: int


@dataclass(frozen=True)
class Run:
    """What an engine reports after writing its slices into the sink."""

    slices: int
    text: str
    # Engine statistics beyond the service's own (qubits, gates, slices, seconds).
    stats: dict[str, Any] = field(default_factory=dict)


class Engine(ABC):
    """One compiler behind the service."""

    name: ClassVar[str]
    licence: ClassVar[str]
    # What a request gets from this engine that it would not from the others, in a few words:
    # a refusal by another engine that this one would take names it with these.
    trade_off: ClassVar[str]
    # The options of EngineOptions this engine takes (any other sent is refused with a 422).
    options: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def available(self) -> bool:
        """Whether this build carries the engine."""

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """What build of the engine this is (commit, patches), or status "missing"."""

    def limits(self, route: Limits, job: bool) -> Limits:
        """The limits this engine is held to on a route whose limits are `route` (a job's when
        `job`): the route's own unless the engine has its own."""
        return route

    def document_fields(self, options: EngineOptions) -> dict[str, Any]:
        """The /v2 document's "compiler" object for a result of this engine."""
        return {"engine": self.name, "commit": self.info().get("compiler_commit", "missing")}

    def validate(self, options: EngineOptions) -> EngineOptions:
        """`options` with this engine's defaults filled in, or InvalidRequest naming the option
        it does not take (a misspelt or misplaced option is not ignored)."""
        return options

    def front_end(self, lowered: Lowered) -> tuple[str, dict[str, int]]:
        """The lowered circuit as this engine's input, and the operations it had to drop (name:
        count) for the lowering report."""
        return lowered.source, {}

    @abstractmethod
    def predict(
        self,
        lowered: Lowered,
        litinski_transform: bool,
        options: EngineOptions,
        packed: bool,
    ) -> Prediction:
        """The cost of compiling `lowered`, before compiling it; `packed`: written gzipped a
        slice at a time (a job's result)."""

    @abstractmethod
    def compile(
        self,
        source: str,
        litinski_transform: bool,
        options: EngineOptions,
        sink: SliceSink,
        limits: Limits,
        job: bool,
    ) -> Run:
        """Compile `source` (the front end's output) writing its slices into `sink`, within
        `limits` (this engine's, from limits(); compile_seconds and what the engine can enforce
        besides); `job`: for a job's result."""
