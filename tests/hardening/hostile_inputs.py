"""The hostile circuits of issue 21, one per row of its table: each is what an attacker sends to
/compile or /v2/compile, and each must be refused with a 4xx, before any file is opened and before
the work it asks for is done."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


@dataclass(frozen=True)
class Hostile:
    name: str
    circuit: str
    # A word the refusal must contain (what the user is told is wrong).
    says: str


def include(path: str) -> str:
    return f'{HEADER}include "{path}";\nqreg q[1];\nh q[0];\n'


def huge_register() -> str:
    return f"{HEADER}qreg q[99999999999999999999999];\nh q[0];\n"


def nested_definitions(depth: int = 3000) -> str:
    """`depth` gates, each calling the one before: g{depth-1} is nested `depth` deep."""
    lines = [HEADER, "qreg q[1];\n", "gate g0 a { h a; }\n"]
    lines += [f"gate g{i} a {{ g{i - 1} a; }}\n" for i in range(1, depth)]
    lines.append(f"g{depth - 1} q[0];\n")
    return "".join(lines)


def many_parameters(count: int = 1000) -> str:
    """A gate of `count` parameters whose body adds them all up in one expression."""
    names = [f"p{i}" for i in range(count)]
    values = ",".join("0.001" for _ in names)
    return (
        f"{HEADER}qreg q[1];\n"
        f"gate big({','.join(names)}) a {{ rz({'+'.join(names)}) a; }}\n"
        f"big({values}) q[0];\n"
    )


def huge_angle() -> str:
    return f"{HEADER}qreg q[1];\nrz(1e400) q[0];\n"


def doubling_bomb(levels: int = 20) -> str:
    """About 1 KB that expands to 2**levels gate calls: each gate calls the one before twice."""
    lines = [HEADER, "qreg q[1];\n", "gate g0 a { h a; }\n"]
    lines += [f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(1, levels + 1)]
    lines.append(f"g{levels} q[0];\n")
    return "".join(lines)


TABLE = (
    Hostile("include_etc_passwd", include("/etc/passwd"), "qelib1.inc"),
    Hostile("include_dev_zero", include("/dev/zero"), "qelib1.inc"),
    Hostile("include_relative", include("../settings.py"), "qelib1.inc"),
    Hostile("huge_register", huge_register(), "register size"),
    Hostile("nested_3000_gates", nested_definitions(3000), "nest"),
    Hostile("gate_with_1000_parameters", many_parameters(1000), "parameter"),
    Hostile("angle_1e400", huge_angle(), "angle"),
    Hostile("bomb_2_20", doubling_bomb(20), "operations"),
    Hostile("bomb_2_40", doubling_bomb(40), "operations"),
)
