"""The requests that exercise every code path a request to the service can take: both compile
routes with the Litinski transform on and off, every supported gate and rotation angle, the
upstream demo circuits, every validation error, the time budget, oversized answers, gzip,
/health, /v2/openapi.json, CORS preflight and unknown routes.

import_trace replays it inside a bundle to learn which files the service loads (what may be
pruned) and again after pruning to prove nothing changed. Add a request here whenever the service
gains a code path (a gate, an option, an error): what the corpus never runs, pruning may remove.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from lsctl.paths import COMPILER_DIR
from lsctl.samples import README_EXAMPLE, layered

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
ONE_QUBIT_GATES = ("x", "z", "h", "s", "sdg", "t", "tdg")
ROTATIONS = ("rz", "rx", "u1")
ANGLES = {"pi_4": "pi/4", "m_pi_4": "-pi/4", "pi_2": "pi/2", "m_pi_2": "-pi/2", "pi": "pi"}
DEMO_CIRCUITS = Path("assets") / "demo_circuits"
_GZIP = {"headers": {"accept-encoding": "gzip, deflate"}}

Request = dict[str, Any]
# qelib1.inc gates the service refuses: parsing still builds each one (qiskit's gate classes).
QELIB1_OTHERS = (
    "u3(0.1,0.2,0.3) q[0];\nu2(0.1,0.2) q[0];\nu(0.1,0.2,0.3) q[0];\nU(0.1,0.2,0.3) q[0];\n"
    "CX q[0],q[1];\nid q[0];\ny q[0];\nsx q[0];\nsxdg q[0];\nry(0.5) q[0];\np(0.5) q[0];\n"
    "cy q[0],q[1];\nch q[0],q[1];\ncsx q[0],q[1];\nswap q[0],q[1];\ncswap q[0],q[1],q[2];\n"
    "crx(0.1) q[0],q[1];\ncry(0.1) q[0],q[1];\ncrz(0.1) q[0],q[1];\ncu1(0.1) q[0],q[1];\n"
    "cp(0.1) q[0],q[1];\ncu3(0.1,0.2,0.3) q[0],q[1];\ncu(0.1,0.2,0.3,0.4) q[0],q[1];\n"
    "rxx(0.1) q[0],q[1];\nrzz(0.1) q[0],q[1];\nc3x q[0],q[1],q[2];\n"
)


def _qasm(qubits: int, body: str, cregs: int = 0) -> str:
    classical = f"creg c[{cregs}];\n" if cregs else ""
    return f"{HEADER}qreg q[{qubits}];\n{classical}{body}"


def gate_circuits() -> dict[str, str]:
    """One small circuit per supported operation (a failure names the gate)."""
    circuits = {g: _qasm(2, f"h q[1];\n{g} q[0];\ncx q[0],q[1];\n") for g in ONE_QUBIT_GATES}
    circuits["cx"] = _qasm(2, "h q[0];\ncx q[0],q[1];\n")
    circuits["cz"] = _qasm(2, "h q[0];\ncz q[0],q[1];\n")
    circuits["ccx"] = _qasm(3, "h q[0];\nh q[1];\nccx q[0],q[1],q[2];\n")
    for gate in ROTATIONS:
        for key, angle in ANGLES.items():
            circuits[f"{gate}_{key}"] = _qasm(2, f"h q[0];\n{gate}({angle}) q[0];\ncx q[0],q[1];\n")
    circuits["measure"] = _qasm(2, "h q[0];\ncx q[0],q[1];\nmeasure q[1] -> c[1];\n", cregs=2)
    circuits["barrier"] = _qasm(2, "h q[0];\nbarrier q;\ncx q[0],q[1];\nbarrier q[0],q[1];\n")
    return circuits


def demo_circuits(compiler_root: Path | None = COMPILER_DIR) -> dict[str, str]:
    """Upstream's demo circuits, read from the submodule ({} where it is empty or None)."""
    if compiler_root is None:
        return {}
    folder = compiler_root / DEMO_CIRCUITS
    return {f"demo_{p.stem}": p.read_text() for p in sorted(folder.glob("*.qasm"))}


def mixed_circuit() -> str:
    """Every supported operation in one circuit, comments and all."""
    body = ["// every operation the service supports", "barrier q;"]
    body += [f"{g} q[{i % 3}];" for i, g in enumerate(ONE_QUBIT_GATES)]
    body += ["cx q[0],q[1];", "cz q[1],q[2];", "ccx q[0],q[1],q[2];"]
    body += [f"{g}({a}) q[{i % 3}];" for i, g in enumerate(ROTATIONS) for a in ANGLES.values()]
    body += ["measure q[0] -> c[0];", "measure q[2] -> c[2];"]
    return _qasm(3, "\n".join(body) + "\n", cregs=3)


