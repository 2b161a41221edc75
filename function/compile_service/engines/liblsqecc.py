"""The liblsqecc engine: its CLI, lsqecc_slicer (C++, GPL-3.0), run as a separate program with
CPU, memory, time and output-size limits (limited_process), its slices streamed into the
document's sink as compact JSON (`--compactjson`, slice_stream). Never linked into the
service.

Where the binary is: $LSC_LIBLSQECC_SLICER, else liblsqecc/ beside the compile_service package
(the Lambda bundle), else build/liblsqecc/bin of the repository (`make compiler`). Without it the
engine is unavailable: requests for it answer 503 saying how to build it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from compile_service.engines import liblsqecc_cost, liblsqecc_input, limited_process
from compile_service.engines.base import Engine, EngineOptions, Prediction, Run
from compile_service.engines.slice_stream import CompactSlices, Runaway
from compile_service.errors import (
    CircuitTooLarge,
    CompileFailed,
    CompilerUnavailable,
    CompileTimeout,
    InvalidRequest,
    ResponseTooLarge,
    UnsupportedCircuit,
)
from compile_service.resources.layout import LayoutFigures
from compile_service.settings import SERVICE, liblsqecc_limits

if TYPE_CHECKING:
    from compile_service.encoding import SliceSink
    from compile_service.lowering import Lowered
    from compile_service.settings import Limits

logger = Logger(service=SERVICE, child=True)

BINARY = "lsqecc_slicer"
INFO_FILE = "liblsqecc_info.json"
MISSING_HINT = (
    "engine 'liblsqecc' is not installed in this build: the liblsqecc/ submodule was empty. Run "
    "`git submodule update --init liblsqecc` (and its header submodules, see docs/engines.md) "
    "and `make compiler`, then restart; or use engine 'lsqecc'"
)
DEFAULT_LAYOUT = "edpc"
DEFAULT_SCHEDULE = "stream"
# liblsqecc issue #134: the compact layout loops forever from 8 qubits.
REFUSED_LAYOUTS = {
    "compact": "layout 'compact' does not terminate in liblsqecc (its issue #134: from 8 qubits "
    "it writes slices forever); use 'edpc' or 'compact_no_clogging'"
}
# A terminating compile writes 1-3 slices per gate (stream) and fewer (wave): past this many the
# slicer is looping (slice_stream.Runaway).
RUNAWAY_SLICES_PER_GATE = 50
RUNAWAY_SLICES_MIN = 1000
_PACKAGE = Path(__file__).resolve().parents[1]
_OTHER_LAYOUT = {"edpc": "compact_no_clogging", "compact_no_clogging": "edpc"}
# Its summary lines. "Slices N" (its slice_count()) is not the number of slices it draws: with -o
# they are counted as they arrive, with -f stats by "Slices written" (patches/liblsqecc/0003).
_COUNT = re.compile(r"^(LS Instructions read|Slices written)\s+(\d+)\s*$", re.MULTILINE)
_VOLUME = re.compile(r"^(Total|Distillation|Unused routing|Dead|Other active) volume: (\d+)", re.M)
_WHAT = re.compile(r"what\(\):\s*(.*)", re.DOTALL)
# The layout's figures over the slices written (--layoutfigures, patches/liblsqecc/0005).
_FIGURES = re.compile(
    r"^Layout figures: rows (\d+) columns (\d+) slices (\d+) qubit_peak (\d+) "
    r"ancilla_peak (\d+) occupied (\d+)\nDistillation tiles:((?: \d+,\d+)*)$",
    re.MULTILINE,
)


def _candidates() -> list[Path]:
    configured = os.environ.get("LSC_LIBLSQECC_SLICER")
    if configured:
        return [Path(configured)]
    return [
        _PACKAGE.parent / "liblsqecc" / BINARY,
        _PACKAGE.parents[1] / "build/liblsqecc/bin" / BINARY,
    ]


@functools.cache
def binary() -> Path | None:
    """The slicer this build runs, or None."""
    for path in _candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


class LiblsqeccEngine(Engine):
    """liblsqecc (github.com/latticesurgery-com/liblsqecc): fast and frugal, no Litinski
    transform; what the web client runs in the browser, here without its 1 GB cap."""

    name = "liblsqecc"
    licence = "GPL-3.0"
    trade_off = (
        "a different compilation of the same circuit (liblsqecc's layout and schedule, without "
        "the Litinski transform; docs/engines.md compares the engines)"
    )
    options = frozenset({"layout", "schedule", "output"})

    def available(self) -> bool:
        return binary() is not None

    def info(self) -> dict[str, Any]:
        path = binary()
        if path is None:
            return {"status": "missing", "compiler_commit": "missing", "reason": MISSING_HINT}
        return {"status": "ok", **_recorded_info(path)}

    def document_fields(self, options: EngineOptions) -> dict[str, Any]:
        return {
            "engine": self.name,
            "commit": self.info().get("compiler_commit", "missing"),
            "layout": options.layout,
            "schedule": options.schedule,
        }

    def limits(self, route: Limits, job: bool) -> Limits:
        return liblsqecc_limits(route, job)[0]

    def validate(self, options: EngineOptions) -> EngineOptions:
        layout = options.layout or DEFAULT_LAYOUT
        if layout in REFUSED_LAYOUTS:
            raise InvalidRequest(REFUSED_LAYOUTS[layout])
        return EngineOptions(
            self.name, layout, options.schedule or DEFAULT_SCHEDULE, options.output
        )

    def front_end(self, lowered: Lowered) -> tuple[str, dict[str, int]]:
        source, dropped = liblsqecc_input.qasm(lowered.qubits, lowered.operations)
        if sum(dropped.values()) == lowered.gates:
            raise UnsupportedCircuit(
                "the circuit has only measurements, which liblsqecc's input has no place for: "
                "nothing to compile"
            )
        return source, dropped

    def predict(
        self, lowered: Lowered, litinski_transform: bool, options: EngineOptions, packed: bool
    ) -> Prediction:
        predicted = liblsqecc_cost.predict(lowered, options, packed)
        return Prediction(
            predicted.seconds,
            predicted.megabytes,
            predicted.describe(),
            f"engine liblsqecc, layout {options.layout}, schedule {options.schedule}, "
            f"output {options.output}",
            predicted.magic_states,
        )

    def compile(
        self,
        source: str,
        litinski_transform: bool,
        options: EngineOptions,
        sink: SliceSink,
        limits: Limits,
        job: bool,
    ) -> Run:
        path = binary()
        if path is None:
            raise CompilerUnavailable(MISSING_HINT)
        route, program = liblsqecc_limits(limits, job)
        process_limits = limited_process.ProcessLimits(
            cpu_seconds=max(1, int(route.compile_seconds)),
            memory_bytes=program.memory_megabytes * 1024 * 1024,
            wall_seconds=route.compile_seconds + 1,
            output_bytes=program.max_output_bytes,
        )
        argv = [str(path), "-I", "qasm", "-L", str(options.layout), "-P", str(options.schedule)]
        stats_only = options.output == "stats"
        gates = source.count(";\n") - source.count("\nqreg ") - 2  # header, qreg: not gates
        compact = CompactSlices(RUNAWAY_SLICES_MIN + RUNAWAY_SLICES_PER_GATE * max(gates, 0))

        def on_output(chunk: bytes) -> None:
            sink.add_json(compact.feed(chunk))

        try:
            finished = limited_process.run(
                argv,
                source.encode(),
                process_limits,
                on_output,
                output_arg=(lambda _: ["--noslices", "-f", "stats"])
                if stats_only
                else (lambda pipe: ["--compactjson", "--layoutfigures", "-o", pipe]),
            )
        except limited_process.LimitExceeded as exc:
            raise _limit_error(exc, job) from None
        except Runaway:
            raise UnsupportedCircuit(
                f"liblsqecc does not terminate on this circuit with layout {options.layout!r}: "
                f"it wrote over {compact.max_slices} slices for {gates} gates (a compile takes "
                "1-3 per gate) and was stopped; try another layout (e.g. "
                f"'{_OTHER_LAYOUT[str(options.layout)]}') or engine 'lsqecc'"
            ) from None
        if finished.returncode != 0:
            raise CompileFailed(_explain(finished))
        summary = finished.stdout.replace("\r", "\n")  # progress lines end in a carriage return
        if not stats_only:
            sink.add_json(compact.close())
            sink.add_figures(_figures(summary, compact.slices))
        counts = {name: int(value) for name, value in _COUNT.findall(summary)}
        slices = counts.get("Slices written", 0) if stats_only else compact.slices
        stats: dict[str, Any] = {"ls_instructions": counts.get("LS Instructions read")}
        volumes = {name: int(value) for name, value in _VOLUME.findall(summary)}
        if volumes:
            stats["volume"] = {
                name.lower().replace(" ", "_"): volume for name, volume in volumes.items()
            }
        logger.info(
            "liblsqecc ran",
            extra={"cpu_seconds": round(finished.cpu_seconds, 3), "bytes": finished.output_bytes},
        )
        text = (
            f"liblsqecc {str(self.info().get('compiler_commit', ''))[:7]}: "
            f"{stats['ls_instructions']} lattice-surgery instructions in {slices} slices "
            f"(layout {options.layout}, schedule {options.schedule})"
        )
        return Run(slices, text, stats)


@functools.cache
def _recorded_info(path: Path) -> dict[str, Any]:
    try:
        recorded = json.loads((path.parent / INFO_FILE).read_text())
    except (OSError, ValueError):
        return {"compiler_commit": "unknown"}
    return {k: v for k, v in recorded.items() if k in ("compiler_commit", "patches")}


def _figures(summary: str, slices: int) -> LayoutFigures:
    """The layout's figures the slicer counted over the slices it wrote (the same as reading
    them: tests/service/test_liblsqecc.py). Magic states are not counted as consumed: liblsqecc
    hands them over as new qubit patches (resources/estimate.py)."""
    found = _FIGURES.search(summary)
    if found is None or int(found.group(3)) != slices:
        raise CompileFailed("liblsqecc did not report its layout's figures: is it patched?")
    rows, columns, counted, qubit_peak, ancilla_peak, occupied = map(int, found.groups()[:6])
    tiles = (tuple(map(int, tile.split(","))) for tile in found.group(7).split())
    return LayoutFigures(
        rows=rows,
        columns=columns,
        slices=counted,
        qubit_peak=qubit_peak,
        ancilla_peak=ancilla_peak,
        occupied_tile_slices=occupied,
        magic_states_consumed=0,
        distillation_tiles=tuple(sorted((row, column) for row, column in tiles)),
    )


def _explain(finished: limited_process.Finished) -> str:
    """liblsqecc's own reason (an uncaught exception's what(), or its error line)."""
    found = _WHAT.search(finished.stderr)
    message = found.group(1) if found else finished.stderr
    message = " ".join(message.split())[:400]
    if finished.returncode < 0 and not found:
        name = signal.Signals(-finished.returncode).name
        message = f"it stopped with {name} {message}".strip()
    message = message or f"exit status {finished.returncode}"
    return f"liblsqecc could not compile this circuit: {message}"


def _limit_error(exc: limited_process.LimitExceeded, job: bool) -> Exception:
    limits = exc.limits
    where = "" if job else "; submit it as a job (POST /v2/jobs), which has larger limits"
    if exc.which == "output":
        return ResponseTooLarge(
            f"liblsqecc wrote more than {limits.output_bytes / 1e6:.0f} MB of slices, this "
            f"service's limit: ask for output 'stats' (no slices), or schedule 'wave' (fewer "
            f"slices){where}"
        )
    if exc.which == "memory":
        return CircuitTooLarge(
            f"liblsqecc ran out of its {limits.memory_bytes // 1024**2} MB of memory on this "
            f"circuit{where}"
        )
    if exc.which == "cpu":
        return CircuitTooLarge(
            f"liblsqecc used up its {limits.cpu_seconds} CPU seconds on this circuit: ask for "
            f"output 'stats' or schedule 'wave', or compile a smaller circuit{where}"
        )
    return CompileTimeout(f"liblsqecc did not finish within {limits.wall_seconds:g} s{where}")
