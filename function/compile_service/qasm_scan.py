"""The first look at a circuit, before qiskit parses it: what a small body must not be allowed to
ask for (docs/hostile-input.md). It reads the tokens once, in time linear in the body, and
refuses with the line and the problem:

- any `include` but the standard library's "qelib1.inc" (qiskit's parser would read the file);
- register sizes over the limits, and numbers too long to be one (qiskit's Rust parser panics on
  an index over 2^64);
- gate definitions with too many parameters, nested too deep, or expanding to too many
  operations: a gate's count is the sum of its body's (a standard gate counts what the lowering
  unrolls it to, STANDARD_WEIGHTS), a call on whole registers counts once per qubit; 1 KB can
  define 2^40 operations, which are counted here and never unrolled;
- parameter expressions that are too large (qiskit evaluates them recursively) and numbers in
  them too large to be an angle (1e400 is infinite as a float).

It is no parser: what it does not recognise it leaves to qiskit, which refuses it. It only has to
see every `include`, register, gate definition and call that qiskit would, and it does, by
reading tokens as qiskit's lexer does (`//` comments, `"strings"`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from compile_service.errors import CircuitTooLarge, InvalidCircuit, UnsupportedCircuit
from compile_service.settings import Limits

STANDARD_LIBRARY = "qelib1.inc"
# What the lowering unrolls each standard gate to (single-qubit gates outside the compiler's
# dialect: an Euler rotation of 5 steps; others: their qiskit definition, recursively), where it
# is more than one operation. tests/service/test_qasm_scan.py recomputes it from qiskit.
STANDARD_WEIGHTS = {
    "c3sqrtx": 55,
    "c3x": 91,
    "c4x": 137,
    "ch": 7,
    "cp": 17,
    "crx": 13,
    "cry": 12,
    "crz": 4,
    "cswap": 3,
    "csx": 7,
    "cu": 27,
    "cu1": 5,
    "cu3": 14,
    "cy": 3,
    "p": 5,
    "rc3x": 34,
    "rccx": 17,
    "rxx": 7,
    "ry": 5,
    "rzz": 3,
    "swap": 3,
    "sx": 5,
    "sxdg": 5,
    "u": 5,
    "u2": 5,
    "u3": 5,
    "y": 5,
}
# Counts stop growing here (exact below it, and the numbers stay small).
_CAP = 10**30
# Longer than this, a whole number is over 2^64 (and Python's int() refuses 4300 digits).
_MAX_DIGITS = 18

# A token as qiskit's lexer reads it: a comment (dropped), a string, a number, a name or a symbol.
_TOKEN = re.compile(
    r'//[^\n]*|"[^"\n]*"|(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+'
    r"|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|->|==|\S"
)
# Names in an expression that are functions (qiskit's); any other name is a parameter or pi.
_FUNCTIONS = frozenset({"sin", "cos", "tan", "exp", "ln", "sqrt", "asin", "acos", "atan"})
_OPERATORS = frozenset({"+", "-", "*", "/", "^"})


@dataclass(frozen=True)
class Defined:
    """A gate of the circuit: the operations one call expands to, and how deep it nests."""

    operations: int
    depth: int


@dataclass(frozen=True)
class Scan:
    """What the circuit asks for: operations once every gate is unrolled, the deepest nesting
    of gate definitions, qubits and classical bits."""

    operations: int
    depth: int
    qubits: int
    clbits: int


def words(source: str) -> list[str]:
    """The tokens of `source`, comments left out (plain strings: a body of 256 kB has 200 000)."""
    return [word for word in _TOKEN.findall(source) if not word.startswith("//")]


def is_name(word: str) -> bool:
    return word[0] == "_" or ("a" <= word[0].lower() <= "z")


def is_whole(word: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, and int() refuses it)."""
    return word.isascii() and word.isdigit()


def is_number(word: str) -> bool:
    return "0" <= word[0] <= "9" or (word[0] == "." and len(word) > 1)


def scan(source: str, limits: Limits) -> Scan:
    """What `source` asks for, or the first reason (CircuitTooLarge, UnsupportedCircuit) it
    must not be parsed."""
    return _Scanner(source, limits).run()