def _post(name: str, path: str, body: Any, **extra: Any) -> Request:
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    headers = {"content-type": "application/json", **extra.pop("headers", {})}
    return {"name": name, "method": "POST", "path": path, "body": text, "headers": headers, **extra}


def v2(name: str, circuit: str, litinski: bool = True, **extra: Any) -> Request:
    body = {"circuit": circuit, "litinski_transform": litinski}
    return _post(name, "/v2/compile", body, **extra)


def legacy(name: str, circuit: str, litinski: bool = True, **extra: Any) -> Request:
    body = {
        "circuit": circuit,
        "circuit_source": "str",
        "apply_litinski_transform": litinski,
        "simulation_method": "NOOP",
    }
    return _post(name, "/compile", body, **extra)


def compile_requests(compiler_root: Path | None = COMPILER_DIR) -> list[Request]:
    requests: list[Request] = []
    for litinski in (True, False):
        mode = "litinski" if litinski else "plain"
        for gate, circuit in gate_circuits().items():
            requests.append(v2(f"v2 {gate} {mode}", circuit, litinski))
        requests.append(v2(f"v2 mixed {mode}", mixed_circuit(), litinski))
        requests.append(v2(f"v2 layered_4x2 {mode}", layered(4, 2).qasm, litinski))
        # The routes differ only after compiling (the web client's text): fewer circuits here.
        for name, circuit in {"readme": README_EXAMPLE, **demo_circuits(compiler_root)}.items():
            requests.append(v2(f"v2 {name} {mode}", circuit, litinski))
            requests.append(legacy(f"legacy {name} {mode}", circuit, litinski))
    requests.append(v2("v2 readme gzip", README_EXAMPLE, **_GZIP))
    requests.append(legacy("legacy readme gzip", README_EXAMPLE, **_GZIP))
    requests.append(_post("legacy defaults", "/compile", _circuit_only()))
    return requests


def engine_requests() -> list[Request]:
    """Engine liblsqecc (its options, its output reader, its limits) and the refusals of its
    options; without its binary these answer 503, the same before and after pruning."""

    def engine(name: str, circuit: str, **options: str) -> Request:
        body = {"circuit": circuit, "engine": "liblsqecc", **options}
        return _post(f"v2 liblsqecc {name}", "/v2/compile", body, **_GZIP)

    runaway = _qasm(2, "cx q[0],q[1];\n")  # EDPC writes slices for ever: stopped, 422
    return [
        engine("readme", README_EXAMPLE),
        engine("mixed wave", mixed_circuit(), schedule="wave"),
        engine("layered compact_no_clogging", layered(4, 2).qasm, layout="compact_no_clogging"),
        engine("layered stats", layered(8).qasm, output="stats"),
        engine("runaway", runaway),
        engine("refused: compact layout", README_EXAMPLE, layout="compact"),
        _post("v2 refused: layout with lsqecc", "/v2/compile", _with(layout="edpc")),
        _post("v2 refused: output stats with lsqecc", "/v2/compile", _with(output="stats")),
    ]


def _with(**options: str) -> dict[str, str]:
    return {"circuit": README_EXAMPLE, **options}


def _circuit_only() -> str:
    return json.dumps({"circuit": README_EXAMPLE})


