"""Patches 0022 and 0023 (performance). 0022: qelib1.inc is parsed once per process and each parse
gets its own copy of its declarations; the parser must still give what qiskit's legacy parser
gives, for valid and invalid programs alike. 0023: the parser and its lexer are freed by reference
counting once a parse is done, not left as cyclic garbage holding the whole AST.

Proved here, with two copies of the compiler (upstream plus the fixes only, and every patch), each
in a process of its own: the AST of every program (every node's type and attributes, line
numbers, file names, is_bit flags, which nodes are shared), or the error's type and text for an
invalid one (undefined gate, wrong arity, syntax errors, a bad or a repeated include, every kind
of token right after the include), and what the parser printed, are the same with every patch as
with the fixes only; compile_str refuses the invalid programs with the same text. Within the
patched copy, the patched parse leaves the parser as qiskit's parse does (symbol table, lexer
state), and two parses share no node, so a caller that changes its AST changes no later one; a
parse, valid or invalid, leaves no cyclic garbage. 0025: the parse the pipeline makes
(library_declarations=False) is the full parse without qelib1.inc's declarations, with the same
errors and printed text, and leaves the symbol table all such parses share unchanged.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from lsctl.paths import SHARED_CORPUS as CORPUS
from tests.service import compiler_copies

pytestmark = pytest.mark.compiler

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
VALID = [
    HEADER + "qreg q[3];\ncreg c[3];\nccx q[0],q[1],q[2];\nmeasure q[0] -> c[0];\nh q[1];\n",
    HEADER + "qreg q[2];\ngate foo(t) a,b { cx a,b; rz(t) b; }\nfoo(pi/2) q[0],q[1];\n",
    HEADER,  # nothing after the include
    '\n  OPENQASM  2.0 ;  include "qelib1.inc" ; qreg q[1]; h q[0];\n',  # one line, blanks
    # Comments before and between, as in most of the shared corpus; Windows line ends.
    '// Generated\n\n// twice\nOPENQASM 2.0; // v2\n//\ninclude "qelib1.inc";// std\nqreg q[1];\n',
    'OPENQASM 2.0;\r\ninclude "qelib1.inc";\r\nqreg q[2];\r\ncx q[0],q[1];\r\n',
    'OPENQASM 2.0;\ninclude\t"qelib1.inc" ;\nqreg q[1];\nu3(0.1,0.2,0.3) q[0];\n',
    # Not the shape the copy is used for: parsed as qiskit parses it.
    '// a comment\nOPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nx q[0];\n',
    'OPENQASM 2.0;\nqreg q[1];\ninclude "qelib1.inc";\nx q[0];\n',
    'OPENQASM 2.0;\ninclude\n"qelib1.inc";\nqreg q[1];\nx q[0];\n',
]
# lsqecc wants a blank after `include` (its own check, before parsing); qiskit's parser does not.
PARSER_ONLY = ['OPENQASM 2.0;\ninclude"qelib1.inc";\nqreg q[1];\nh q[0];\n']
INVALID = {
    "undefined gate": HEADER + "qreg q[2];\nfoo q[0];\n",
    "wrong arity": HEADER + "qreg q[2];\ncx q[0];\n",
    "too many qubits": HEADER + "qreg q[3];\nh q[0],q[1];\n",
    "missing parameters": HEADER + "qreg q[1];\nrz q[0];\n",
    "wrong number of parameters": HEADER + "qreg q[1];\nu3(0.1,0.2) q[0];\n",
    "index out of range": HEADER + "qreg q[1];\nh q[3];\n",
    "undeclared register": HEADER + "qreg q[1];\nh r[0];\n",
    "missing semicolon": HEADER + "qreg q[2];\nh q[0]\nh q[1];\n",
    "missing semicolon at the end": HEADER + "qreg q[1];\nh q[0]",
    "bad measure": HEADER + "qreg q[1];\ncreg c[1];\nmeasure q[0] c[0];\n",
    "bad character": HEADER + "qreg q[1];\n@\n",
    # qiskit's parser prints the syntax error, recovers and goes on to the end.
    "stray brace, then statements": HEADER + "}\nqreg q[1];\nh q[0];\n",
    "stray brace after statements": HEADER + "qreg q[1];\n}\nh q[0];\n",
    "gate redefined": HEADER + "gate h a { x a; }\nqreg q[1];\n",
    "bad bit in a gate body": HEADER + "qreg q[1];\ngate g a { h b; }\n",
    "include repeated": HEADER + 'include "qelib1.inc";\nqreg q[1];\n',
    "include of a missing file": HEADER + 'include "nothere.inc";\nqreg q[1];\n',
    "include without a semicolon": 'OPENQASM 2.0;\ninclude "qelib1.inc"\nqreg q[1];\n',
    "include not a string": HEADER + "include qelib1;\nqreg q[1];\n",
    "no standard library": 'OPENQASM 2.0;\ninclude "other.inc";\nqreg q[1];\n',
    "wrong version": 'OPENQASM 3.0;\ninclude "qelib1.inc";\nqreg q[1];\n',
    "after comments, undefined gate": "// c\n" + HEADER + "// d\nqreg q[1];\nfoo q[0];\n",
    "after comments, syntax error": "// c\n\n" + HEADER + "qreg q[1];\nh q[0]\n",
    "Windows line ends, wrong arity": HEADER.replace("\n", "\r\n") + "qreg q[2];\r\ncx q[1];\r\n",
}
# Every kind of token (and the end of the input) right after the include, on its line and on the
# next: the parser must be in the same state there with and without the copied declarations.
TOKENS = [
    *"{}[]();,+-*/^=<>.",
    '"',
    "->",
    "==",
    "1",
    "1.5",
    '"s"',
    "CX",
    "U",
    "x",
    "qreg",
    "creg",
    "gate",
    "opaque",
    "barrier",
    "if",
    "measure",
    "reset",
    "pi",
    "OPENQASM 2.0",
    "include",
    "",
]
AFTER_INCLUDE = [
    prefix + token + suffix
    for token in TOKENS
    for prefix, suffix in (
        (HEADER, " q[0];\n"),
        ('OPENQASM 2.0;\ninclude "qelib1.inc"; ', "\n"),
        (HEADER, ""),
    )
]

# The workers' dump of an AST: every node's class and attributes; a node or list seen before by
# its first index (so sharing shows). Put into each worker's source in place of "# (dump: _DUMP)".
_DUMP = textwrap.dedent(
    r"""
    def dump(obj, memo):
        if isinstance(obj, (qnode.Node, list, dict)):
            if id(obj) in memo:
                return ["seen", memo[id(obj)]]
            memo[id(obj)] = len(memo)
        if isinstance(obj, qnode.Node):
            return [type(obj).__name__, {k: dump(v, memo) for k, v in vars(obj).items()}]
        if isinstance(obj, list):
            return [dump(item, memo) for item in obj]
        if isinstance(obj, dict):
            return {str(k): dump(v, memo) for k, v in obj.items()}
        return [type(obj).__name__, repr(obj)]
    """
).lstrip("\n")


def _with_dump(worker: str) -> str:
    """`worker` with _DUMP in place of its "# (dump: _DUMP)" line."""
    return worker.replace("# (dump: _DUMP)\n", _DUMP)


# Runs in a fresh interpreter with one compiler copy first on sys.path. Reads a JSON list of
# programs on stdin, prints one JSON list: per program, the parse (AST dump or error) and what the
# parser printed, and compile_str's refusal where the program is refused.
_WORKER = _with_dump(
    textwrap.dedent(
        r"""
    import contextlib, io, json, re, sys
    sys.path[:0] = [sys.argv[1]]
    import qiskit.qasm.node.node as qnode
    import qiskit.qasm.qasmlexer as qasmlexer
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser
    from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str
    from lsqecc.simulation.logical_patch_state_simulation import SimulatorType

    # (dump: _DUMP)

    def outcome(call):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                value = call()
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}", "printed": printed.getvalue()}
        return {"value": value, "printed": printed.getvalue()}

    seen = []
    for source in json.load(sys.stdin):
        entry = outcome(lambda: dump(parser._QASMASTSegmenter.ast_from_str(source), {}))
        if "error" in entry:
            compiled = outcome(lambda: compile_str(source, True, SimulatorType.NOOP))
            entry["compile_str"] = compiled.get("error")
        seen.append(entry)
    # qelib1.inc's path (node file names, some messages) is where this interpreter has qiskit:
    # the same for both copies here, but observations are kept (observation_cache) by what they
    # depend on, which is not that path (a virtual environment elsewhere, the same versions).
    libs = json.dumps(qasmlexer.CORE_LIBS_PATH)[1:-1]
    print(json.dumps(seen).replace(libs, "<qiskit's qasm libs>"))
    """
    )
)

# In the patched copy only: qiskit's parse (0015's parser, parse() unchanged) and 0022's, each with
# a parser of its own; the AST and the symbol table (dumped together, so that which Gate nodes
# they share shows), the lexer's state, errors and what was printed.
_STATE_WORKER = _with_dump(
    textwrap.dedent(
        r"""
    import contextlib, io, json, re, sys
    sys.path[:0] = [sys.argv[1]]
    import qiskit.qasm.node.node as qnode
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser

    # (dump: _DUMP)

    def parse_with(parse, source):
        printed = io.StringIO()
        with parser._TablesOnceQasmParser(None) as qasm_p:
            qasm_p.parse_debug(False)
            try:
                with contextlib.redirect_stdout(printed):
                    ast = parse(qasm_p, source)
            except Exception as exc:
                ast = f"{type(exc).__name__}: {exc}"
            memo = {}
            lexer = qasm_p.lexer
            return {
                "ast": dump(ast, memo) if not isinstance(ast, str) else ast,
                "global_symtab": dump(qasm_p.global_symtab, memo),
                "current_is_global": qasm_p.current_symtab is qasm_p.global_symtab,
                "scopes": len(qasm_p.symbols),
                "lexer": [lexer.data, lexer.lineno, lexer.filename, len(lexer.stack),
                          lexer.lexer.lexpos, lexer.lexer.lineno],
                "input_overridden": "input" in vars(lexer),
                "printed": printed.getvalue(),
            }

    def comparable(value):  # node reprs in messages carry addresses, different per parse
        return re.sub(r" at 0x[0-9a-f]+", " at 0x", json.dumps(value))

    fast = parser._StandardLibraryOnce.parse
    seen = []  # per program: null where both left the same, else both (what the test shows)
    for source in json.load(sys.stdin):
        qiskits = parse_with(lambda qasm_p, text: qasm_p.parse(text), source)
        patched = parse_with(fast, source)
        same = comparable(qiskits) == comparable(patched)
        seen.append(None if same else [qiskits, patched])
    # Two parses of one program share no node or list, and changing one AST changes no later one.
    program = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nh q[0];\n'
    first = parser._QASMASTSegmenter.ast_from_str(program)
    before = dump(first, {})
    first_ids = {}  # id -> the object, held so that no id is reused while this runs
    def collect(obj, ids):
        if isinstance(obj, (qnode.Node, list)) and id(obj) not in ids:
            ids[id(obj)] = obj
            for value in (vars(obj).values() if isinstance(obj, qnode.Node) else obj):
                collect(value, ids)
    collect(first, first_ids)
    for gate in first.children:
        if type(gate).__name__ == "Gate":
            gate.name = "changed"
            gate.id.line = -1
            gate.body.children.clear()
    second = parser._QASMASTSegmenter.ast_from_str(program)
    second_ids = {}
    collect(second, second_ids)
    sharing = {
        "shared": len(first_ids.keys() & second_ids.keys()),
        "same_as_before": dump(second, {}) == before,
        "copy_made": parser._StandardLibraryOnce._library is not None,
    }
    print(json.dumps({"pairs": seen, "sharing": sharing}))
    """
    )
)


def run(worker: str, src: Path, payload: object) -> object:
    """What `worker` printed for `payload` with the compiler copy at `src` (observed once)."""
    return compiler_copies.observed(worker, src, payload)


def without_addresses(value: object) -> object:
    """qiskit puts node reprs (`<... object at 0x7f...>`) in some messages: the address differs
    from process to process, whichever parser ran."""
    return json.loads(re.sub(r" at 0x[0-9a-f]+", " at 0x", json.dumps(value)))


def corpus_programs() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return [path.read_text() for path in sorted(CORPUS.glob("*.qasm"))]


def test_programs_parse_as_with_the_fixes_only(copies):
    fixes_only, everything = copies
    programs = VALID + list(INVALID.values()) + AFTER_INCLUDE + corpus_programs()
    expected = without_addresses(run(_WORKER, fixes_only, programs))
    got = without_addresses(run(_WORKER, everything, programs))
    assert isinstance(expected, list) and isinstance(got, list)
    for program, want, have in zip(programs, expected, got, strict=True):
        assert have == want, program
    errors = {name: entry for name, entry in zip(INVALID, expected[len(VALID) :], strict=False)}
    # Each invalid program is refused, by the parser, with the reason a user needs.
    assert all("error" in entry for entry in errors.values()), errors
    assert "Cannot find gate definition for 'foo'" in errors["undefined gate"]["error"]
    assert "uses 1 qubits but is declared for 2" in errors["wrong arity"]["error"]
    assert "Duplicate declaration for gate 'h'" in errors["gate redefined"]["error"]
    assert "nothere.inc cannot be found" in errors["include of a missing file"]["error"]
    assert errors["undefined gate"]["compile_str"] == errors["undefined gate"]["error"]
    assert all("error" not in entry for entry in expected[: len(VALID)])


def test_parser_is_left_as_qiskits_parse_leaves_it(copies):
    _, everything = copies
    programs = VALID + PARSER_ONLY + list(INVALID.values()) + AFTER_INCLUDE
    seen = run(_STATE_WORKER, everything, programs)
    assert isinstance(seen, dict)
    for program, pair in zip(programs, seen["pairs"], strict=True):
        assert pair is None, (program, without_addresses(pair))
    assert seen["sharing"] == {"shared": 0, "same_as_before": True, "copy_made": True}


# In the patched copy: how many objects the cyclic garbage collector finds after one parse of each
# program (the AST dropped, or the error handled), with nothing else run in between.
_GARBAGE_WORKER = textwrap.dedent(
    r"""
    import gc, json, sys
    sys.path[:0] = [sys.argv[1]]
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser

    def parse(source):
        try:
            parser._QASMASTSegmenter.ast_from_str(source)
        except Exception:
            pass

    left = []
    for source in json.load(sys.stdin):
        # Warm: the parser tables, the copy of the declarations and what ply and qiskit make on
        # first use are made once per process.
        parse(source)
        parse(source)
        gc.collect()
        gc.disable()
        parse(source)
        left.append(gc.collect())
        gc.enable()
    print(json.dumps(left))
    """
)


def test_a_parse_leaves_no_cyclic_garbage(copies):
    _, everything = copies
    programs = [VALID[0], VALID[-1], INVALID["undefined gate"], INVALID["missing semicolon"]]
    assert run(_GARBAGE_WORKER, everything, programs) == [0, 0, 0, 0]


# Patch 0025, in the patched copy: ast_from_str(..., library_declarations=False), the parse the
# pipeline makes, against the full parse of the same program in the same process: the same AST
# once qelib1.inc's gate declarations (those its file is qelib1.inc's) are taken out, the same
# error and printed text; the library's declarations either all there (qiskit's own parse, the
# fallback) or none; and the one symbol table every such parse shares is the same after all of
# them as before (no parse, valid or not, changed an entry of it).
_LEAN_WORKER = _with_dump(
    textwrap.dedent(
        r"""
    import contextlib, io, json, re, sys
    sys.path[:0] = [sys.argv[1]]
    import qiskit.qasm.node.node as qnode
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser

    # (dump: _DUMP)

    def comparable(value):  # node reprs in messages carry addresses, different per parse
        return re.sub(r" at 0x[0-9a-f]+", " at 0x", json.dumps(value))

    def from_library(node):
        return getattr(node, "type", None) == "gate" and node.id.file.endswith("qelib1.inc")

    def parsed(source, declarations):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                ast = parser._QASMASTSegmenter.ast_from_str(source, declarations)
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}", "printed": printed.getvalue()}
        library = sum(map(from_library, ast.children))
        ast.children = [node for node in ast.children if not from_library(node)]
        return {"ast": dump(ast, {}), "library": library, "printed": printed.getvalue()}

    parser._QASMASTSegmenter.ast_from_str(json.loads(sys.argv[2]), False)  # the table loaded
    table = parser._StandardLibraryOnce._symbol_table()
    table_before = dump(table, {})
    seen = []
    for source in json.load(sys.stdin):
        full, lean = parsed(source, True), parsed(source, False)
        library = (full.pop("library", None), lean.pop("library", None))
        same = comparable(full) == comparable(lean)
        seen.append({"same": same, "library": library, "error": "error" in full})
    print(json.dumps({
        "seen": seen,
        "table_entries": len(table),
        "table_unchanged": dump(table, {}) == table_before,
        "table_kept": parser._StandardLibraryOnce._symbol_table() is table,
    }))
    """
    )
)


def test_the_pipelines_parse_is_the_full_parse_without_the_library(copies):
    _, everything = copies
    programs = VALID + PARSER_ONLY + list(INVALID.values()) + AFTER_INCLUDE + corpus_programs()
    worker = _LEAN_WORKER.replace("json.loads(sys.argv[2])", json.dumps(VALID[0]))
    seen = run(worker, everything, programs)
    assert isinstance(seen, dict)
    for program, entry in zip(programs, seen["seen"], strict=True):
        assert entry["same"], program
        if not entry["error"]:
            full, lean = entry["library"]
            assert full == 42 and lean in (0, 42), (program, entry)
    # The shortcut was taken (no declarations) for the programs that begin with the header.
    shortcut = [entry["library"][1] == 0 for entry in seen["seen"][: len(VALID)]]
    assert shortcut == [True] * 7 + [True, False, False]
    assert seen["table_entries"] == 42
    assert seen["table_unchanged"] and seen["table_kept"]
