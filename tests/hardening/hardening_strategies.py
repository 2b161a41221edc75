"""Hypothesis strategies for hostile input: JSON values, request bodies, and OpenQASM 2.0
programs from a small grammar (supported and unsupported gates, random angles, registers,
measure/barrier/if, custom gates), then mutated character by character."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Reproducible in CI: the same examples every run, no time limit per example (a compile can take
# a second), and the function-scoped `invoke` fixture is safe to reuse across examples.
HARDENING = settings(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MAX_QUBITS = 6
MAX_GATES = 30

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)

SUPPORTED_1Q = ("x", "z", "h", "s", "sdg", "t", "tdg")
SUPPORTED_2Q = ("cx", "cz")
ROTATIONS = ("rz", "rx", "u1")
UNSUPPORTED_1Q = ("y", "id", "sx", "sxdg", "reset")
UNSUPPORTED_2Q = ("swap", "cy", "ch", "crz(pi/2)", "cu1(pi/4)", "rzz(pi/4)")
UNSUPPORTED_PARAM = ("u3({a},{b},{c})", "u2({a},{b})", "ry({a})", "u({a},{b},{c})", "p({a})")

angles = st.one_of(
    st.sampled_from(["pi/4", "pi/2", "-pi/2", "pi", "-pi/4", "pi/8", "3*pi/4", "0", "2*pi"]),
    st.floats(min_value=-10, max_value=10, allow_nan=False).map(lambda x: repr(round(x, 6))),
    st.sampled_from(["1/0", "pi/0", "1e400", "-0.0", "ln(-1)", "sqrt(-1)", "x", "pi*"]),
    st.just(repr(math.pi / 4)),
)


DEFECTS = (
    "missing_header",
    "openqasm_3",
    "missing_include",
    "two_registers",
    "no_register",
    "empty_register",
    "capitalised_register",
    "reserved_register_name",
    "out_of_range_qubit",
    "repeated_qubit",
    "whole_register_operand",
    "custom_gate",
    "unsupported_gate",
    "unsupported_angle",
    "register_measure",
    "classical_if",
    "no_gates",
)
good_angles = st.sampled_from(["pi/4", "pi/2", "-pi/2", "pi", "-pi/4"])


@st.composite
def qasm_programs(draw: st.DrawFn) -> str:
    """A small OpenQASM 2.0 program (<= 6 qubits, <= 30 operations) of supported gates, measures
    and barriers; about a third have no defect, the rest exactly one from DEFECTS."""
    defect = draw(st.sampled_from((None,) * 8 + DEFECTS))
    lines = []
    if defect != "missing_header":
        lines.append("OPENQASM 3.0;" if defect == "openqasm_3" else "OPENQASM 2.0;")
    if defect != "missing_include":
        lines.append('include "qelib1.inc";')
    name = {"capitalised_register": "Q", "reserved_register_name": "qLitinski"}.get(defect, "q")
    size = 0 if defect == "empty_register" else draw(st.integers(1, MAX_QUBITS))
    if defect != "no_register":
        lines.append(f"qreg {name}[{size}];")
    if defect == "two_registers":
        lines.append(f"qreg r[{draw(st.integers(1, 3))}];")
    bits = draw(st.integers(1, MAX_QUBITS))
    lines.append(f"creg c[{bits}];")

    def qubits(count: int) -> str:
        if size >= count:
            chosen = draw(
                st.lists(st.integers(0, size - 1), min_size=count, max_size=count, unique=True)
            )
        else:
            chosen = [0] * count
        return ",".join(f"{name}[{i}]" for i in chosen)

    gates = []
    for _ in range(0 if defect == "no_gates" else draw(st.integers(1, MAX_GATES))):
        kind = draw(st.integers(0, 9))
        if kind < 4:
            gates.append(f"{draw(st.sampled_from(SUPPORTED_1Q))} {qubits(1)};")
        elif kind < 6 and size >= 2:
            gates.append(f"{draw(st.sampled_from(SUPPORTED_2Q))} {qubits(2)};")
        elif kind == 6:
            gates.append(f"{draw(st.sampled_from(ROTATIONS))}({draw(good_angles)}) {qubits(1)};")
        elif kind == 7 and size >= 3:
            gates.append(f"ccx {qubits(3)};")
        elif kind == 8:
            gates.append(f"measure {qubits(1)} -> c[{draw(st.integers(0, bits - 1))}];")
        elif kind == 9:
            gates.append(f"barrier {qubits(1)};")
        else:  # a multi-qubit gate on too small a register
            gates.append(f"x {qubits(1)};")
    defective = {
        "out_of_range_qubit": f"h {name}[{size + draw(st.integers(0, 3))}];",
        "repeated_qubit": f"cx {name}[0],{name}[0];",
        "whole_register_operand": f"h {name};",
        "custom_gate": f"gate mine a, b {{ cx a, b; h a; }}\nmine {name}[0],{name}[0];",
        "unsupported_gate": draw(
            st.sampled_from(
                [f"{g} {name}[0];" for g in UNSUPPORTED_1Q]
                + [f"{g} {name}[0],{name}[1];" for g in UNSUPPORTED_2Q]
                + [g.format(a="pi/3", b="0", c="pi") + f" {name}[0];" for g in UNSUPPORTED_PARAM]
            )
        ),
        "unsupported_angle": f"{draw(st.sampled_from(ROTATIONS))}({draw(angles)}) {name}[0];",
        "register_measure": f"measure {name} -> c;",
        "classical_if": f"if(c=={draw(st.integers(0, 3))}) x {name}[0];",
    }.get(defect)
    if defective:
        gates.insert(draw(st.integers(0, len(gates))), defective)
    return "\n".join(lines + gates) + "\n"


@st.composite
def mutated(draw: st.DrawFn, programs: st.SearchStrategy[str]) -> str:
    """A program with a few random edits: deletions, insertions, duplicated or swapped lines."""
    text = draw(programs)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.integers(0, 3))
        if edit == 0 and text:
            start = draw(st.integers(0, len(text) - 1))
            text = text[:start] + text[start + draw(st.integers(1, 8)) :]
        elif edit == 1:
            at = draw(st.integers(0, len(text)))
            noise = draw(
                st.sampled_from([";", "[", "]", "(", ")", ",", "->", "\x00", "é", "//", "\n", "{"])
                | st.text(max_size=6)
            )
            text = text[:at] + noise + text[at:]
        else:
            lines = text.splitlines()
            if len(lines) > 1:
                i = draw(st.integers(0, len(lines) - 1))
                j = draw(st.integers(0, len(lines) - 1))
                if edit == 2:
                    lines.insert(j, lines[i])
                else:
                    lines[i], lines[j] = lines[j], lines[i]
                text = "\n".join(lines) + "\n"
    return text


circuits = st.one_of(qasm_programs(), mutated(qasm_programs()), st.text(max_size=200), st.just(""))