def error_requests() -> list[Request]:
    """Every refusal the service can give, on both routes where they differ."""
    bad_circuits = {
        "empty circuit": "   ",
        "no header": 'include "qelib1.inc";\nqreg q[1];\nh q[0];\n',
        "qasm 3": 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[1] q;\nh q[0];\n',
        "no include": "OPENQASM 2.0;\nqreg q[1];\nh q[0];\n",
        "syntax error": _qasm(1, "h q[0]\n"),
        "division by zero": _qasm(1, "rz(1/0) q[0];\n"),
        "two registers": _qasm(1, "qreg r[1];\nh q[0];\nh r[0];\n"),
        "register measure": _qasm(2, "h q[0];\nmeasure q -> c;\n", cregs=2),
        "classical condition": _qasm(1, "h q[0];\nmeasure q[0] -> c[0];\nif(c==1) x q[0];\n", 1),
        "no gates": _qasm(2, "barrier q;\n"),
        "unsupported gate": _qasm(1, "y q[0];\n"),
        "unsupported angle": _qasm(1, "rz(0.3) q[0];\n"),
        "custom gate": _qasm(2, "gate g a,b { cx a,b; }\ng q[0],q[1];\n"),
        "custom gate with a parameter": _qasm(1, "gate g(t) a { rz(t/2) a; }\ng(pi) q[0];\n"),
        "opaque gate": _qasm(1, "opaque o a;\no q[0];\n"),
        "other qelib1 gates": _qasm(3, QELIB1_OTHERS),
        "too many qubits": _qasm(40, "h q[0];\n"),
        "too many gates": _qasm(1, "h q[0];\n" * 2100),
    }
    requests = []
    for name, circuit in bad_circuits.items():
        requests.append(v2(f"v2 refused: {name}", circuit))
        requests.append(legacy(f"legacy refused: {name}", circuit))
    clash = _qasm(1, "creg myCircuit[1];\nh q[0];\nmeasure q[0] -> myCircuit[0];\n")
    requests.append(legacy("legacy refused: reserved register name", clash))
    requests.append(v2("v2 reserved register name is fine", clash))
    for route, path in (("v2", "/v2/compile"), ("legacy", "/compile")):
        requests += [
            _post(f"{route} empty body", path, ""),
            _post(f"{route} not json", path, "{circuit: 1"),
            _post(f"{route} json array", path, "[1, 2]"),
            _post(f"{route} missing circuit", path, {"litinski_transform": True}),
            _post(f"{route} circuit not a string", path, {"circuit": 3}),
            _post(
                f"{route} option a string", path, {"circuit": README_EXAMPLE, _option(route): "no"}
            ),
            _post(f"{route} not utf-8", path, None, body_base64=_b64(b'{"circuit": "\xff"}')),
            _post(f"{route} bad base64", path, None, body_base64="not base64!"),
            _post(f"{route} base64 body", path, None, body_base64=_b64(_circuit_only().encode())),
            _post(f"{route} body too large", path, _circuit_only(), limits={"max_body_bytes": 64}),
            # A budget of 0 is spent before anything runs: the 504 every time, with or without
            # the compiler (with 0.001 s, a busy machine could get there or to the 503 first).
            _post(
                f"{route} compile timeout",
                path,
                {"circuit": layered(8).qasm},
                limits={"compile_seconds": 0},
            ),
            _post(
                f"{route} response too large",
                path,
                {"circuit": README_EXAMPLE},
                limits={"max_response_bytes": 200},
            ),
            _post(
                f"{route} response too large even gzipped",
                path,
                {"circuit": README_EXAMPLE},
                limits={"max_response_bytes": 200},
                headers={"accept-encoding": "gzip"},
            ),
        ]
    fits_gzipped = {"max_response_bytes": 20_000}
    requests.append(v2("v2 fits only gzipped", README_EXAMPLE, limits=fits_gzipped, **_GZIP))
    requests.append(
        legacy("legacy fits only gzipped", README_EXAMPLE, limits=fits_gzipped, **_GZIP)
    )
    requests.append(_post("v2 unknown field", "/v2/compile", {"circuit": README_EXAMPLE, "x": 1}))
    return requests


def _option(route: str) -> str:
    return "litinski_transform" if route == "v2" else "apply_litinski_transform"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def other_requests() -> list[Request]:
    def get(name: str, path: str, **headers: str) -> Request:
        return {"name": name, "method": "GET", "path": path, "body": None, "headers": headers}

    preflight = {
        "origin": "https://latticesurgery.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    return [
        get("health", "/health"),
        get("health gzip", "/health", **{"accept-encoding": "gzip"}),
        get("openapi", "/v2/openapi.json"),
        get("unknown route", "/nowhere"),
        get("get on compile", "/v2/compile"),
        get("cors simple", "/health", origin="https://latticesurgery.com"),
        get("cors foreign origin", "/health", origin="https://example.org"),
        {**get("cors preflight", "/compile", **preflight), "method": "OPTIONS"},
        {**get("cors preflight v2", "/v2/compile", **preflight), "method": "OPTIONS"},
    ]


FRAMEWORK_REQUESTS = (
    "health",
    "openapi",
    "unknown route",
    "cors preflight",
    "v2 readme litinski",
    "legacy readme plain",
    "v2 readme gzip",
    "v2 refused: unsupported gate",
    "legacy empty body",
)


def framework(requests: list[Request]) -> list[Request]:
    """A few requests of each kind (routes, errors, gzip, CORS): enough to run the code around
    the compiler (logging, metrics, tracing) in another environment, quickly."""
    return [r for r in requests if r["name"] in FRAMEWORK_REQUESTS]


def corpus(compiler_root: Path | None = COMPILER_DIR) -> list[Request]:
    """The whole corpus; names are unique (the replay compares answers by name)."""
    # Compiles first: the time-budget requests interrupt a compile part-way.
    requests = [
        *other_requests(),
        *compile_requests(compiler_root),
        *engine_requests(),
        *error_requests(),
    ]
    names = [r["name"] for r in requests]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"corpus request names must be unique: {duplicates}")
    return requests
