"""A grammar of hostile OpenQASM 2.0 (hypothesis strategies): programs that include files, declare
huge or malformed registers, define gates that nest deep or expand exponentially, take many
parameters, and compute angles with deep, overflowing or undefined expressions; mixed with
ordinary circuits so that the fuzzer also reaches the lowering and the compiler. Then mutated
(hardening_strategies.mutated) to reach the parsers' error paths."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.hardening.hardening_strategies import mutated

# A longer run (`make fuzz`) sets LSC_FUZZ_EXAMPLES; the test suite's run is short and the same
# every time (derandomized).
LONG_RUN = int(os.environ.get("LSC_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=LONG_RUN or examples,
        derandomize=not LONG_RUN,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


STANDARD_1Q = ("x", "h", "s", "t", "tdg", "sdg", "z", "y", "sx", "id")
STANDARD_2Q = ("cx", "cz", "swap", "cy", "ch")
STANDARD_3Q = ("ccx", "cswap")
ROTATIONS = ("rz", "rx", "ry", "u1", "p")
FUNCTIONS = ("sin", "cos", "tan", "exp", "ln", "sqrt", "asin", "acos", "atan")
OPERATORS = ("+", "-", "*", "/", "^")

INCLUDES = (
    '"qelib1.inc"',
    '"/etc/passwd"',
    '"/dev/zero"',
    '"/proc/self/environ"',
    '"../../function/compile_service/settings.py"',
    '"qelib1.inc/../qelib1.inc"',
    '""',
    "qelib1.inc",
    '"qelib1.inc',
)
HUGE_NUMBERS = (
    "99999999999999999999999",
    "18446744073709551616",
    "4294967296",
    "1" + "0" * 400,
    "1e400",
    "1e308",
    "1e-400",
    "1000001",
)

# Each hostile choice is one in several, so that about a third of the programs pass the front
# end and reach the lowering and the compiler.
numbers = st.one_of(
    st.integers(0, 1000).map(str),
    *[st.floats(-10, 10, allow_nan=False).map(lambda x: repr(round(x, 4)))] * 4,
    *[st.sampled_from(["pi", "pi/4", "pi/2", "0.5", ".5", "5."])] * 4,
    st.sampled_from(HUGE_NUMBERS),
)
sizes = st.one_of(
    *[st.integers(1, 6).map(str)] * 10,
    st.sampled_from(["0", "33", "1000", "1000000", *HUGE_NUMBERS[:4]]),
)


def expressions(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    leaves = numbers | st.sampled_from(names) if names else numbers
    nested = st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(OPERATORS), inner).map("".join),
            inner.map(lambda e: f"({e})"),
            st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda e: f"-{e}"),
        ),
        max_leaves=8,
    )
    deep = st.integers(
        1, 3000
    ).flatmap(
        lambda n: st.sampled_from(
            [
                "(" * n + "1" + ")" * n,
                "+".join(["1"] * n),
                "sin(" * n + "1" + ")" * n,
                "*".join(["1000000"] * (n % 60 + 1)),  # 1e6^54 overflows to infinity
                "*".join([*names[:1], *["1000000"] * (n % 60)]) if names else "1",
            ]
        )
    )
    return st.one_of(*[nested] * 6, deep)


@st.composite
def gate_definition(draw: st.DrawFn, index: int, known: list[tuple[str, int, int]]) -> str:
    """`gate g<index>(params) args { body }`, calling standard gates and those in `known`
    (name, parameters, qubits); adds itself to `known`."""
    parameters = draw(st.sampled_from([0] * 8 + [1] * 4 + [2, 3, 17, 1000]))
    qubits = draw(st.sampled_from([1] * 8 + [2] * 4 + [3, 40]))
    params = tuple(f"p{i}" for i in range(parameters))
    args = tuple(f"a{i}" for i in range(qubits))
    body = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 3))
        if choice == 0 and known:
            name, n_params, n_qubits = draw(st.sampled_from(known))
            values = [draw(expressions(params)) for _ in range(min(n_params, 4))]
        elif choice == 1:
            name, n_params, n_qubits = draw(st.sampled_from(ROTATIONS)), 1, 1
            values = [draw(expressions(params))]
        else:
            name, n_qubits, values = draw(st.sampled_from(STANDARD_1Q)), 1, []
        chosen = draw(st.lists(st.sampled_from(args), min_size=n_qubits, max_size=n_qubits))
        call = f"{name}({','.join(values)})" if values else name
        body.append(f"{call} {','.join(chosen)};")
    name = f"g{index}"
    known.append((name, parameters, qubits))
    head = f"gate {name}({','.join(params)})" if params else f"gate {name}"
    return f"{head} {','.join(args)} {{ {' '.join(body)} }}"


def chain(depth: int, calls: int) -> str:
    """Gates each calling the one before `calls` times: calls**depth operations for one call."""
    lines = ["gate c0 a { h a; }"]
    for i in range(1, depth + 1):
        lines.append(f"gate c{i} a {{ {' '.join([f'c{i - 1} a;'] * calls)} }}")
    lines.append(f"c{depth} q[0];")
    return "\n".join(lines)


@st.composite
def hostile_programs(draw: st.DrawFn) -> str:
    lines = ["OPENQASM 2.0;"]
    lines.append('include "qelib1.inc";')
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(1, 2)), f"include {draw(st.sampled_from(INCLUDES))};")
    size = draw(sizes)
    n = int(size) if size.isdigit() and 0 < int(size) <= 6 else 1
    lines.append(f"qreg q[{size}];")
    if draw(st.integers(0, 5)) == 0:
        lines.append(f"qreg r[{draw(sizes)}];")
    lines.append(f"creg c[{draw(sizes)}];")
    known: list[tuple[str, int, int]] = []
    for index in range(draw(st.integers(0, 4))):
        lines.append(draw(gate_definition(index, known)))
    if draw(st.integers(0, 7)) == 0:
        lines.append(chain(draw(st.integers(1, 70)), draw(st.integers(1, 3))))

    def qubits(count: int) -> str:
        if draw(st.integers(0, 19)) == 0:  # out of range, a whole or unknown register, huge
            return ",".join(
                draw(st.sampled_from(["q", "r", f"q[{n}]", f"q[{HUGE_NUMBERS[0]}]", "q[0]"]))
                for _ in range(count)
            )
        if count > n:
            return ",".join(["q[0]"] * count)  # refused: a repeated qubit
        chosen = draw(st.permutations(range(n)))[:count]
        return ",".join(f"q[{i}]" for i in chosen)

    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 7))
        if choice == 0 and known:
            name, n_params, n_qubits = draw(st.sampled_from(known))
            values = [draw(expressions(())) for _ in range(n_params if n_params < 4 else 4)]
            call = f"{name}({','.join(values)})" if values else name
            lines.append(f"{call} {qubits(n_qubits)};")
        elif choice == 1:
            rotation = draw(st.sampled_from(ROTATIONS))
            lines.append(f"{rotation}({draw(expressions(()))}) {qubits(1)};")
        elif choice == 2:
            lines.append(f"{draw(st.sampled_from(STANDARD_2Q))} {qubits(2)};")
        elif choice == 3:
            lines.append(f"{draw(st.sampled_from(STANDARD_3Q))} {qubits(3)};")
        elif choice == 4:
            lines.append(f"measure {qubits(1)} -> c[0];")
        elif choice == 5:
            lines.append(
                draw(st.sampled_from(["barrier q;"] * 4 + ["reset q[0];", "if(c==1) x q[0];"]))
            )
        else:
            lines.append(f"{draw(st.sampled_from(STANDARD_1Q))} {qubits(1)};")
    return "\n".join(lines) + "\n"


hostile_circuits = st.one_of(*[hostile_programs()] * 4, mutated(hostile_programs()))