class _Scanner:
    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.words = words(source)
        self.limits = limits
        self.at = 0  # the next word to read
        self.gates: dict[str, Defined] = {}
        self.registers: dict[str, int] = {}
        self.qubits = 0
        self.clbits = 0
        self.operations = 0
        self.depth = 0

    def run(self) -> Scan:
        for index, word in enumerate(self.words):
            if word == "include":
                self._include(index)
        while self.at < len(self.words):
            self._statement()
        return Scan(self.operations, self.depth, self.qubits, self.clbits)

    # Reading words.

    def _peek(self, offset: int = 0) -> str | None:
        index = self.at + offset
        return self.words[index] if index < len(self.words) else None

    def _next(self) -> str | None:
        word = self._peek()
        self.at += 1
        return word

    def _is(self, text: str) -> bool:
        return self.at < len(self.words) and self.words[self.at] == text

    def _until(self, *stops: str) -> Iterator[str]:
        """The words up to (not including) the first of `stops`, which is left to read."""
        found = self.words
        while self.at < len(found) and found[self.at] not in stops:
            self.at += 1
            yield found[self.at - 1]

    def _line(self, index: int | None = None) -> int:
        """The line of word `index` (by default the last read), counted only for a message."""
        index = self.at - 1 if index is None else index
        seen = -1
        for match in _TOKEN.finditer(self.source):
            if not match.group().startswith("//"):
                seen += 1
                if seen == index:
                    return self.source.count("\n", 0, match.start()) + 1
        return self.source.count("\n") + 1

    # Statements.

    def _include(self, index: int) -> None:
        following = self.words[index + 1] if index + 1 < len(self.words) else "nothing"
        if following != f'"{STANDARD_LIBRARY}"':
            raise UnsupportedCircuit(
                f"line {self._line(index)}: 'include' of {following[:80]}: this service "
                f"includes only the standard library, 'include \"{STANDARD_LIBRARY}\";', and "
                "reads no other file"
            )

    def _statement(self) -> None:
        word = self._next()
        assert word is not None
        if word in ("qreg", "creg"):
            self._register(word)
        elif word in ("gate", "opaque"):
            self._definition(word)
        elif word == "if":
            list(self._until(")"))  # the condition; the operation follows
            self.at += 1
        elif word in ("OPENQASM", "include"):
            list(self._until(";"))
            self.at += 1
        elif is_name(word):
            self._call(word, self.at - 1, top_level=True)
        # Anything else is not OpenQASM 2.0; qiskit says where.

    def _register(self, keyword: str) -> None:
        line = self.at - 1
        name = self._next()
        size = None
        if self._is("["):
            self.at += 1
            size = self._whole(self._peek())
        list(self._until(";"))
        if name is None or size is None:
            return  # not a declaration qiskit accepts; it says why
        if keyword == "qreg":
            self.qubits += size
            if self.qubits > self.limits.max_qubits:
                raise CircuitTooLarge(
                    f"line {self._line(line)}: 'qreg {name}[{_shown(size)}]' makes "
                    f"{_shown(self.qubits)} qubits; this service compiles at most "
                    f"{self.limits.max_qubits}"
                )
        else:
            self.clbits += size
            if self.clbits > self.limits.max_classical_bits:
                raise CircuitTooLarge(
                    f"line {self._line(line)}: 'creg {name}[{_shown(size)}]' makes "
                    f"{_shown(self.clbits)} classical bits; this service takes at most "
                    f"{self.limits.max_classical_bits}"
                )
        self.registers[name] = size

    def _definition(self, keyword: str) -> None:
        line = self.at - 1
        name = self._next()
        if name is None:
            return
        parameters = 0
        if self._is("("):
            parameters = sum(1 for t in self._until(")") if is_name(t))
            self.at += 1
        if parameters > self.limits.max_gate_parameters:
            raise UnsupportedCircuit(
                f"line {self._line(line)}: gate '{name}' has {parameters} parameters; this "
                f"service takes at most {self.limits.max_gate_parameters} per gate"
            )
        qubits = sum(1 for t in self._until("{", ";") if is_name(t))
        if qubits > self.limits.max_qubits:
            raise CircuitTooLarge(
                f"line {self._line(line)}: gate '{name}' acts on {qubits} qubits; this "
                f"service compiles at most {self.limits.max_qubits}"
            )
        if keyword == "opaque" or not self._is("{"):
            self.gates[name] = Defined(1, 1)
            return
        self.at += 1
        operations, depth = 0, 0
        while (word := self._next()) is not None and word != "}":
            if is_name(word):
                called = self._call(word, self.at - 1, top_level=False)
                operations = min(operations + called.operations, _CAP)
                depth = max(depth, called.depth)
        defined = Defined(operations, depth + 1)
        if defined.depth > self.limits.max_gate_nesting:
            raise UnsupportedCircuit(
                f"line {self._line(line)}: gate '{name}' nests gate definitions "
                f"{defined.depth} deep; this service takes at most "
                f"{self.limits.max_gate_nesting}"
            )
        self.gates[name] = defined

    def _call(self, name: str, line: int, top_level: bool) -> Defined:
        """One operation (a gate call, measure, reset or barrier) up to its `;`: what it expands
        to, counted into the circuit's total when it is not in a gate body."""
        if self._is("("):
            self.at += 1
            self._expressions(name)
        copies = 1
        for word in self._until(";", "}"):
            if is_whole(word):
                self._whole(word)
            elif top_level and is_name(word) and not self._is("["):
                copies = max(copies, self.registers.get(word, 1))  # a whole register
        if self._is(";"):
            self.at += 1
        known = self.gates.get(name) or Defined(STANDARD_WEIGHTS.get(name, 1), 0)
        if top_level:
            self.operations = min(self.operations + copies * known.operations, _CAP)
            self.depth = max(self.depth, known.depth)
            if self.operations > self.limits.max_expanded_operations:
                raise CircuitTooLarge(
                    f"line {self._line(line)}: with '{name}' the circuit expands to "
                    f"{_expanded(self.operations)} operations once its gate definitions are "
                    f"unrolled; this service takes at most {self.limits.max_expanded_operations}"
                )
        return known

    def _expressions(self, name: str) -> None:
        """The parameters of a call, after its `(` up to and past the matching `)`."""
        depth, size, previous = 1, 0, None
        while (word := self._next()) is not None:
            divisor, previous = previous == "/", word
            if word == "(":
                depth += 1
                size += 1
            elif word == ")":
                depth -= 1
                if depth == 0:
                    return
            elif word == ",":
                size = 0  # a new expression
            elif word in _OPERATORS or word in _FUNCTIONS:
                size += 1
            elif is_number(word):
                self._angle(word, name, divisor)
            elif word in (";", "{", "}"):
                self.at -= 1
                return  # unbalanced: qiskit says so
            if size > self.limits.max_expression_size:
                raise UnsupportedCircuit(
                    f"line {self._line()}: a parameter of '{name}' has more than "
                    f"{self.limits.max_expression_size} operators, functions and parentheses; "
                    "write the angle as one number"
                )

    def _angle(self, word: str, name: str, divisor: bool = False) -> None:
        """A number in a parameter: at most max_angle in magnitude, unless it divides (qiskit's
        QFT writes cp(pi/1099511627776)): a divisor only has to be finite, and the evaluated
        angle is checked after parsing (circuit_check)."""
        too_long = is_whole(word) and len(word.lstrip("0")) > _MAX_DIGITS
        value = float("inf") if too_long else float(word)
        if not (math.isfinite(value) if divisor else abs(value) <= self.limits.max_angle):
            raise UnsupportedCircuit(
                f"line {self._line()}: the number {word[:40]} in a parameter of '{name}' is "
                f"not an angle this service takes: at most {self.limits.max_angle:g} in magnitude"
            )

    def _whole(self, word: str | None) -> int | None:
        """A register size or an index, refused when it cannot be one (too many digits)."""
        if word is None or not is_whole(word):
            return None
        if len(word.lstrip("0")) > _MAX_DIGITS:
            raise InvalidCircuit(
                f"line {self._line(self.words.index(word, max(0, self.at - 1)))}: the number "
                f"{word[:30]}... ({len(word)} digits) is no register size or index this "
                "service takes"
            )
        return int(word)


def _shown(number: int) -> str:
    """1 099 511 627 776"""
    return f"{number:,}".replace(",", " ")


def _expanded(operations: int) -> str:
    return "more than 10^30" if operations >= _CAP else _shown(operations)
