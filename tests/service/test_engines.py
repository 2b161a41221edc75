"""The engine option of /v2, with no engine binary needed: which options each engine takes, that
they are part of the prepared request (so of the result key and the job id), liblsqecc's front end
(the lowering's output in its OpenQASM subset), and the pieces the liblsqecc adapter is made of
(its output reader, the limited subprocess) run against real programs."""

from __future__ import annotations

import json
import os
import sys

import msgspec
import pytest
from qiskit import qasm2
from qiskit.quantum_info import Operator

from compile_service import circuit_check, lowering, service
from compile_service.engines import EngineOptions, liblsqecc_input, limited_process
from compile_service.engines.slice_stream import CompactSlices, Runaway
from compile_service.errors import InvalidRequest
from compile_service.jobs import ids
from compile_service.settings import load_job_limits, load_limits
from tests.conftest import README_EXAMPLE
from tests.service.recorded import circuit

LIBLSQECC = EngineOptions("liblsqecc")


def error(result: dict) -> dict:
    return json.loads(result["body"])["error"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"layout": "edpc"}, "layout='edpc'"),
        ({"schedule": "wave"}, "schedule='wave'"),
        ({"output": "stats"}, "output='stats'"),
    ],
)
@pytest.mark.parametrize("route", ["/v2/compile", "/v2/jobs"])
def test_liblsqecc_options_are_refused_with_lsqecc_saying_which(
    invoke, recorded_compiler, local_jobs, route, extra, needle
):
    result = invoke("POST", route, {"circuit": README_EXAMPLE, **extra})
    assert result["statusCode"] == 400
    message = error(result)["message"]
    assert needle in message and "liblsqecc" in message
    assert recorded_compiler.calls == [] and local_jobs.job_count() == 0


def test_the_compact_layout_is_refused_because_it_does_not_terminate(invoke):
    body = {"circuit": README_EXAMPLE, "engine": "liblsqecc", "layout": "compact"}
    result = invoke("POST", "/v2/compile", body)
    assert result["statusCode"] == 400
    assert "does not terminate" in error(result)["message"]


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ({"engine": "qiskit"}, "engine"),
        ({"engine": "liblsqecc", "schedule": "dag"}, "schedule"),
        ({"output": "svg"}, "output"),
    ],
)
def test_unknown_engines_and_option_values_are_refused(invoke, field, named):
    result = invoke("POST", "/v2/compile", {"circuit": README_EXAMPLE, **field})
    assert result["statusCode"] == 400
    assert f"`{named}`" in error(result)["message"]


def test_lsqecc_named_explicitly_answers_byte_for_byte_as_the_default(invoke, recorded_compiler):
    default = invoke("POST", "/v2/compile", {"circuit": README_EXAMPLE})
    named = invoke(
        "POST", "/v2/compile", {"circuit": README_EXAMPLE, "engine": "lsqecc", "output": "slices"}
    )
    assert default["statusCode"] == named["statusCode"] == 200
    assert named["body"] == default["body"]
    assert json.loads(default["body"])["compiler"].keys() == {"commit", "simulator"}


def prepared(options: EngineOptions | None, source: str = README_EXAMPLE, packed=False):
    return service.prepare(source, True, load_limits(), packed=packed, engine=options)


def test_every_engine_option_is_in_the_prepared_request_and_changes_the_key():
    variants = [
        None,
        LIBLSQECC,
        EngineOptions("liblsqecc", layout="compact_no_clogging"),
        EngineOptions("liblsqecc", schedule="wave"),
        EngineOptions("liblsqecc", output="stats"),
    ]
    keys = [ids.result_key(prepared(options)) for options in variants]
    assert len(set(keys)) == len(keys)
    # Defaults are filled in: naming liblsqecc's defaults is the same request.
    explicit = EngineOptions("liblsqecc", "edpc", "stream", "slices")
    assert ids.result_key(prepared(explicit)) == keys[1]
    # A job's request round-trips through the store with its engine options (the worker
    # compiles what was submitted).
    job = prepared(EngineOptions("liblsqecc", schedule="wave"), packed=True)
    decoded = msgspec.json.decode(msgspec.json.encode(job), type=service.Prepared)
    assert decoded == job and decoded.engine.schedule == "wave"


def test_two_engines_give_different_keys_for_the_same_circuit():
    assert ids.result_key(prepared(None)) != ids.result_key(prepared(LIBLSQECC))


def test_liblsqecc_has_its_own_synchronous_limits():
    wide = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[256];\n' + "".join(
        f"h q[{i}];\ncx q[{i}],q[{i + 1}];\n" for i in range(255)
    )
    with pytest.raises(Exception, match="at most 32"):
        prepared(None, wide)
    assert prepared(LIBLSQECC, wide).qubits == 256


def lowered_for_liblsqecc(source: str):
    limits = load_job_limits()
    parsed = circuit_check.check(source, limits)
    low = lowering.lower(parsed.circuit, parsed.source, 1e-3, 10**6)
    return low, liblsqecc_input.qasm(low.qubits, low.operations)


def same_unitary(first: str, second: str) -> bool:
    a = qasm2.loads(first, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    b = qasm2.loads(second, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    a.remove_final_measurements()
    return Operator(a).equiv(Operator(b))


GATE_MIX = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg a[2];\nqreg b[1];\ncreg c[3];\n'
    "ccx a[0],a[1],b[0];\nrx(pi/2) a[0];\nrz(3*pi/4) b[0];\nu1(-pi/4) a[1];\ncz a[1],b[0];\n"
    "swap a[0],b[0];\ny a[0];\nmeasure a[0] -> c[0];\nmeasure a[1] -> c[1];\n"
    "measure b[0] -> c[2];\n"
)


@pytest.mark.parametrize(
    ("source", "measurements"),
    [(README_EXAMPLE, 0), (GATE_MIX, 3), (circuit("nontrivial_state"), 0)],
)
def test_the_front_end_writes_the_same_unitary_in_liblsqecc_gates_only(source, measurements):
    low, (written, dropped) = lowered_for_liblsqecc(source)
    lines = written.splitlines()
    assert lines[:3] == ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{low.qubits}];"]
    names = {line.split(" ", 1)[0] for line in lines[3:]}
    assert names <= liblsqecc_input.GATES, names
    # Lowered (ccx expanded, rx as h rz h, rotations approximated within 1e-3), up to phase.
    if low.report.rotations_approximated == 0:
        assert same_unitary(source, written)
    assert dropped == ({"measure": measurements} if measurements else {})


def test_dropped_measurements_are_said_in_the_lowering_report():
    report = prepared(LIBLSQECC, GATE_MIX).lowering
    assert report["dropped"]["measure"] == 3
    assert prepared(None, GATE_MIX).lowering["dropped"].get("measure") is None


ROTATIONS = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\nt q[0];\ntdg q[1];\nrz(0.3) q[2];\n'
    "rx(pi/4) q[0];\nrz(5*pi/4) q[1];\nccx q[0],q[1],q[2];\nh q[2];\n"
)


@pytest.mark.parametrize("source", [README_EXAMPLE, GATE_MIX, ROTATIONS])
def test_the_t_count_is_the_same_whatever_engine_compiles_it(source):
    """counts.t_count (the resource estimate's magic states) is carried on each engine's
    prediction, made once: both engines count the pi/8 rotations of the same lowered circuit."""
    from compile_service import cost

    limits = load_job_limits()
    parsed = circuit_check.check(source, limits)
    low = lowering.lower(parsed.circuit, parsed.source, lowering.DEFAULT_PRECISION, 10**6)
    expected = cost.predict(low.operations, low.qubits, True).magic_states
    assert expected > 0 or source == README_EXAMPLE
    for engine in (None, LIBLSQECC):
        assert prepared(engine, source).counts["t_count"] == expected, engine


def test_a_circuit_of_measurements_only_is_refused_for_liblsqecc():
    only = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\n'
    with pytest.raises(Exception, match="only measurements"):
        prepared(LIBLSQECC, only)


# The slicer's output with --compactjson: `[`, each slice on a line (dump(-1)) separated by
# `,`, then `]`; with no slice, `]` alone.
SLICES = [
    [[None, {"edges": {"Top": "None"}, "text": "Time to next magic state: 3"}]],
    [[{"activity": {"activity_type": None}, "text": "a, b: [c]"}, None]],
    [[None, None], [None, None]],
]


def slicer_output(slices: list) -> bytes:
    if not slices:
        return b"]\n"
    lines = [json.dumps(s, separators=(",", ":")) for s in slices]
    return ("[\n" + ",\n".join(lines) + "]\n").encode()


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_slicer_output_becomes_compact_json_in_any_chunking(chunk, count):
    raw = slicer_output(SLICES[:count])
    reader = CompactSlices()
    out = b"".join(reader.feed(raw[i : i + chunk]) for i in range(0, len(raw), chunk))
    out += reader.close()
    assert out == msgspec.json.encode(SLICES[:count]) and reader.slices == count


def test_a_slicer_that_does_not_stop_is_stopped():
    reader = CompactSlices(max_slices=2)
    with pytest.raises(Runaway):
        reader.feed(slicer_output(SLICES))


def test_a_truncated_slice_is_an_error_not_a_result():
    reader = CompactSlices()
    reader.feed(slicer_output(SLICES)[:-40])
    with pytest.raises(Exception, match="middle of a slice"):
        reader.close()


LIMITS = limited_process.ProcessLimits(
    cpu_seconds=1, memory_bytes=1024**3, wall_seconds=60, output_bytes=1 << 30
)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def to_pipe(path: str) -> list[str]:
    return [path]


def test_a_program_streams_its_output_through_the_pipe_it_is_given():
    chunks: list[bytes] = []
    code = "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read() * 3); print('done')"
    finished = limited_process.run(python(code), b"abc", LIMITS, chunks.append, to_pipe)
    assert b"".join(chunks) == b"abcabcabc"
    assert finished.returncode == 0 and finished.stdout == "done\n"
    assert finished.output_bytes == 9


@pytest.mark.parametrize(
    ("code", "limits", "which"),
    [
        ("while True: pass", LIMITS, "cpu"),
        ("import time; time.sleep(60)", LIMITS.__class__(60, 1024**3, 1.0, 1 << 30), "time"),
        (
            "import sys\nout = open(sys.argv[1], 'wb')\nwhile True: out.write(b'x' * 65536)",
            LIMITS.__class__(60, 1024**3, 60, 1 << 20),
            "output",
        ),
    ],
)
def test_a_program_over_a_limit_is_stopped_and_says_which(code, limits, which):
    with pytest.raises(limited_process.LimitExceeded) as raised:
        limited_process.run(python(code), b"", limits, lambda chunk: None, to_pipe)
    assert raised.value.which == which


def test_a_program_cannot_outlive_the_request_that_started_it(tmp_path):
    """An exception while its output streams (the service's own time budget among them) kills
    the program: it is gone when run() raises."""
    pid_file = tmp_path / "pid"
    code = (
        "import os, sys, time\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "out = open(sys.argv[1], 'wb'); out.write(b'x'); out.flush(); time.sleep(60)"
    )

    class Stop(Exception):
        pass

    def stop(chunk: bytes) -> None:
        raise Stop

    with pytest.raises(Stop):
        limited_process.run(python(code), b"", LIMITS, stop, to_pipe)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_unknown_option_types_are_invalid_requests():
    from compile_service import payloads

    with pytest.raises(InvalidRequest, match="layout"):
        payloads.decode(
            b'{"circuit": "x", "engine": "liblsqecc", "layout": 3}', payloads.CompileRequest
        )


@pytest.mark.parametrize("stats", [False, True])
def test_both_sinks_write_the_same_document_from_streamed_json(stats):
    """A synchronous answer (JSON) and a job's result (gzip, written as the slices stream) are
    the same document; with output stats the slices are an empty list."""
    import gzip

    from compile_service import encoding

    chunks = [] if stats else [b'[[[null,{"a":', b'"b"}]]', b",[[null]]]"]

    def extra() -> dict:
        return {"stats": {"slices": 0 if stats else 2}}

    documents = []
    for sink in (encoding.JsonSink(), encoding.GzipSink()):
        for chunk in chunks:
            sink.add_json(chunk)
        documents.append(sink.finish("text", extra))
    plain, packed = documents
    assert gzip.decompress(packed) == plain
    expected = {"slices": [] if stats else [[[None, {"a": "b"}]], [[None]]]}
    assert json.loads(plain) == {**expected, "compilation_text": "text", **extra()}


def test_python_slices_are_written_as_before_by_both_sinks():
    import gzip

    from compile_service import encoding

    slices = [[[None, {"edges": {"Top": "Solid"}, "text": "|0>"}]]]
    extra = lambda: {"stats": {"slices": 1}}  # noqa: E731
    plain, packed = encoding.JsonSink(), encoding.GzipSink()
    plain.add_slices(slices)
    packed.add_slices(slices)
    assert plain.finish("t", extra) == encoding.json_document(slices, "t", extra)
    assert packed.finish("t", extra) == encoding.gzip_document(slices, "t", extra)
    assert gzip.decompress(encoding.gzip_document(slices, "t", extra)) == encoding.json_document(
        slices, "t", extra
    )


def test_output_written_in_many_small_pieces_arrives_whole_and_in_order():
    """The pipe is enlarged and the reader pauses between small reads (fewer, larger reads):
    nothing is lost, reordered or held back, whatever size the pieces are."""
    code = (
        "import sys, time\nout = open(sys.argv[1], 'wb', buffering=0)\n"
        "for i in range(3000):\n"
        "    out.write(b'%d,' % i)\n"
        "    if i % 500 == 0: time.sleep(0.003)\n"
        "out.write(b'x' * (3 << 20))\n"
    )
    chunks: list[bytes] = []
    finished = limited_process.run(python(code), b"", LIMITS, chunks.append, to_pipe)
    expected = b"".join(b"%d," % i for i in range(3000)) + b"x" * (3 << 20)
    assert finished.returncode == 0 and b"".join(chunks) == expected
    assert finished.output_bytes == len(expected)


def test_the_output_pipe_is_enlarged_where_the_kernel_allows_it():
    import fcntl

    read_end, write_end = os.pipe()
    try:
        enlarged = limited_process._enlarge(read_end)
        size = fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert enlarged == (size >= limited_process.PIPE_BYTES)
    if not enlarged:
        pytest.skip(f"this kernel keeps pipes at {size} bytes (fs.pipe-max-size)")
